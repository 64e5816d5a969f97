#include "accel_config_reader.h"

#include <string>

#include "dram_address_fields.h"
#include "dram_preset_files.h"
#include "embedded_configs.h"
#include "error.h"
#include "file_io.h"
#include "yaml_reader.h"

namespace itera {

namespace {

const DocumentKind kConfigFile{"a config file", "the file has no settings"};

// memory.dram: a preset name (configs/dram/) or "simple".
std::string dram_name(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path) {
  const std::string allowed = dram_preset_names() + ", simple";
  if (!v.IsScalar()) r.fail(key, fmt::format("{} must be a DRAM preset name ({}); got {}", path, allowed, shown(v)));
  const std::string& name = v.Scalar();
  if (name != "simple" && !builtin_dram_presets().find(name))
    r.fail(key, fmt::format("{} = '{}' is not a known DRAM preset; allowed: {}", path, name, allowed));
  return name;
}

// memory.address_mapping: six two-letter fields in DRAMsim3's notation (dram_address_fields.h).
std::string address_mapping(const YamlReader& r, const YAML::Node& key, const YAML::Node& v,
                            const std::string& path) {
  const std::string mapping = r.text(key, v, path);
  try {
    parse_address_mapping(mapping);
  } catch (const Error& e) {
    r.fail(key, fmt::format("{}: {}", path, e.what()));
  }
  return mapping;
}

// The schema: one Fields list per mapping, each storing into `c`.

Fields array_fields(ArrayConfig& c, const YamlReader& r) {
  return {
      {"rows", [&](auto& k, auto& v, auto& p) { c.rows = r.integer(k, v, p, 1, 4096); }},
      {"cols", [&](auto& k, auto& v, auto& p) { c.cols = r.integer(k, v, p, 1, 4096); }},
      {"dataflow", [&](auto& k, auto& v, auto& p) { c.dataflow = r.choice(k, v, p, dataflow_spellings()); }},
      {"timing", [&](auto& k, auto& v, auto& p) { c.timing = r.choice(k, v, p, timing_spellings()); }},
  };
}

Fields pe_fields(PeConfig& c, const YamlReader& r) {
  return {
      {"native_bits", [&](auto& k, auto& v, auto& p) { c.native_bits = r.integer(k, v, p, 2, 32); }},
      {"pack_lower_bits", [&](auto& k, auto& v, auto& p) { c.pack_lower_bits = r.boolean(k, v, p); }},
  };
}

Fields simple_dram_fields(SimpleDram& c, const YamlReader& r) {
  return {
      {"bandwidth_gbps",
       [&](auto& k, auto& v, auto& p) { c.bandwidth_gbps = r.number(k, v, p, [](double x) { return x >= 0.01 && x <= 100000; }, "[0.01, 100000]"); }},
      {"latency_ns",
       [&](auto& k, auto& v, auto& p) { c.latency_ns = r.number(k, v, p, [](double x) { return x >= 0 && x <= 1e6; }, "[0, 1000000]"); }},
  };
}

Fields memory_fields(MemoryConfig& c, const YamlReader& r) {
  return {
      {"ideal", [&](auto& k, auto& v, auto& p) { c.ideal = r.boolean(k, v, p); }},
      {"dram", [&](auto& k, auto& v, auto& p) { c.dram.name = dram_name(r, k, v, p); }},
      {"address_mapping", [&](auto& k, auto& v, auto& p) { c.dram.address_mapping = address_mapping(r, k, v, p); }},
      {"simple", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, simple_dram_fields(c.dram.simple, r)); }},
  };
}

Fields buffer_fields(BufferConfig& c, const YamlReader& r) {
  return {
      {"kb", [&](auto& k, auto& v, auto& p) { c.kb = r.integer(k, v, p, 1, 1048576); }},
      {"banks", [&](auto& k, auto& v, auto& p) { c.banks = r.integer(k, v, p, 1, 1024); }},
      {"ports", [&](auto& k, auto& v, auto& p) { c.ports = r.integer(k, v, p, 1, 16); }},
      {"width_bytes", [&](auto& k, auto& v, auto& p) { c.width_bytes = r.integer(k, v, p, 1, 4096); }},
      {"double_buffer", [&](auto& k, auto& v, auto& p) { c.double_buffer = r.boolean(k, v, p); }},
  };
}

Fields buffers_fields(BuffersConfig& c, const YamlReader& r) {
  return {
      {"weight", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffer_fields(c.weight, r)); }},
      {"input", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffer_fields(c.input, r)); }},
      {"output", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffer_fields(c.output, r)); }},
  };
}

Fields low_rank_fields(LowRankConfig& c, const YamlReader& r) {
  return {
      {"datapath", [&](auto& k, auto& v, auto& p) { c.datapath = r.choice(k, v, p, datapath_spellings()); }},
      {"dedicated_rows", [&](auto& k, auto& v, auto& p) { c.dedicated_rows = r.integer(k, v, p, 1, 4096); }},
      {"dedicated_cols", [&](auto& k, auto& v, auto& p) { c.dedicated_cols = r.integer(k, v, p, 1, 4096); }},
  };
}

Fields top_fields(AccelConfig& c, const YamlReader& r) {
  return {
      {"clock_mhz",
       [&](auto& k, auto& v, auto& p) {
         c.clock_mhz = r.number(k, v, p, [](double x) { return x >= 1 && x <= 10000; }, "[1, 10000]");
       }},
      {"array", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, array_fields(c.array, r)); }},
      {"pe", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, pe_fields(c.pe, r)); }},
      {"memory", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, memory_fields(c.memory, r)); }},
      {"buffers", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, buffers_fields(c.buffers, r)); }},
      {"low_rank", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, low_rank_fields(c.low_rank, r)); }},
  };
}

// Reads `yaml_text` into `config`: keys the file leaves out keep their value in `config`.
void read_config(const std::string& yaml_text, const YamlReader& reader, AccelConfig& config) {
  const Fields fields = top_fields(config, reader);
  const YAML::Node doc = reader.load_document(yaml_text, kConfigFile, field_names(fields));
  reader.fields(doc, "", fields);
  DramConfig& dram = config.memory.dram;
  dram.preset = dram.is_simple() ? DramTiming{} : find_dram_preset(dram.name);
}

// configs/default.yaml as compiled in, which must set every key: it is the only copy
// of the defaults (a default-constructed AccelConfig holds zeros).
const AccelConfig& built_in_default() {
  static const AccelConfig config = [] {
    const EmbeddedFile& file = embedded_default_config();
    AccelConfig c;
    read_config(file.text, YamlReader(file.path + " (built in)", YamlReader::Keys::Required), c);
    return c;
  }();
  return config;
}

}  // namespace

AccelConfig parse_accel_config(const std::string& yaml_text, const std::string& filename) {
  AccelConfig config = built_in_default();  // keys the file leaves out keep these defaults
  read_config(yaml_text, YamlReader(filename), config);
  return config;
}

AccelConfig load_accel_config(const std::string& path) { return parse_accel_config(read_file(path), path); }

const std::string& default_accel_config_yaml() { return embedded_default_config().text; }

AccelConfig default_accel_config() { return built_in_default(); }

}  // namespace itera
