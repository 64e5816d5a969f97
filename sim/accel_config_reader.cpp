#include "accel_config_reader.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>
// yaml-cpp 0.7's inline node accessors trip GCC 12's dangling-pointer analysis (a
// false positive inside the library's own headers, reported where they are inlined
// in this file), so the warning is off for this file only.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>

#include "file_io.h"
#include "error.h"
#include "yaml_messages.h"

namespace itera {

namespace {

// configs/default.yaml, byte for byte (a test compares the two), so that the
// program runs without its source tree and the documented defaults are the real ones.
const char* const kDefaultYaml = R"yaml(# itera-sim accelerator configuration: the defaults, used when a command gets no
# --config. A config file may leave out any key; see configs/README.md.
clock_mhz: 1000
array:
  rows: 32
  cols: 32
  dataflow: ws          # ws | os | is
  timing: overlapped    # overlapped | classic
pe:
  native_bits: 8        # a PE's multiplier width
  pack_lower_bits: true # b-bit MACs per PE per cycle = floor(native_bits / b) for b < native_bits
memory:
  ideal: false          # true: compute-only timing, no memory stalls
  dram: ddr4-3200       # a preset (ddr4-2400, ddr4-3200, lpddr4-3200, hbm2) or simple
  simple:               # used when dram: simple
    bandwidth_gbps: 25.6
    latency_ns: 50
buffers:
  weight: {kb: 256, banks: 8, ports: 2, width_bytes: 16, double_buffer: true}
  input:  {kb: 256, banks: 8, ports: 2, width_bytes: 16, double_buffer: true}
  output: {kb: 128, banks: 16, ports: 2, width_bytes: 16, double_buffer: true}
low_rank:
  datapath: shared      # shared (low-rank GEMMs on the main array) | dedicated (a second array, concurrent)
  dedicated_rows: 8
  dedicated_cols: 8
)yaml";

template <class E>
std::string spellings(const std::vector<Spelling<E>>& table) {
  std::string out;
  for (const auto& entry : table) out += (out.empty() ? "" : ", ") + std::string(entry.name);
  return out;
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// What a value looks like, for "got ..." in messages.
// A plain (unquoted) scalar: numbers and booleans must be written as such.
bool plain_scalar(const YAML::Node& v) { return v.IsScalar() && v.Tag() != "!"; }

// One key of a mapping and how to read its value. `key` is the key's node: its
// line is reported for errors in the value too, because yaml-cpp gives empty
// values the position of whatever follows them.
using ReadValue = std::function<void(const YAML::Node& key, const YAML::Node& value, const std::string& path)>;
struct Field {
  const char* name;
  ReadValue read;
};
using Fields = std::vector<Field>;

std::string field_names(const Fields& fields) {
  std::string out;
  for (const Field& f : fields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

// Reads values out of one file's YAML tree; every failure names the file and line.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const { fail_at(file_, at, what); }

  // Every key of `map` must be one of `fields`, at most once.
  void fields(const YAML::Node& map, const std::string& path, const Fields& fields) const {
    std::map<std::string, int> seen;  // key -> 1-based line
    // yaml-cpp iterators yield key/value pairs by value: a reference to it->first would dangle.
    for (const auto& entry : map) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) fail(key, fmt::format("a key {} is {}, not a name", where(path), shown(key)));
      const std::string full = join_path(path, key.Scalar());
      const Field* field = find(fields, key.Scalar());
      if (!field)
        fail(key, fmt::format("unknown key '{}'; allowed keys {}: {}", full, where(path), field_names(fields)));
      const auto [first, fresh] = seen.emplace(key.Scalar(), key.Mark().line + 1);
      if (!fresh) fail(key, fmt::format("duplicate key '{}' (first given on line {})", full, first->second));
      field->read(key, entry.second, full);
    }
  }

  void mapping(const YAML::Node& key, const YAML::Node& v, const std::string& path, const Fields& fields) const {
    if (!v.IsMap())
      fail(key, fmt::format("{} must be a mapping with keys {}; got {}", path, field_names(fields), shown(v)));
    this->fields(v, path, fields);
  }

  int integer(const YAML::Node& key, const YAML::Node& v, const std::string& path, int lo, int hi) const {
    const std::string range = fmt::format("{}..{}", lo, hi);
    long long x = 0;
    const std::string& s = v.Scalar();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    const bool whole = plain_scalar(v) && !s.empty() && end == s.data() + s.size();
    if (!whole || (ec != std::errc() && ec != std::errc::result_out_of_range))
      fail(key, fmt::format("{} must be an integer in {}; got {}", path, range, shown(v)));
    if (ec == std::errc::result_out_of_range || x < lo || x > hi)
      fail(key, fmt::format("{} = {} is out of range; allowed: {}", path, s, range));
    return static_cast<int>(x);
  }

  double number(const YAML::Node& key, const YAML::Node& v, const std::string& path,
                const std::function<bool(double)>& allowed, const char* range) const {
    double x = 0;
    const std::string& s = v.Scalar();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    const bool whole = plain_scalar(v) && !s.empty() && end == s.data() + s.size();
    if (!whole || ec != std::errc() || !std::isfinite(x))
      fail(key, fmt::format("{} must be a number, allowed: {}; got {}", path, range, shown(v)));
    if (!allowed(x)) fail(key, fmt::format("{} = {} is out of range; allowed: {}", path, s, range));
    return x;
  }

  // Only true and false: YAML 1.1's yes/no/on/off are too easy to write by accident.
  bool boolean(const YAML::Node& key, const YAML::Node& v, const std::string& path) const {
    if (plain_scalar(v)) {
      const std::string& s = v.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
    }
    fail(key, fmt::format("{} must be a boolean (true or false); got {}", path, shown(v)));
  }

  template <class E>
  E choice(const YAML::Node& key, const YAML::Node& v, const std::string& path,
           const std::vector<Spelling<E>>& table) const {
    if (!v.IsScalar()) fail(key, fmt::format("{} must be one of {}; got {}", path, spellings(table), shown(v)));
    for (const auto& [name, value] : table)
      if (v.Scalar() == name) return value;
    fail(key, fmt::format("{} = '{}' is not allowed; allowed: {}", path, v.Scalar(), spellings(table)));
  }

  std::string dram_name(const YAML::Node& key, const YAML::Node& v, const std::string& path) const {
    const std::string allowed = dram_preset_names() + ", simple";
    if (!v.IsScalar()) fail(key, fmt::format("{} must be a DRAM preset name ({}); got {}", path, allowed, shown(v)));
    const std::string& name = v.Scalar();
    bool known = name == "simple";
    for (const DramTiming& t : dram_presets()) known = known || t.name == name;
    if (!known) fail(key, fmt::format("{} = '{}' is not a known DRAM preset; allowed: {}", path, name, allowed));
    return name;
  }

 private:
  static std::string where(const std::string& path) {
    return path.empty() ? "at the top level" : "in '" + path + "'";
  }
  static const Field* find(const Fields& fields, const std::string& name) {
    for (const Field& f : fields)
      if (name == f.name) return &f;
    return nullptr;
  }

  std::string file_;
};

// The schema: one Fields list per mapping, each storing into `c`.

Fields array_fields(ArrayConfig& c, const Reader& r) {
  return {
      {"rows", [&](auto& k, auto& v, auto& p) { c.rows = r.integer(k, v, p, 1, 4096); }},
      {"cols", [&](auto& k, auto& v, auto& p) { c.cols = r.integer(k, v, p, 1, 4096); }},
      {"dataflow", [&](auto& k, auto& v, auto& p) { c.dataflow = r.choice(k, v, p, dataflow_spellings()); }},
      {"timing", [&](auto& k, auto& v, auto& p) { c.timing = r.choice(k, v, p, timing_spellings()); }},
  };
}

Fields pe_fields(PeConfig& c, const Reader& r) {
  return {
      {"native_bits", [&](auto& k, auto& v, auto& p) { c.native_bits = r.integer(k, v, p, 2, 32); }},
      {"pack_lower_bits", [&](auto& k, auto& v, auto& p) { c.pack_lower_bits = r.boolean(k, v, p); }},
  };
}

Fields simple_dram_fields(SimpleDram& c, const Reader& r) {
  return {
      {"bandwidth_gbps",
       [&](auto& k, auto& v, auto& p) { c.bandwidth_gbps = r.number(k, v, p, [](double x) { return x > 0; }, "> 0"); }},
      {"latency_ns",
       [&](auto& k, auto& v, auto& p) { c.latency_ns = r.number(k, v, p, [](double x) { return x >= 0; }, ">= 0"); }},
  };
}

Fields memory_fields(MemoryConfig& c, const Reader& r) {
  return {
      {"ideal", [&](auto& k, auto& v, auto& p) { c.ideal = r.boolean(k, v, p); }},
      {"dram", [&](auto& k, auto& v, auto& p) { c.dram.name = r.dram_name(k, v, p); }},
      {"simple", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, simple_dram_fields(c.dram.simple, r)); }},
  };
}

Fields buffer_fields(BufferConfig& c, const Reader& r) {
  return {
      {"kb", [&](auto& k, auto& v, auto& p) { c.kb = r.integer(k, v, p, 1, 1048576); }},
      {"banks", [&](auto& k, auto& v, auto& p) { c.banks = r.integer(k, v, p, 1, 1024); }},
      {"ports", [&](auto& k, auto& v, auto& p) { c.ports = r.integer(k, v, p, 1, 16); }},
      {"width_bytes", [&](auto& k, auto& v, auto& p) { c.width_bytes = r.integer(k, v, p, 1, 4096); }},
      {"double_buffer", [&](auto& k, auto& v, auto& p) { c.double_buffer = r.boolean(k, v, p); }},
  };
}

Fields buffers_fields(BuffersConfig& c, const Reader& r) {
  return {
      {"weight", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffer_fields(c.weight, r)); }},
      {"input", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffer_fields(c.input, r)); }},
      {"output", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffer_fields(c.output, r)); }},
  };
}

Fields low_rank_fields(LowRankConfig& c, const Reader& r) {
  return {
      {"datapath", [&](auto& k, auto& v, auto& p) { c.datapath = r.choice(k, v, p, datapath_spellings()); }},
      {"dedicated_rows", [&](auto& k, auto& v, auto& p) { c.dedicated_rows = r.integer(k, v, p, 1, 4096); }},
      {"dedicated_cols", [&](auto& k, auto& v, auto& p) { c.dedicated_cols = r.integer(k, v, p, 1, 4096); }},
  };
}

Fields top_fields(AccelConfig& c, const Reader& r) {
  return {
      {"clock_mhz",
       [&](auto& k, auto& v, auto& p) {
         c.clock_mhz = r.number(k, v, p, [](double x) { return x > 0 && x <= 10000; }, "(0, 10000]");
       }},
      {"array", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, array_fields(c.array, r)); }},
      {"pe", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, pe_fields(c.pe, r)); }},
      {"memory", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, memory_fields(c.memory, r)); }},
      {"buffers", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffers_fields(c.buffers, r)); }},
      {"low_rank", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, low_rank_fields(c.low_rank, r)); }},
  };
}

// The one YAML document of a config file, which must be a non-empty mapping.
YAML::Node load_document(const std::string& text, const std::string& filename, const std::string& top_keys) {
  std::vector<YAML::Node> docs;
  try {
    docs = load_yaml_documents(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) throw Error(fmt::format("{}: YAML syntax error: {}", filename, e.msg));
    throw Error(fmt::format("{}:{}: YAML syntax error: {}", filename, e.mark.line + 1, e.msg));
  }
  const Reader reader(filename);
  if (docs.size() > 1) reader.fail(docs[1], "more than one YAML document; a config file holds one mapping");
  if (docs.empty() || docs[0].IsNull())
    throw Error(fmt::format("{}: the file has no settings; expected a mapping with keys {}", filename, top_keys));
  if (!docs[0].IsMap())
    reader.fail(docs[0], fmt::format("the top level must be a mapping with keys {}; got {}", top_keys, shown(docs[0])));
  return docs[0];
}

}  // namespace

AccelConfig parse_accel_config(const std::string& yaml_text, const std::string& filename) {
  AccelConfig config;  // keys the file leaves out keep these defaults
  const Reader reader(filename);
  const Fields fields = top_fields(config, reader);
  const YAML::Node doc = load_document(yaml_text, filename, field_names(fields));
  reader.fields(doc, "", fields);
  if (!config.memory.dram.is_simple()) config.memory.dram.preset = find_dram_preset(config.memory.dram.name);
  return config;
}

AccelConfig load_accel_config(const std::string& path) { return parse_accel_config(read_file(path), path); }

const std::string& default_accel_config_yaml() {
  static const std::string text = kDefaultYaml;
  return text;
}

AccelConfig default_accel_config() {
  return parse_accel_config(default_accel_config_yaml(), "configs/default.yaml (built in)");
}

}  // namespace itera
