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

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

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
  // The address mapping (dram_address_fields.h) gives each of channel, bank group, bank,
  // column and row a whole number of address bits.
  const char* const bit_field = "the address mapping gives each of channels, bank groups, banks per group, "
                                "rows and columns (bursts per row) a field of address bits";
  if (!is_power_of_two(t.channels))
    r.fail(line["channels"], fmt::format("channels = {} is not a power of two: {}", t.channels, bit_field));
  if (t.banks % t.bank_groups != 0)
    r.fail(line["bank_groups"], fmt::format("bank_groups = {} does not divide banks = {}: the banks are split "
                                            "evenly among the bank groups",
                                            t.bank_groups, t.banks));
  if (!is_power_of_two(t.bank_groups))
    r.fail(line["bank_groups"], fmt::format("bank_groups = {} is not a power of two: {}", t.bank_groups, bit_field));
  if (!is_power_of_two(t.banks / t.bank_groups))
    r.fail(line["banks"], fmt::format("banks = {} with bank_groups = {} is {} banks per group, not a power of two: {}",
                                      t.banks, t.bank_groups, t.banks / t.bank_groups, bit_field));
  if (!is_power_of_two(t.rows))
    r.fail(line["rows"], fmt::format("rows = {} is not a power of two: {}", t.rows, bit_field));
  if (!is_power_of_two(t.row_bytes / burst_bytes))
    r.fail(line["row_bytes"], fmt::format("row_bytes = {} is {} bursts of {} bytes, not a power of two: {}",
                                          t.row_bytes, t.row_bytes / burst_bytes, burst_bytes, bit_field));
  const double ddr_tck = 2000.0 / t.data_rate_mts;
  if (std::abs(t.tck_ns - ddr_tck) > 1e-9 * ddr_tck)
    r.fail(line["tck_ns"], fmt::format("tck_ns = {} does not match data_rate_mts = {}: data moves on both clock "
                                       "edges, so tck_ns = 2000 / data_rate_mts = {}",
                                       t.tck_ns, t.data_rate_mts, ddr_tck));
  // Each _L (same bank group) constraint is at least its _S (other bank group) one; a
  // device without bank groups has only the one group, so both must be the same.
  const struct {
    const char* s_key;
    const char* l_key;
    int s, l;
    const char* what;
  } pairs[] = {{"tCCD_S", "tCCD_L", t.tCCD_S, t.tCCD_L, "column command to column command"},
               {"tRRD_S", "tRRD_L", t.tRRD_S, t.tRRD_L, "activate to activate"},
               {"tWTR_S", "tWTR_L", t.tWTR_S, t.tWTR_L, "end of write data to read"}};
  for (const auto& p : pairs) {
    if (p.l < p.s)
      r.fail(line[p.l_key], fmt::format("{} = {} is less than {} = {}: {} in the same bank group takes at least as "
                                        "long as in another",
                                        p.l_key, p.l, p.s_key, p.s, p.what));
    if (t.bank_groups == 1 && p.s != p.l)
      r.fail(line[p.s_key], fmt::format("{} = {} differs from {} = {}, but bank_groups = 1 (line {}): a device "
                                        "without bank groups has one timing for {}; give both the same value",
                                        p.s_key, p.s, p.l_key, p.l, line["bank_groups"], p.what));
  }
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
      {"bank_groups", integer(t.bank_groups, 1, 64)},
      {"banks", integer(t.banks, 1, 1024)},
      {"rows", integer(t.rows, 1, 1 << 24)},
      {"row_bytes", integer(t.row_bytes, 1, 1048576)},
      {"burst_length", integer(t.burst_length, 2, 1024)},
      {"tCL", integer(t.tCL, 1, 10000)},
      {"tCWL", integer(t.tCWL, 1, 10000)},
      {"tRCD", integer(t.tRCD, 1, 10000)},
      {"tRP", integer(t.tRP, 1, 10000)},
      {"tRAS", integer(t.tRAS, 1, 10000)},
      {"tCCD_S", integer(t.tCCD_S, 1, 10000)},
      {"tCCD_L", integer(t.tCCD_L, 1, 10000)},
      {"tRRD_S", integer(t.tRRD_S, 1, 10000)},
      {"tRRD_L", integer(t.tRRD_L, 1, 10000)},
      {"tFAW", integer(t.tFAW, 1, 10000)},
      {"tWTR_S", integer(t.tWTR_S, 1, 10000)},
      {"tWTR_L", integer(t.tWTR_L, 1, 10000)},
      {"tWR", integer(t.tWR, 1, 10000)},
      {"tRTP", integer(t.tRTP, 1, 10000)},
      {"tRTRS", integer(t.tRTRS, 0, 10000)},
      {"tRPRE", integer(t.tRPRE, 0, 10000)},
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
