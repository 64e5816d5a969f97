// The DRAM preset files (configs/dram/*.yaml, sim/dram_preset_files.h): the compiled-in
// files are exactly the folder's, each holds the cited numbers, a new file is a new
// preset with nothing else to change, and bad files fail with the file, line and key.
#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "dram_preset_files.h"
#include "embedded_configs.h"
#include "error.h"
#include "file_io.h"

namespace itera {
namespace {

namespace fs = std::filesystem;

::testing::AssertionResult has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not in: " << text;
}

// configs/dram/*.yaml of the source tree, by file name: (path relative to the tree, text).
std::vector<std::pair<std::string, std::string>> source_preset_files() {
  const fs::path root(ITERA_SOURCE_DIR);
  std::vector<std::pair<std::string, std::string>> files;
  for (const fs::directory_entry& e : fs::directory_iterator(root / "configs" / "dram"))
    if (e.is_regular_file() && e.path().extension() == ".yaml")
      files.emplace_back("configs/dram/" + e.path().filename().string(), read_file(e.path().string()));
  std::sort(files.begin(), files.end());
  return files;
}

// ---- the files compiled in ----

TEST(DramPresetFiles, CompiledInFilesAreExactlyTheFolderByteForByte) {
  const auto source = source_preset_files();
  const std::vector<EmbeddedFile>& embedded = embedded_dram_preset_files();
  ASSERT_EQ(embedded.size(), source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    EXPECT_EQ(embedded[i].path, source[i].first);
    EXPECT_EQ(embedded[i].text, source[i].second) << source[i].first;
  }
}

TEST(DramPresetFiles, EveryFileIsAPresetNamedAfterIt) {
  const auto source = source_preset_files();
  ASSERT_EQ(dram_presets().size(), source.size());
  for (const auto& [path, text] : source) {
    const std::string name = fs::path(path).stem().string();
    EXPECT_EQ(find_dram_preset(name).name, name);
    EXPECT_EQ(parse_dram_preset(text, path).timing.name, name);
  }
}

TEST(DramPresetFiles, ListedInTheFilesOrder) {
  std::vector<std::pair<int, std::string>> by_order;
  for (const EmbeddedFile& f : embedded_dram_preset_files()) {
    const DramPresetFile p = parse_dram_preset(f.text, f.path);
    by_order.emplace_back(p.order, p.timing.name);
  }
  std::sort(by_order.begin(), by_order.end());
  ASSERT_EQ(by_order.size(), dram_presets().size());
  for (size_t i = 0; i < by_order.size(); ++i) EXPECT_EQ(dram_presets()[i].name, by_order[i].second);
}

// The numbers the presets had as compiled C++, written out: the files must hold exactly these.
struct Expected {
  const char* name;
  int channels, bus_bits, data_rate_mts;
  double tck_ns;
  int banks, row_bytes, burst_length, tCL, tRCD, tRP, tRAS, tREFI, tRFC;
  const char* source;
};

TEST(DramPresetFiles, NumbersAreTheCitedOnes) {
  const Expected expected[] = {
      {"ddr4-2400", 1, 64, 2400, 2000.0 / 2400, 16, 8192, 8, 16, 16, 16, 39, 9364, 420,
       "DRAMsim3 (umd-memsys/DRAMsim3) configs/DDR4_8Gb_x8_2400.ini (Micron MT40A1G8PM-083E)"},
      {"ddr4-3200", 1, 64, 3200, 2000.0 / 3200, 16, 8192, 8, 22, 22, 22, 52, 12480, 560,
       "DRAMsim3 (umd-memsys/DRAMsim3) configs/DDR4_8Gb_x8_3200.ini"},
      {"lpddr4-3200", 2, 16, 3200, 0.625, 8, 2048, 16, 32, 29, 27, 68, 6247, 288,
       "Ramulator (CMU-SAFARI/ramulator) src/LPDDR4.h speed_table LPDDR4_3200 and src/LPDDR4.cpp "
       "(LPDDR4_8Gb_x16, Refresh_1X)"},
      {"hbm2", 8, 128, 2000, 1.0, 16, 1024, 4, 14, 14, 14, 34, 3900, 260,
       "DRAMsim3 (umd-memsys/DRAMsim3) configs/HBM2_8Gb_x128.ini (tRCD = tRCDRD)"},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.name);
    const DramTiming& t = find_dram_preset(e.name);
    EXPECT_EQ(t.channels, e.channels);
    EXPECT_EQ(t.bus_bits, e.bus_bits);
    EXPECT_EQ(t.data_rate_mts, e.data_rate_mts);
    EXPECT_EQ(t.tck_ns, e.tck_ns);  // bit for bit: the simulated timing depends on it
    EXPECT_EQ(t.banks, e.banks);
    EXPECT_EQ(t.row_bytes, e.row_bytes);
    EXPECT_EQ(t.burst_length, e.burst_length);
    EXPECT_EQ(t.tCL, e.tCL);
    EXPECT_EQ(t.tRCD, e.tRCD);
    EXPECT_EQ(t.tRP, e.tRP);
    EXPECT_EQ(t.tRAS, e.tRAS);
    EXPECT_EQ(t.tREFI, e.tREFI);
    EXPECT_EQ(t.tRFC, e.tRFC);
    EXPECT_EQ(t.source, e.source);
  }
}

// ---- adding a preset ----

// A preset file for `name` (a DDR5-like device: 4800 MT/s, 32 banks, BL16), one key per line so that
// line numbers are known: line 1 is `name`, line 2 `order`, and so on.
std::vector<std::string> preset_lines(const std::string& name, int order) {
  return {"name: " + name,
          "order: " + std::to_string(order),
          "channels: 1",
          "bus_bits: 64",
          "data_rate_mts: 4800",
          "tck_ns: 0.4166666666666667",
          "banks: 32",
          "row_bytes: 8192",
          "burst_length: 16",
          "tCL: 40",
          "tRCD: 39",
          "tRP: 39",
          "tRAS: 77",
          "tREFI: 9360",
          "tRFC: 708",
          "source: \"a test\""};
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// Adding a preset is one file: the built-in files plus a new one make a set with the new
// preset, found by name, listed by its order, with its numbers.
TEST(DramPresetFiles, ANewFileIsANewPreset) {
  const std::string name = "itera-test-preset";  // no such file in configs/dram/
  ASSERT_EQ(builtin_dram_presets().find(name), nullptr);
  int last = 0;
  for (const EmbeddedFile& f : embedded_dram_preset_files())
    last = std::max(last, parse_dram_preset(f.text, f.path).order);
  std::vector<EmbeddedFile> files = embedded_dram_preset_files();
  files.push_back({"configs/dram/" + name + ".yaml", join_lines(preset_lines(name, last + 1))});
  const DramPresets presets(files);
  ASSERT_EQ(presets.all().size(), dram_presets().size() + 1);
  EXPECT_EQ(presets.names(), dram_preset_names() + ", " + name);
  const DramTiming& t = presets.get(name);
  EXPECT_EQ(t.data_rate_mts, 4800);
  EXPECT_EQ(t.banks, 32);
  EXPECT_NEAR(t.peak_gbps(), 38.4, 1e-12);
  EXPECT_EQ(t.source, "a test");

  // Its order decides its place: with the built-in presets one place later, order 1 is first.
  std::vector<EmbeddedFile> renumbered;
  for (const EmbeddedFile& f : embedded_dram_preset_files()) {
    const int order = parse_dram_preset(f.text, f.path).order;
    const std::string from = "order: " + std::to_string(order);
    std::string text = f.text;
    text.replace(text.find(from), from.size(), "order: " + std::to_string(order + 1));
    renumbered.push_back({f.path, text});
  }
  renumbered.push_back({"configs/dram/" + name + ".yaml", join_lines(preset_lines(name, 1))});
  EXPECT_EQ(DramPresets(renumbered).names(), name + ", " + dram_preset_names());
}

TEST(DramPresetFiles, UnknownNameListsTheKnownOnes) {
  try {
    builtin_dram_presets().get("ddr5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown DRAM preset 'ddr5'; known presets: " + dram_preset_names());
  }
  EXPECT_EQ(builtin_dram_presets().find("ddr5"), nullptr);
}

// ---- errors ----

// The message of the itera::Error parsing `lines` as dir/ddr5-4800.yaml throws.
std::string preset_error(const std::vector<std::string>& lines) {
  try {
    parse_dram_preset(join_lines(lines), "dir/ddr5-4800.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << join_lines(lines);
  return "";
}

// `lines` with line `n` (1-based) replaced.
std::vector<std::string> with(std::vector<std::string> lines, size_t n, const std::string& line) {
  lines.at(n - 1) = line;
  return lines;
}

TEST(DramPresetFileErrors, TheTestFileIsValid) {
  const DramPresetFile p = parse_dram_preset(join_lines(preset_lines("ddr5-4800", 7)), "dir/ddr5-4800.yaml");
  EXPECT_EQ(p.order, 7);
  EXPECT_EQ(p.timing.name, "ddr5-4800");
  EXPECT_EQ(p.timing.tRFC, 708);
}

TEST(DramPresetFileErrors, UnknownKey) {
  std::vector<std::string> lines = preset_lines("ddr5-4800", 5);
  lines.push_back("tWR: 10");
  EXPECT_EQ(preset_error(lines),
            "dir/ddr5-4800.yaml:17: unknown key 'tWR'; allowed keys at the top level: name, order, channels, "
            "bus_bits, data_rate_mts, tck_ns, banks, row_bytes, burst_length, tCL, tRCD, tRP, tRAS, tREFI, tRFC, "
            "source");
}

TEST(DramPresetFileErrors, MissingKey) {
  std::vector<std::string> lines = preset_lines("ddr5-4800", 5);
  lines.erase(lines.begin() + 12);  // tRAS
  const std::string m = preset_error(lines);
  EXPECT_TRUE(has(m, "dir/ddr5-4800.yaml:1: missing key 'tRAS' at the top level; every key must be given: name, "));
}

TEST(DramPresetFileErrors, DuplicateKey) {
  std::vector<std::string> lines = preset_lines("ddr5-4800", 5);
  lines.push_back("tCL: 41");
  EXPECT_EQ(preset_error(lines), "dir/ddr5-4800.yaml:17: duplicate key 'tCL' (first given on line 10)");
}

TEST(DramPresetFileErrors, WrongTypes) {
  const auto lines = preset_lines("ddr5-4800", 5);
  EXPECT_EQ(preset_error(with(lines, 10, "tCL: fast")),
            "dir/ddr5-4800.yaml:10: tCL must be an integer in 1..10000; got 'fast'");
  EXPECT_EQ(preset_error(with(lines, 3, "channels: \"1\"")),
            "dir/ddr5-4800.yaml:3: channels must be an integer in 1..1024; got the quoted string '1'");
  EXPECT_EQ(preset_error(with(lines, 6, "tck_ns: [1]")),
            "dir/ddr5-4800.yaml:6: tck_ns must be a number, allowed: > 0; got a sequence");
  EXPECT_EQ(preset_error(with(lines, 16, "source:")),
            "dir/ddr5-4800.yaml:16: source must be a non-empty string; got nothing");
}

TEST(DramPresetFileErrors, OutOfRange) {
  const auto lines = preset_lines("ddr5-4800", 5);
  EXPECT_EQ(preset_error(with(lines, 3, "channels: 0")),
            "dir/ddr5-4800.yaml:3: channels = 0 is out of range; allowed: 1..1024");
  EXPECT_EQ(preset_error(with(lines, 2, "order: 1001")),
            "dir/ddr5-4800.yaml:2: order = 1001 is out of range; allowed: 1..1000");
  EXPECT_EQ(preset_error(with(lines, 6, "tck_ns: 0")),
            "dir/ddr5-4800.yaml:6: tck_ns = 0 is out of range; allowed: > 0");
  EXPECT_TRUE(has(preset_error(with(lines, 4, "bus_bits: 12")), "dir/ddr5-4800.yaml:4: bus_bits = 12 is not a whole"));
  EXPECT_TRUE(has(preset_error(with(lines, 9, "burst_length: 7")), "dir/ddr5-4800.yaml:9: burst_length = 7 is odd"));
  EXPECT_TRUE(
      has(preset_error(with(lines, 8, "row_bytes: 8200")), "dir/ddr5-4800.yaml:8: row_bytes = 8200 is not a whole"));
  EXPECT_TRUE(has(preset_error(with(lines, 14, "tREFI: 708")), "dir/ddr5-4800.yaml:14: tREFI = 708 must be longer"));
}

TEST(DramPresetFileErrors, ClockMustMatchTheDataRate) {
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), 6, "tck_ns: 0.417"));
  EXPECT_TRUE(has(m, "dir/ddr5-4800.yaml:6: tck_ns = 0.417 does not match data_rate_mts = 4800"));
  EXPECT_TRUE(has(m, "2000 / data_rate_mts"));
}

TEST(DramPresetFileErrors, NameMustBeTheFileName) {
  EXPECT_EQ(preset_error(preset_lines("ddr5", 5)),
            "dir/ddr5-4800.yaml:1: name = 'ddr5' must be the file's name without .yaml ('ddr5-4800')");
  try {
    parse_dram_preset(join_lines(preset_lines("simple", 5)), "simple.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), "simple.yaml:1: name = 'simple' is taken"));
  }
}

TEST(DramPresetFileErrors, NotOneMapping) {
  EXPECT_TRUE(has(preset_error({"# nothing"}), "dir/ddr5-4800.yaml: the file has no settings; expected a mapping "
                                               "with keys name, order, channels"));
  EXPECT_TRUE(has(preset_error({"- a", "- b"}), "dir/ddr5-4800.yaml:1: the top level must be a mapping"));
  std::vector<std::string> two = preset_lines("ddr5-4800", 5);
  two.push_back("---");
  two.push_back("name: x");
  EXPECT_EQ(preset_error(two),
            "dir/ddr5-4800.yaml:18: more than one YAML document; a DRAM preset file holds one mapping");
  EXPECT_TRUE(has(preset_error({"name: [a", "order: 1"}), "YAML syntax error"));
}

TEST(DramPresetFileErrors, TwoFilesWithOneOrderOrName) {
  const std::vector<EmbeddedFile> same_order = {{"a/ddr5-4800.yaml", join_lines(preset_lines("ddr5-4800", 3))},
                                                {"a/ddr5-5600.yaml", join_lines(preset_lines("ddr5-5600", 3))}};
  try {
    DramPresets p(same_order);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "a/ddr5-5600.yaml: order = 3 is also the order of a/ddr5-4800.yaml; each preset needs its own place");
  }
  const std::vector<EmbeddedFile> same_name = {{"a/ddr5-4800.yaml", join_lines(preset_lines("ddr5-4800", 3))},
                                               {"b/ddr5-4800.yaml", join_lines(preset_lines("ddr5-4800", 4))}};
  try {
    DramPresets p(same_name);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "b/ddr5-4800.yaml: DRAM preset 'ddr5-4800' is also defined by a/ddr5-4800.yaml");
  }
}

}  // namespace
}  // namespace itera
