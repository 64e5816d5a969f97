// DSE specs: dse::parse_dse_spec on arbitrary text, as a file "spec.yaml" in a private
// temporary directory holding "base.yaml" (the default config), so that
// 'hardware: {base: base.yaml}' works. Inputs whose hardware base names a path with '/'
// are not tried (the base file read stays in that directory). An accepted spec must
// name exactly one source, a metric its source can give, non-empty decomposition
// grids whose methods and forms enumerate, and a hardware point whose config is valid.
#include <vector>

#include "accel_config_reader.h"
#include "fuzz_base_dir.h"
#include "fuzz_support.h"
#include "targets.h"
#include "design_space.h"
#include "dse_spec.h"

namespace itera::fuzz {

int dse_spec(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  if (base_leaves_dir(text, {"hardware", "base"})) return -1;
  static const BaseConfigDir dir("dse");
  static const std::vector<std::string> devices = {"kv260", "zcu104"};
  const std::optional<dse::DseSpec> spec =
      accepted([&] { return dse::parse_dse_spec(text, dir.file("spec.yaml"), devices); });
  if (!spec) return 0;
  FUZZ_CHECK(spec->model.empty() != spec->shape.empty(), "accepted a spec without exactly one source");
  FUZZ_CHECK(spec->proxy() == (spec->metric == dse::AccuracyMetric::WeightError),
             "accepted a metric its source cannot give");
  FUZZ_CHECK(spec->max > 0, "accepted a budget <= 0");
  FUZZ_CHECK(!spec->method.values.empty() && !spec->bits.values.empty() && !spec->rank.values.empty() &&
                 !spec->form.values.empty() && !spec->group.values.empty() && !spec->factor_bits.values.empty(),
             "accepted an empty decomposition grid");
  const dse::DecompositionSpace space = must("enumerate_decompositions", [&] {
    return dse::enumerate_decompositions({spec->method.values, spec->form.values, spec->bits.values,
                                          spec->group.values, spec->factor_bits.values, spec->rank.values});
  });
  FUZZ_CHECK(space.combinations == static_cast<int64_t>(space.designs.size()) + space.merged + space.skipped,
             "decomposition counts do not add up");
  const size_t n = spec->hardware_points();
  FUZZ_CHECK(n >= 1, "no hardware point");
  const std::string yaml = spec->hardware.grid.empty()
                               ? spec->hardware.base_yaml
                               : must("point_config_yaml", [&] { return sweep::point_config_yaml(spec->hardware, n - 1, ""); });
  must("parse_accel_config(hardware point)", [&] { return parse_accel_config(yaml, "point.yaml"); });
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(dse_spec)
