#include "sweep_spec.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "accel_config_reader.h"
#include "error.h"
#include "file_io.h"
#include "yaml_reader.h"

namespace itera::sweep {

namespace {

namespace fs = std::filesystem;

const char* const kTopKeys = "trace, base, fidelity, grid";
const DocumentKind kSweepFile{"a sweep file", "the sweep file is empty"};

// A config as a tree: nested mappings (in file order) whose leaves are scalars.
struct Tree {
  bool is_map = false;
  std::string scalar;             // leaves
  bool quoted = false;            // leaves written as quoted strings
  std::vector<std::string> keys;  // mappings
  std::vector<Tree> children;

  Tree* find(const std::string& key) {
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &children[i];
    return nullptr;
  }
  const Tree* find(const std::string& key) const { return const_cast<Tree*>(this)->find(key); }
};

Tree to_tree(const YAML::Node& node, const std::string& what) {
  Tree t;
  if (node.IsMap()) {
    t.is_map = true;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) throw Error(fmt::format("{}: a mapping key is not a name", what));
      t.keys.push_back(entry.first.Scalar());
      t.children.push_back(to_tree(entry.second, what));
    }
  } else if (node.IsScalar()) {
    t.scalar = node.Scalar();
    t.quoted = node.Tag() == "!";
  } else {
    throw Error(fmt::format("{}: not a config (nested mappings of single values)", what));
  }
  return t;
}

// A config's text as a tree, through the one YAML loader (one document, a mapping;
// errors name `what` and the line).
Tree parse_tree(const std::string& yaml_text, const std::string& what) {
  const YamlReader reader(what);
  return to_tree(reader.load_document(yaml_text, {"a config file", "the file has no settings"},
                                      "(accelerator config keys, see configs/README.md)"),
                 what);
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Text that reads back as the same plain scalar wherever it is written.
bool plain_safe(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '+' && c != '-') return false;
  return is_alnum(s[0]) || (s.size() > 1 && (is_alnum(s[1]) || s[1] == '.'));
}

std::string scalar_yaml(const std::string& text, bool quoted) {
  if (!quoted && plain_safe(text)) return text;
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(u));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void emit(const Tree& t, int indent, std::string& out) {
  for (size_t i = 0; i < t.keys.size(); ++i) {
    out.append(static_cast<size_t>(indent), ' ');
    out += scalar_yaml(t.keys[i], false) + ":";
    const Tree& c = t.children[i];
    if (!c.is_map) {
      out += " " + scalar_yaml(c.scalar, c.quoted) + "\n";
    } else if (c.keys.empty()) {
      out += " {}\n";
    } else {
      out += "\n";
      emit(c, indent + 2, out);
    }
  }
}

std::vector<std::string> split_path(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

void set_value(Tree& root, const std::string& key, const GridValue& value) {
  Tree* node = &root;
  for (const std::string& part : split_path(key)) {
    if (!node->is_map) *node = Tree{true, {}, false, {}, {}};
    Tree* child = node->find(part);
    if (!child) {
      node->keys.push_back(part);
      node->children.emplace_back();
      child = &node->children.back();
    }
    node = child;
  }
  *node = Tree{false, value.text, value.quoted, {}, {}};
}

std::string emit(const Tree& t) {
  std::string out;
  emit(t, 0, out);
  return out;
}

std::string join_keys(const Tree& map, const std::string& prefix) {
  std::string out;
  for (const std::string& k : map.keys) out += (out.empty() ? "" : ", ") + prefix + k;
  return out;
}

// The config schema is the built-in default config: it sets every key there is.
const Tree& schema() {
  static const Tree tree = parse_tree(default_accel_config_yaml(), "the built-in default config");
  return tree;
}

// Why `key` is not the dotted path of one config value, or "" when it is.
std::string key_problem(const std::string& key) {
  const std::vector<std::string> parts = split_path(key);
  for (const std::string& p : parts)
    if (p.empty())
      return fmt::format("'{}' is not a config key path; write the keys joined by dots, e.g. array.rows", key);
  const Tree* node = &schema();
  std::string path;
  for (const std::string& part : parts) {
    if (!node->is_map)
      return fmt::format("unknown config key '{}': '{}' is a single value with no keys under it", key, path);
    const Tree* child = node->find(part);
    if (!child) {
      const std::string full = path.empty() ? part : path + "." + part;
      return fmt::format("unknown config key '{}'; allowed keys {}: {}", full,
                         path.empty() ? std::string("at the top level") : "in '" + path + "'",
                         join_keys(*node, path.empty() ? "" : path + "."));
    }
    path = path.empty() ? part : path + "." + part;
    node = child;
  }
  if (node->is_map)
    return fmt::format("'{}' is a group of settings, not one value; sweep one of its keys: {}", key,
                       join_keys(*node, key + "."));
  return "";
}

// How the config reads a key's values, judged by its value in the schema (every value
// there is plain): numbers compare as numbers, booleans without case, the rest as text.
enum class ValueKind { Number, Boolean, Text };

bool as_number(const std::string& s, double& x) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// `key` is a config value path (key_problem() is empty).
ValueKind value_kind(const std::string& key) {
  const Tree* node = &schema();
  for (const std::string& part : split_path(key)) node = node->find(part);
  double x = 0;
  if (as_number(node->scalar, x)) return ValueKind::Number;
  if (lower(node->scalar) == "true" || lower(node->scalar) == "false") return ValueKind::Boolean;
  return ValueKind::Text;
}

// A value the config accepted, as the config reads it: equal for equal values (a number
// in its shortest round-trip form, 0 for -0; a boolean in lower case; text as it is).
std::string canonical(ValueKind kind, const std::string& text) {
  double x = 0;
  if (kind == ValueKind::Number && as_number(text, x)) return fmt::format("{}", x == 0 ? 0.0 : x);
  if (kind == ValueKind::Boolean) return lower(text);
  return text;
}

// A path from the sweep file, relative to the sweep file's directory.
std::string resolve(const std::string& sweep_file, const std::string& path) {
  const fs::path p(path);
  if (p.is_absolute()) return path;
  const fs::path dir = fs::path(sweep_file).parent_path();
  return dir.empty() ? path : (dir / p).string();
}

std::string path_value(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& what) {
  if (!v.IsScalar() || v.Scalar().empty())
    r.fail(key, fmt::format("'{}' must be {}; got {}", key.Scalar(), what, shown(v)));
  return v.Scalar();
}

// The message of a config error without its "<file>:<line>: " prefix.
std::string strip_location(const std::string& message, const std::string& file) {
  if (message.compare(0, file.size(), file) != 0) return message;
  size_t i = file.size();
  if (i < message.size() && message[i] == ':') {
    size_t j = i + 1;
    while (j < message.size() && message[j] >= '0' && message[j] <= '9') ++j;
    if (j > i + 1) i = j;
  }
  if (message.compare(i, 2, ": ") == 0) return message.substr(i + 2);
  return message;
}

void parse_grid(const YamlReader& r, const YAML::Node& grid_key, const YAML::Node& grid, SweepSpec& spec) {
  if (!grid.IsMap() || grid.size() == 0)
    r.fail(grid_key, fmt::format("'grid' must be a mapping from config keys to lists of values, e.g. "
                                 "'array.rows: [16, 32]'; got {}",
                                 grid.IsMap() ? "an empty mapping" : shown(grid)));
  const std::string sentinel = "<sweep point>";
  for (const auto& entry : grid) {
    const YAML::Node& key = entry.first;
    const YAML::Node& list = entry.second;
    if (!key.IsScalar()) r.fail(key, fmt::format("a grid key is {}, not a config key path", shown(key)));
    GridAxis axis;
    axis.key = key.Scalar();
    axis.line = line_of(key);
    for (const GridAxis& other : spec.grid)
      if (other.key == axis.key)
        r.fail(key, fmt::format("grid key '{}' is given twice (first on line {})", axis.key, other.line));
    if (const std::string problem = key_problem(axis.key); !problem.empty())
      r.fail(key, fmt::format("grid key '{}': {}", axis.key, problem));
    const ValueKind kind = value_kind(axis.key);
    std::map<std::string, size_t> seen;  // canonical value -> its index in axis.values
    // Errors about the list as a whole point at the key: yaml-cpp gives an empty
    // value the position of whatever follows it.
    if (!list.IsSequence() || list.size() == 0)
      r.fail(key, fmt::format("grid key '{}' must be a non-empty list of values, e.g. [a, b]; got {}", axis.key,
                              shown(list)));
    for (const YAML::Node& item : list) {
      if (!item.IsScalar())
        r.fail(item, fmt::format("grid key '{}': each value must be a single value; got {}", axis.key, shown(item)));
      GridValue v{item.Scalar(), item.Tag() == "!", line_of(item)};
      if (v.line == 0) v.line = axis.line;
      // The value alone must make a valid config. It is checked in a config that sets
      // only this key, which is much quicker to read than the base with it (a grid may
      // list thousands of values): the config has no rules across keys, so it is as
      // valid on the base. (Each point's whole config is checked again before its worker
      // starts.)
      Tree t{true, {}, false, {}, {}};
      set_value(t, axis.key, v);
      try {
        parse_accel_config(emit(t), sentinel);
      } catch (const Error& e) {
        r.fail(v.line, fmt::format("grid key '{}': {}", axis.key, strip_location(e.what(), sentinel)));
      }
      // Values equal as the config reads them are the same design point.
      const auto [first, fresh] = seen.emplace(canonical(kind, v.text), axis.values.size());
      if (!fresh) {
        const GridValue& other = axis.values[first->second];
        if (other.text == v.text)
          r.fail(v.line, fmt::format("grid key '{}' lists the value '{}' twice (first on line {})", axis.key, v.text,
                                     other.line));
        r.fail(v.line, fmt::format("grid key '{}' lists the same value twice: '{}' and '{}' (first on line {}) are "
                                   "equal {}",
                                   axis.key, v.text, other.text, other.line,
                                   kind == ValueKind::Number ? "numbers" : "as the config reads them"));
      }
      axis.values.push_back(std::move(v));
    }
    spec.grid.push_back(std::move(axis));
  }
}

}  // namespace

size_t SweepSpec::point_count() const {
  if (grid.empty()) return 0;
  size_t n = 1;
  for (const GridAxis& a : grid) n *= a.values.size();
  return n;
}

std::vector<size_t> SweepSpec::choice(size_t index) const {
  std::vector<size_t> c(grid.size());
  for (size_t a = grid.size(); a-- > 0;) {
    c[a] = index % grid[a].values.size();
    index /= grid[a].values.size();
  }
  return c;
}

std::string SweepSpec::label(size_t index) const {
  const std::vector<size_t> c = choice(index);
  std::string out;
  for (size_t a = 0; a < grid.size(); ++a)
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", grid[a].key, grid[a].values[c[a]].text);
  return out;
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& file) {
  const YamlReader r(file);
  const YAML::Node doc = r.load_document(text, kSweepFile, kTopKeys);

  SweepSpec spec;
  spec.file = file;
  YAML::Node grid_key, grid, base_key, base_value;
  bool has_grid = false, has_base = false;
  std::set<std::string> seen;
  for (const auto& entry : doc) {
    const YAML::Node& key = entry.first;
    const YAML::Node& v = entry.second;
    if (!key.IsScalar()) r.fail(key, fmt::format("a top-level key is {}, not a name", shown(key)));
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) r.fail(key, fmt::format("duplicate key '{}'", name));
    if (name == "trace") {
      spec.trace = resolve(file, path_value(r, key, v, "a trace file path (relative to the sweep file)"));
    } else if (name == "base") {
      base_key = key;
      base_value = v;
      has_base = true;
    } else if (name == "fidelity") {
      if (!v.IsScalar() || (v.Scalar() != "fast" && v.Scalar() != "cycle"))
        r.fail(key, fmt::format("fidelity must be fast or cycle; got {}", shown(v)));
      spec.fidelity = v.Scalar();
    } else if (name == "grid") {
      grid_key = key;
      grid = v;
      has_grid = true;
    } else {
      r.fail(key, fmt::format("unknown key '{}' at the top level; allowed keys: {}", name, kTopKeys));
    }
  }
  if (!has_grid)
    throw Error(
        fmt::format("{}: no 'grid': give the config keys to sweep and their values, e.g. "
                    "'grid: {{array.rows: [16, 32]}}'",
                    file));

  read_base_and_grid(r, has_base ? &base_key : nullptr, has_base ? &base_value : nullptr, &grid_key, &grid, spec);

  size_t n = 1;
  std::string shape;
  for (const GridAxis& a : spec.grid) {
    shape += fmt::format("{}{}", shape.empty() ? "" : " x ", a.values.size());
    n = n > kMaxSweepPoints ? n : n * a.values.size();  // saturates well before overflow
  }
  if (n > kMaxSweepPoints)
    throw Error(fmt::format("{}: the grid ({}) has more than {} points, the most a sweep takes; sweep fewer values",
                            file, shape, kMaxSweepPoints));
  return spec;
}

void read_base_and_grid(const YamlReader& r, const YAML::Node* base_key, const YAML::Node* base_value,
                        const YAML::Node* grid_key, const YAML::Node* grid, SweepSpec& spec) {
  if (base_key != nullptr) {
    spec.base_file =
        resolve(r.file(), path_value(r, *base_key, *base_value, "a config file path (relative to the file that names it)"));
    try {
      spec.base_yaml = read_file(spec.base_file);
    } catch (const Error& e) {
      r.fail(*base_key, fmt::format("base: {}", e.what()));
    }
    parse_accel_config(spec.base_yaml, spec.base_file);  // errors name the base file
  } else {
    spec.base_file.clear();
    spec.base_yaml = default_accel_config_yaml();
  }
  // The base must be a config tree (nested mappings of single values) to set points' values in.
  parse_tree(spec.base_yaml, spec.base_file.empty() ? "the built-in default config" : spec.base_file);
  if (grid_key == nullptr) return;
  parse_grid(r, *grid_key, *grid, spec);
}

SweepSpec load_sweep_spec(const std::string& path) { return parse_sweep_spec(read_file(path), path); }

std::string set_config_value(const std::string& yaml_text, const std::string& key, const GridValue& value) {
  Tree t = parse_tree(yaml_text, "config");
  set_value(t, key, value);
  return emit(t);
}

struct PointConfigs::Base {
  Tree tree;
};

PointConfigs::PointConfigs(const SweepSpec& spec)
    : spec_(spec),
      base_(std::make_unique<Base>(Base{parse_tree(
          spec.base_yaml, spec.base_file.empty() ? "the built-in default config" : spec.base_file)})) {}

PointConfigs::~PointConfigs() = default;

std::string PointConfigs::yaml(size_t index, const std::string& header) const {
  Tree t = base_->tree;
  const std::vector<size_t> c = spec_.choice(index);
  for (size_t a = 0; a < spec_.grid.size(); ++a) set_value(t, spec_.grid[a].key, spec_.grid[a].values[c[a]]);
  return header + emit(t);
}

std::string point_config_yaml(const SweepSpec& spec, size_t index, const std::string& header) {
  return PointConfigs(spec).yaml(index, header);
}

}  // namespace itera::sweep
