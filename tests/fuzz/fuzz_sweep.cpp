// Sweep files: sweep::parse_sweep_spec on arbitrary text, as a file "sweep.yaml" in a
// private temporary directory that holds "base.yaml" (the default config), so that
// 'base: base.yaml' works. Inputs whose base names a path with '/' are not tried: the
// base file read stays inside that directory (a fuzzer naming /dev/zero as the base
// would only test the machine). An accepted spec must yield a valid config at its
// first, middle and last point (each value was checked alone on the base, and the
// config has no rules across keys), the same bytes each time.
#include <vector>

#include "accel_config_reader.h"
#include "fuzz_base_dir.h"
#include "fuzz_support.h"
#include "targets.h"
#include "sweep_spec.h"

namespace itera::fuzz {

int sweep(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  if (base_leaves_dir(text, {"base"})) return -1;
  static const BaseConfigDir dir("sweep");
  const std::string file = dir.file("sweep.yaml");
  const std::optional<sweep::SweepSpec> spec = accepted([&] { return sweep::parse_sweep_spec(text, file); });
  if (!spec) return 0;
  const size_t n = spec->point_count();
  FUZZ_CHECK(n >= 1 && n <= sweep::kMaxSweepPoints, "point count out of range");
  for (const size_t index : {size_t{0}, n / 2, n - 1}) {
    must("label", [&] { return spec->label(index); });
    const std::string yaml = must("point_config_yaml", [&] { return sweep::point_config_yaml(*spec, index, "# p\n"); });
    FUZZ_CHECK(yaml == sweep::point_config_yaml(*spec, index, "# p\n"), "point configs are not deterministic");
    must("parse_accel_config(point config)", [&] { return parse_accel_config(yaml, "point.yaml"); });
  }
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(sweep)
