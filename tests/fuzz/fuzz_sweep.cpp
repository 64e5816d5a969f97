// Sweep files: sweep::parse_sweep_spec on arbitrary text, as a file "sweep.yaml" in a
// private temporary directory that holds "base.yaml" (the default config), so that
// 'base: base.yaml' works. Inputs whose base names a path with '/' are not tried: the
// base file read stays inside that directory (a fuzzer naming /dev/zero as the base
// would only test the machine). An accepted spec must yield a valid config at its
// first, middle and last point (each value was checked alone on the base, and the
// config has no rules across keys), the same bytes each time.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

// yaml-cpp 0.7's inline accessors trip GCC 12's dangling-pointer analysis (see
// sim/accel_config_reader.cpp).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>

#include "accel_config_reader.h"
#include "fuzz_support.h"
#include "sweep_spec.h"
#include "targets.h"
#include "yaml_reader.h"

namespace itera::fuzz {

namespace {

namespace fs = std::filesystem;

class SweepDir {
 public:
  SweepDir() {
    dir_ = fs::temp_directory_path() / ("itera-fuzz-sweep-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "base.yaml", std::ios::binary) << default_accel_config_yaml();
  }
  ~SweepDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  SweepDir(const SweepDir&) = delete;
  SweepDir& operator=(const SweepDir&) = delete;
  std::string sweep_file() const { return (dir_ / "sweep.yaml").string(); }

 private:
  fs::path dir_;
};

// True when some top-level 'base' key of the YAML names a path with a '/' in it.
bool base_leaves_dir(const std::string& text) {
  std::vector<YAML::Node> docs;
  try {
    docs = load_yaml_documents(text);
  } catch (const YAML::Exception&) {
    return false;  // parse_sweep_spec reports the syntax error
  }
  for (const YAML::Node& doc : docs) {
    if (!doc.IsMap()) continue;
    for (const auto& entry : doc) {
      if (entry.first.IsScalar() && entry.first.Scalar() == "base" && entry.second.IsScalar() &&
          entry.second.Scalar().find('/') != std::string::npos)
        return true;
    }
  }
  return false;
}

}  // namespace

int sweep(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  if (base_leaves_dir(text)) return -1;
  static const SweepDir dir;
  const std::string file = dir.sweep_file();
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
