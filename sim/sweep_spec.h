#pragma once
// The sweep file of `itera sweep` (configs/README.md, "Design-space sweeps"): a trace,
// an optional base config, an optional fidelity and an ordered grid of config keys,
// each with a list of values. The design points are the cartesian product of the
// lists, the last key varying fastest; each point is the base config with that
// point's values set.
//
// Validation is strict and every error names the sweep file, the 1-based line and
// the grid key: unknown top-level keys, grid keys that are not config value paths,
// values that are not non-empty lists of scalars, values the config rejects (each is
// checked alone by parse_accel_config, in a config setting only its key), the same value twice
// in a list (as the config reads it: 100, 100.0 and 1e2 are one number, true and True
// one boolean), more than kMaxSweepPoints points.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace YAML {
class Node;
}
namespace itera {
class YamlReader;
}

namespace itera::sweep {

// The most points a grid may have. A sweep's memory and start-up time do not grow with
// the point count, but its output directory holds 2 files per point.
inline constexpr size_t kMaxSweepPoints = 1000000;

struct GridValue {
  std::string text;     // the scalar as written (without quotes)
  bool quoted = false;  // written as a quoted string ("32"): stays a string in the point config
  int line = 0;         // 1-based line in the sweep file
};

struct GridAxis {
  std::string key;  // dotted config path, e.g. "array.rows"
  int line = 0;     // line of the key
  std::vector<GridValue> values;
};

struct SweepSpec {
  std::string file;       // the sweep file as named by the user (for messages)
  std::string trace;      // resolved against the sweep file's directory; empty: not given
  std::string base_file;  // resolved; empty: the built-in default config
  std::string base_yaml;  // the base config's text (validated)
  std::string fidelity;   // fast | cycle; empty: not given
  std::vector<GridAxis> grid;

  size_t point_count() const;
  // For point `index`, the index into each axis' values (last axis fastest).
  std::vector<size_t> choice(size_t index) const;
  // "array.rows=16 array.dataflow=os" for point `index`.
  std::string label(size_t index) const;
};

// Parses a sweep file's text; `file` names it in messages and anchors relative paths
// (trace, base). Reads and validates the base config. Throws itera::Error.
SweepSpec parse_sweep_spec(const std::string& text, const std::string& file);
SweepSpec load_sweep_spec(const std::string& path);

// The `base` and `grid` of a sweep file, also read from other files that hold a
// hardware grid (the DSE spec): the base config (base_value: a path resolved against
// the reader's file; null: the built-in default) read and validated into
// spec.base_file / base_yaml, and the grid mapping (null: none) checked into spec.grid
// with every check of a sweep file.
void read_base_and_grid(const YamlReader& r, const YAML::Node* base_key, const YAML::Node* base_value,
                        const YAML::Node* grid_key, const YAML::Node* grid, SweepSpec& spec);

// The config YAML of point `index`: the base with the point's values set, as block
// YAML, after `header` (comment lines, each starting with '#', newline-terminated).
// Deterministic: the same spec, index and header give the same bytes.
std::string point_config_yaml(const SweepSpec& spec, size_t index, const std::string& header);

// The same, for many points of one spec: the base config is parsed once. `spec` must
// outlive this object.
class PointConfigs {
 public:
  explicit PointConfigs(const SweepSpec& spec);
  ~PointConfigs();
  PointConfigs(const PointConfigs&) = delete;
  PointConfigs& operator=(const PointConfigs&) = delete;
  std::string yaml(size_t index, const std::string& header) const;

 private:
  struct Base;
  const SweepSpec& spec_;
  std::unique_ptr<Base> base_;
};

// `yaml_text` (a config: nested mappings of scalars) with the dotted `key` set to
// `value`, emitted as block YAML. Throws itera::Error if yaml_text is not such a config.
std::string set_config_value(const std::string& yaml_text, const std::string& key, const GridValue& value);

}  // namespace itera::sweep
