#include "dram_preset_files.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "error.h"
#include "text.h"
#include "yaml_reader.h"

namespace itera {

namespace {

const DocumentKind kPresetFile{"a DRAM preset file", "the file has no settings"};


// Checks across the fields of a preset read from `path`; each names the key it reports
// (`line`: the line of each key).
void check_preset(const DramTiming& t, const std::string& path, const YamlReader& r,
                  std::map<std::string, int>& line) {
  if (t.name != yaml_file_stem(path))
    r.fail(line["name"], fmt::format("name = '{}' must be the file's name without .yaml ('{}')", t.name, yaml_file_stem(path)));
  if (t.name == "simple") r.fail(line["name"], "name = 'simple' is taken: memory.dram: simple is the simple memory");
  if (t.bus_bits % 8 != 0)
    r.fail(line["bus_bits"], fmt::format("bus_bits = {} is not a whole number of bytes (a multiple of 8)", t.bus_bits));
  if (t.burst_length % 2 != 0)
    r.fail(line["burst_length"],
           fmt::format("burst_length = {} is odd; data moves on both clock edges, two transfers a cycle",
                       t.burst_length));
  const int burst_bytes = t.bus_bits / 8 * t.burst_length;
  if (t.row_bytes % burst_bytes != 0)
    r.fail(line["row_bytes"], fmt::format("row_bytes = {} is not a whole number of bursts of {} bytes "
                                          "(bus_bits / 8 x burst_length)",
                                          t.row_bytes, burst_bytes));
  const double ddr_tck = 2000.0 / t.data_rate_mts;
  if (std::abs(t.tck_ns - ddr_tck) > 1e-9 * ddr_tck)
    r.fail(line["tck_ns"], fmt::format("tck_ns = {} does not match data_rate_mts = {}: data moves on both clock "
                                       "edges, so tck_ns = 2000 / data_rate_mts = {}",
                                       t.tck_ns, t.data_rate_mts, ddr_tck));
  if (t.tREFI <= t.tRFC)
    r.fail(line["tREFI"], fmt::format("tREFI = {} must be longer than one refresh (tRFC = {})", t.tREFI, t.tRFC));
}

}  // namespace

DramPresetFile parse_dram_preset(const std::string& text, const std::string& path) {
  const YamlReader r(path, YamlReader::Keys::Required);
  DramPresetFile file;
  DramTiming& t = file.timing;
  std::map<std::string, int> line;  // line of each key, for the checks across fields
  const auto integer = [&](int& out, int lo, int hi) {
    return [&out, &r, &line, lo, hi](auto& k, auto& v, auto& p) {
      line[p] = line_of(k);
      out = r.integer(k, v, p, lo, hi);
    };
  };
  const Fields fields = {
      {"name",
       [&](auto& k, auto& v, auto& p) {
         line[p] = line_of(k);
         t.name = r.text(k, v, p);
       }},
      {"order", integer(file.order, 1, 1000)},
      {"channels", integer(t.channels, 1, 1024)},
      {"bus_bits", integer(t.bus_bits, 8, 4096)},
      {"data_rate_mts", integer(t.data_rate_mts, 1, 100000)},
      {"tck_ns",
       [&](auto& k, auto& v, auto& p) {
         line[p] = line_of(k);
         t.tck_ns = r.number(k, v, p, [](double x) { return x > 0; }, "> 0");
       }},
      {"banks", integer(t.banks, 1, 1024)},
      {"row_bytes", integer(t.row_bytes, 1, 1048576)},
      {"burst_length", integer(t.burst_length, 2, 1024)},
      {"tCL", integer(t.tCL, 1, 10000)},
      {"tRCD", integer(t.tRCD, 1, 10000)},
      {"tRP", integer(t.tRP, 1, 10000)},
      {"tRAS", integer(t.tRAS, 1, 10000)},
      {"tREFI", integer(t.tREFI, 1, 10000000)},
      {"tRFC", integer(t.tRFC, 1, 1000000)},
      {"source",
       [&](auto& k, auto& v, auto& p) {
         line[p] = line_of(k);
         t.source = r.text(k, v, p);
       }},
  };
  const YAML::Node doc = r.load_document(text, kPresetFile, field_names(fields));
  r.fields(doc, "", fields);

  check_preset(t, path, r, line);
  return file;
}

DramPresets::DramPresets(const std::vector<EmbeddedFile>& files) {
  struct Read {
    DramPresetFile preset;
    std::string path;
  };
  std::vector<Read> read;
  for (const EmbeddedFile& f : files) {
    Read next{parse_dram_preset(f.text, f.path), f.path};
    for (const Read& other : read) {
      if (other.preset.timing.name == next.preset.timing.name)
        throw Error(fmt::format("{}: DRAM preset '{}' is also defined by {}", f.path, next.preset.timing.name,
                                other.path));
      if (other.preset.order == next.preset.order)
        throw Error(fmt::format("{}: order = {} is also the order of {}; each preset needs its own place", f.path,
                                next.preset.order, other.path));
    }
    read.push_back(std::move(next));
  }
  std::sort(read.begin(), read.end(), [](const Read& a, const Read& b) { return a.preset.order < b.preset.order; });
  for (Read& r : read) presets_.push_back(std::move(r.preset.timing));
}

const DramTiming* DramPresets::find(const std::string& name) const {
  for (const DramTiming& t : presets_)
    if (t.name == name) return &t;
  return nullptr;
}

const DramTiming& DramPresets::get(const std::string& name) const {
  if (const DramTiming* t = find(name)) return *t;
  throw Error(fmt::format("unknown DRAM preset '{}'; known presets: {}", name, names()));
}

std::string DramPresets::names() const {
  std::string out;
  for (const DramTiming& t : presets_) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

const DramPresets& builtin_dram_presets() {
  static const DramPresets presets(embedded_dram_preset_files());
  return presets;
}

const std::vector<DramTiming>& dram_presets() { return builtin_dram_presets().all(); }
const DramTiming& find_dram_preset(const std::string& name) { return builtin_dram_presets().get(name); }
std::string dram_preset_names() { return builtin_dram_presets().names(); }

}  // namespace itera
