#pragma once
// For the fuzz targets of files that name a base config (sweep files, DSE specs): a
// private temporary directory holding "base.yaml" (the default config), so that
// 'base: base.yaml' works, and a check that keeps the base read inside it (an input
// whose base names a path with '/' is not tried: a fuzzer naming /dev/zero as the base
// would only test the machine).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

// yaml-cpp 0.7's inline accessors trip GCC 12's dangling-pointer analysis (see
// sim/accel_config_reader.cpp).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>

#include "accel_config_reader.h"
#include "yaml_reader.h"

namespace itera::fuzz {

class BaseConfigDir {
 public:
  explicit BaseConfigDir(const std::string& tag) {
    dir_ = std::filesystem::temp_directory_path() / ("itera-fuzz-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "base.yaml", std::ios::binary) << default_accel_config_yaml();
  }
  ~BaseConfigDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  BaseConfigDir(const BaseConfigDir&) = delete;
  BaseConfigDir& operator=(const BaseConfigDir&) = delete;
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// True when some document of `text` has, under the mappings named by `keys` from the top
// (e.g. {"hardware", "base"}), a single value with a '/' in it. False for text YAML
// cannot parse (the parser under test reports that).
inline bool base_leaves_dir(const std::string& text, std::initializer_list<const char*> keys) {
  std::vector<YAML::Node> docs;
  try {
    docs = load_yaml_documents(text);
  } catch (const YAML::Exception&) {
    return false;
  }
  const std::vector<std::string> path(keys.begin(), keys.end());
  // Every node reached by following `path` from `node`, keys compared as written.
  auto leaves = [&](auto&& self, const YAML::Node& node, size_t depth) -> bool {
    if (depth == path.size()) return node.IsScalar() && node.Scalar().find('/') != std::string::npos;
    if (!node.IsMap()) return false;
    for (const auto& entry : node)
      if (entry.first.IsScalar() && entry.first.Scalar() == path[depth] && self(self, entry.second, depth + 1))
        return true;
    return false;
  };
  for (const YAML::Node& doc : docs)
    if (leaves(leaves, doc, 0)) return true;
  return false;
}

}  // namespace itera::fuzz
