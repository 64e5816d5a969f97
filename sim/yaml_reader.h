#pragma once
// The one YAML loader and value reader of the project, shared by the accelerator
// config reader (accel_config_reader.h), the sweep file reader (sweep_spec.h) and the
// DRAM preset files (dram_preset_files.h).
//
// A YamlReader reads one file's YAML tree, and every failure is an itera::Error that
// names the file and the 1-based line: "FILE:LINE: what" (or "FILE: what" when there
// is no position). Mappings are read against a schema (a list of Fields): unknown keys,
// keys given twice and (for a reader that requires every key) missing keys are errors
// naming the full dotted key path and the allowed keys; values are checked for their
// type and range.
#include <charconv>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
// yaml-cpp 0.7's inline node accessors trip GCC 12's dangling-pointer analysis (a false
// positive inside the library's own headers, also reported where they are inlined in the
// files that include this one), so the warning is off where yaml-cpp is used.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>

namespace itera {

// YAML::LoadAll(text), except where yaml-cpp 0.7 would loop forever: a token that
// starts no value at the top level (a ',' outside [...] and {...}, e.g. a line that is
// only ",") makes it read empty documents without end, holding every one in memory.
// There this throws YAML::ParserException at that token instead, like any syntax error.
std::vector<YAML::Node> load_yaml_documents(const std::string& text);

// "nothing", "a mapping", "a sequence", "an empty sequence", "the quoted string '…'" or "'…'".
std::string shown(const YAML::Node& v);

// Throws itera::Error "FILE:LINE: what" (or "FILE: what" when the node has no position).
[[noreturn]] void fail_at(const std::string& file, const YAML::Node& at, const std::string& what);

// The node's 1-based line, or 0 when it has no position.
int line_of(const YAML::Node& n);

// "a.b" (or "b" when parent is empty).
std::string join_path(const std::string& parent, const std::string& key);

// One key of a mapping and how to read its value. `key` is the key's node: its line is
// reported for errors in the value too, because yaml-cpp gives empty values the position
// of whatever follows them.
using ReadValue = std::function<void(const YAML::Node& key, const YAML::Node& value, const std::string& path)>;
struct Field {
  const char* name;
  ReadValue read;
};
using Fields = std::vector<Field>;

// "rows, cols, dataflow, timing".
std::string field_names(const Fields& fields);

// The words load_document uses for a kind of file.
struct DocumentKind {
  const char* holder;  // "a config file": "more than one YAML document; a config file holds one mapping"
  const char* empty;   // "the file has no settings": "FILE: the file has no settings; expected a mapping with keys K"
};

// Reads values out of one file's YAML tree; every failure names the file and line.
class YamlReader {
 public:
  // Optional: keys a mapping leaves out keep whatever the target holds.
  // Required: every key of every mapping read with fields() must be given.
  enum class Keys { Optional, Required };

  explicit YamlReader(std::string file, Keys keys = Keys::Optional);

  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const;
  [[noreturn]] void fail(int line, const std::string& what) const;

  // The one YAML document of `text`, which must be a non-empty mapping; `top_keys`
  // lists the keys it may have, for the messages.
  YAML::Node load_document(const std::string& text, const DocumentKind& kind, const std::string& top_keys) const;

  // Every key of `map` (at dotted `path`, "" for the top level) must be one of `fields`,
  // at most once; each is read by its field. `owner` is the node a missing key is
  // reported at (default: the mapping itself).
  void fields(const YAML::Node& map, const std::string& path, const Fields& fields,
              const YAML::Node* owner = nullptr) const;
  // `v` (the value of `key`) must be a mapping, read with fields().
  void mapping(const YAML::Node& key, const YAML::Node& v, const std::string& path, const Fields& fields) const;

  // A plain integer in lo..hi. Numbers (here and in number()) may not start with a
  // zero followed by a digit: YAML 1.1 reads 016 as octal, YAML 1.2 as decimal.
  int integer(const YAML::Node& key, const YAML::Node& v, const std::string& path, int lo, int hi) const;
  // A plain finite number for which allowed(x) holds; `range` describes what is allowed.
  double number(const YAML::Node& key, const YAML::Node& v, const std::string& path,
                const std::function<bool(double)>& allowed, const char* range) const;
  // Only true and false: YAML 1.1's yes/no/on/off are too easy to write by accident.
  bool boolean(const YAML::Node& key, const YAML::Node& v, const std::string& path) const;
  // A non-empty single value (plain or quoted).
  std::string text(const YAML::Node& key, const YAML::Node& v, const std::string& path) const;

  // One of the names of `table` (entries with .name and .value), as its value.
  template <class Table>
  auto choice(const YAML::Node& key, const YAML::Node& v, const std::string& path, const Table& table) const
      -> decltype(table.begin()->value) {
    std::string names;
    for (const auto& entry : table) names += (names.empty() ? "" : ", ") + std::string(entry.name);
    if (!v.IsScalar()) fail(key, fmt::format("{} must be one of {}; got {}", path, names, shown(v)));
    for (const auto& entry : table)
      if (v.Scalar() == entry.name) return entry.value;
    fail(key, fmt::format("{} = '{}' is not allowed; allowed: {}", path, v.Scalar(), names));
  }

 private:
  std::string file_;
  Keys keys_;
};

}  // namespace itera
