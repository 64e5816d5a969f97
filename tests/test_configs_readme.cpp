// configs/README.md against the data it documents: the key table's default column
// against configs/default.yaml (every leaf key documented, every documented default the
// file's value), and the DRAM preset tables against the files in configs/dram/.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dram_preset_files.h"
#include "file_io.h"
#include "yaml_reader.h"

namespace itera {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = ITERA_SOURCE_DIR;

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + sep.size();
  }
}

// The `...` spans of a cell, in order.
std::vector<std::string> code_spans(const std::string& cell) {
  std::vector<std::string> out;
  for (size_t a = cell.find('`'); a != std::string::npos; a = cell.find('`', a + 1)) {
    const size_t b = cell.find('`', a + 1);
    if (b == std::string::npos) break;
    out.push_back(cell.substr(a + 1, b - a - 1));
    a = b;
  }
  return out;
}

// The rows of the markdown table whose header line is `header`, each as trimmed cells.
std::vector<std::vector<std::string>> table(const std::string& markdown, const std::string& header) {
  std::istringstream in(markdown);
  std::string line;
  while (std::getline(in, line) && line != header) {
  }
  EXPECT_EQ(line, header) << "table not found in configs/README.md";
  std::getline(in, line);  // |---|---|
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line) && !line.empty() && line[0] == '|') {
    std::vector<std::string> cells = split(line.substr(1, line.size() - 2), "|");
    for (std::string& c : cells) c = trim(c);
    rows.push_back(cells);
  }
  return rows;
}

std::string readme() { return read_file(kSourceDir + "/configs/README.md"); }

// Every leaf of a YAML mapping tree: dotted path -> scalar.
void leaves(const YAML::Node& node, const std::string& path, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) leaves(entry.second, join_path(path, entry.first.Scalar()), out);
  } else {
    out[path] = node.Scalar();
  }
}

// The dotted paths a README key pattern names: `{a,b}` is each of a and b, `*` every key
// of the default config at that level.
void expand(const YAML::Node& node, const std::vector<std::string>& parts, size_t i, const std::string& path,
            std::vector<std::string>& out) {
  if (i == parts.size()) {
    out.push_back(path);
    return;
  }
  if (!node.IsMap()) {
    ADD_FAILURE() << "'" << path << "' has no keys under it";
    return;
  }
  std::vector<std::string> names;
  const std::string& part = parts[i];
  if (part == "*") {
    for (const auto& entry : node) names.push_back(entry.first.Scalar());
  } else if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
    names = split(part.substr(1, part.size() - 2), ",");
  } else {
    names = {part};
  }
  for (const std::string& name : names) {
    const YAML::Node child = node[name];
    if (!child.IsDefined()) {
      ADD_FAILURE() << "configs/README.md documents '" << join_path(path, name)
                    << "', which is not a key of configs/default.yaml";
      continue;
    }
    expand(child, parts, i + 1, join_path(path, name), out);
  }
}

bool same_value(const std::string& documented, const std::string& actual) {
  if (documented == actual) return true;
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double a = std::strtod(documented.c_str(), &end_a), b = std::strtod(actual.c_str(), &end_b);
  return !documented.empty() && !actual.empty() && *end_a == '\0' && *end_b == '\0' && a == b;
}

TEST(ConfigsReadme, KeyTableDefaultsAreTheValuesOfDefaultYaml) {
  const YAML::Node defaults = YAML::LoadFile(kSourceDir + "/configs/default.yaml");
  std::map<std::string, std::string> values;
  leaves(defaults, "", values);
  ASSERT_GT(values.size(), 10u);

  std::set<std::string> documented;
  const auto rows = table(readme(), "| key | type | allowed | default |");
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 4u);
    SCOPED_TRACE(row[0]);
    std::vector<std::string> keys;
    for (const std::string& pattern : code_spans(row[0])) expand(defaults, split(pattern, "."), 0, "", keys);
    ASSERT_FALSE(keys.empty());
    // "8, 8, 16 (why)": one value per key, in order, or one for all; backticks and a
    // closing remark in parentheses are not part of the values.
    std::string cell = row[3];
    if (const size_t remark = cell.find(" ("); remark != std::string::npos) cell.resize(remark);
    cell.erase(std::remove(cell.begin(), cell.end(), '`'), cell.end());
    std::vector<std::string> given = split(cell, ", ");
    if (given.size() == 1) given.resize(keys.size(), given[0]);
    ASSERT_EQ(given.size(), keys.size()) << "one default per key, or one for all";
    for (size_t i = 0; i < keys.size(); ++i) {
      EXPECT_TRUE(documented.insert(keys[i]).second) << keys[i] << " is documented twice";
      EXPECT_TRUE(same_value(given[i], values.at(keys[i])))
          << keys[i] << ": configs/README.md says " << given[i] << ", configs/default.yaml " << values.at(keys[i]);
    }
  }
  for (const auto& [key, value] : values) EXPECT_TRUE(documented.count(key)) << key << " is not in configs/README.md";
}

// The table documents the shipped presets; every row must match its file. A preset
// added as one file need not be in the table (adding a preset is one file).
TEST(ConfigsReadme, PresetTableRowsMatchTheirFiles) {
  std::set<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(fs::path(kSourceDir) / "configs" / "dram"))
    if (e.path().extension() == ".yaml") files.insert(e.path().stem().string());

  const auto rows =
      table(readme(), "| preset | organisation | MT/s | peak GB/s | tCL-tRCD-tRP-tRAS (tCK) | source |");
  std::set<std::string> listed;
  std::string order;  // the table's names, in its order
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 6u);
    const std::vector<std::string> name = code_spans(row[0]);
    ASSERT_EQ(name.size(), 1u) << row[0];
    SCOPED_TRACE(name[0]);
    EXPECT_TRUE(listed.insert(name[0]).second) << "listed twice";
    order += (order.empty() ? "" : ", ") + name[0];
    ASSERT_TRUE(files.count(name[0])) << "no file configs/dram/" << name[0] << ".yaml";
    const DramTiming& t = find_dram_preset(name[0]);
    EXPECT_EQ(row[2], std::to_string(t.data_rate_mts));
    EXPECT_NEAR(std::stod(row[3]), t.peak_gbps(), 1e-9) << row[3];
    EXPECT_EQ(row[4], fmt::format("{}-{}-{}-{}", t.tCL, t.tRCD, t.tRP, t.tRAS));
    for (const std::string& cited : code_spans(row[5]))
      EXPECT_NE(t.source.find(cited), std::string::npos) << "'" << cited << "' is not in the source: " << t.source;
  }
  for (const char* shipped : {"ddr4-2400", "ddr4-3200", "lpddr4-3200", "hbm2"})
    EXPECT_TRUE(listed.count(shipped)) << shipped << " is not in the table";
  // Rows in listing order.
  std::string listing_order;
  for (const DramTiming& t : dram_presets())
    if (listed.count(t.name)) listing_order += (listing_order.empty() ? "" : ", ") + t.name;
  EXPECT_EQ(order, listing_order);
}

// The second preset table: the bank-group organisation and the rest of the timing.
TEST(ConfigsReadme, PresetTimingTableRowsMatchTheirFiles) {
  const auto rows = table(readme(),
                          "| preset | bank groups x banks per group | rows | tCWL | tCCD_S-tCCD_L | tRRD_S-tRRD_L "
                          "| tFAW | tWTR_S-tWTR_L | tWR | tRTP | tRTRS | tRPRE |");
  std::set<std::string> listed;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 12u);
    const std::vector<std::string> name = code_spans(row[0]);
    ASSERT_EQ(name.size(), 1u) << row[0];
    SCOPED_TRACE(name[0]);
    EXPECT_TRUE(listed.insert(name[0]).second) << "listed twice";
    const DramTiming& t = find_dram_preset(name[0]);
    EXPECT_EQ(row[1], fmt::format("{} x {}", t.bank_groups, t.banks / t.bank_groups));
    EXPECT_EQ(row[2], std::to_string(t.rows));
    EXPECT_EQ(row[3], std::to_string(t.tCWL));
    EXPECT_EQ(row[4], fmt::format("{}-{}", t.tCCD_S, t.tCCD_L));
    EXPECT_EQ(row[5], fmt::format("{}-{}", t.tRRD_S, t.tRRD_L));
    EXPECT_EQ(row[6], std::to_string(t.tFAW));
    EXPECT_EQ(row[7], fmt::format("{}-{}", t.tWTR_S, t.tWTR_L));
    EXPECT_EQ(row[8], std::to_string(t.tWR));
    EXPECT_EQ(row[9], std::to_string(t.tRTP));
    EXPECT_EQ(row[10], std::to_string(t.tRTRS));
    EXPECT_EQ(row[11], std::to_string(t.tRPRE));
  }
  for (const char* shipped : {"ddr4-2400", "ddr4-3200", "lpddr4-3200", "hbm2"})
    EXPECT_TRUE(listed.count(shipped)) << shipped << " is not in the table";
}

// n = 2^k: k; anything else: -1.
int exact_log2(int n) {
  int k = 0;
  while (n > 1 && n % 2 == 0) {
    n /= 2;
    ++k;
  }
  return n == 1 ? k : -1;
}

// The address-mapping field widths of each preset, as the README lists them.
TEST(ConfigsReadme, AddressFieldWidthsAreThePresetsCounts) {
  const std::string header = "| field | width (bits) | ddr4-2400 | ddr4-3200 | lpddr4-3200 | hbm2 |";
  const std::vector<std::string> presets = split(header.substr(2, header.size() - 4), " | ");
  const auto rows = table(readme(), header);
  std::set<std::string> fields;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), presets.size());
    const std::vector<std::string> field = code_spans(row[0]);
    ASSERT_EQ(field.size(), 1u) << row[0];
    SCOPED_TRACE(field[0]);
    EXPECT_TRUE(fields.insert(field[0]).second) << "listed twice";
    for (size_t i = 2; i < presets.size(); ++i) {
      const DramTiming& t = find_dram_preset(presets[i]);
      const int bursts_per_row = t.row_bytes / (t.bus_bits / 8 * t.burst_length);
      const std::map<std::string, int> width = {{"ch", exact_log2(t.channels)},
                                                {"ra", 0},
                                                {"bg", exact_log2(t.bank_groups)},
                                                {"ba", exact_log2(t.banks / t.bank_groups)},
                                                {"co", exact_log2(bursts_per_row)},
                                                {"ro", exact_log2(t.rows)}};
      ASSERT_TRUE(width.count(field[0])) << "not a field of the address mapping";
      EXPECT_EQ(row[i], std::to_string(width.at(field[0]))) << presets[i];
    }
  }
  EXPECT_EQ(fields, (std::set<std::string>{"ro", "ch", "ra", "bg", "ba", "co"}));
}

TEST(ConfigsReadme, PresetKeyTableNamesEveryKeyOfAPresetFile) {
  std::set<std::string> documented;
  for (const auto& row : table(readme(), "| key | type | meaning |"))
    for (const std::string& key : code_spans(row.at(0))) documented.insert(key);
  for (const EmbeddedFile& f : embedded_dram_preset_files()) {
    std::set<std::string> keys;
    for (const auto& entry : YAML::Load(f.text)) keys.insert(entry.first.Scalar());
    EXPECT_EQ(documented, keys) << f.path;
  }
}

}  // namespace
}  // namespace itera
