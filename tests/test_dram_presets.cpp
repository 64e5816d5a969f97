// The DRAM preset files (configs/dram/*.yaml, sim/dram_preset_files.h): the compiled-in
// files are exactly the folder's, each holds the cited numbers, a new file is a new
// preset with nothing else to change, and bad files fail with the file, line and key.
#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>
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

// The bank-group organisation and the timing beyond tCL-tRCD-tRP-tRAS, written out from the
// cited sources: DRAMsim3's configs/DDR4_8Gb_x8_3200.ini, DDR4_8Gb_x8_2400.ini (which gives no
// tRTP: JEDEC DDR4-2400's max(4 nCK, 7.5 ns) = 9) and HBM2_8Gb_x128.ini (tRCD = tRCDRD, tRTP =
// tRTP_L), and Ramulator's LPDDR4.h speed_table LPDDR4_3200 with LPDDR4_8Gb_x16 (no bank groups,
// so each _S value is its _L one; no read preamble there, 1 as DDR4).
struct ExpectedBankGroups {
  const char* name;
  int bank_groups, banks, rows, tCWL, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWTR_S, tWTR_L, tWR, tRTP, tRTRS, tRPRE;
};

TEST(DramPresetFiles, BankGroupTimingsAreTheCitedOnes) {
  const ExpectedBankGroups expected[] = {
      {"ddr4-3200", 4, 16, 65536, 16, 4, 8, 4, 8, 34, 4, 12, 24, 12, 1, 1},
      {"ddr4-2400", 4, 16, 65536, 16, 4, 6, 4, 6, 26, 3, 9, 19, 9, 2, 1},
      {"hbm2", 4, 16, 32768, 4, 1, 2, 4, 6, 30, 6, 8, 16, 6, 1, 1},
      {"lpddr4-3200", 1, 8, 32768, 18, 8, 8, 16, 16, 64, 16, 16, 28, 14, 2, 1},
  };
  for (const ExpectedBankGroups& e : expected) {
    SCOPED_TRACE(e.name);
    const DramTiming& t = find_dram_preset(e.name);
    EXPECT_EQ(t.bank_groups, e.bank_groups);
    EXPECT_EQ(t.banks, e.banks);
    EXPECT_EQ(t.rows, e.rows);
    EXPECT_EQ(t.tCWL, e.tCWL);
    EXPECT_EQ(t.tCCD_S, e.tCCD_S);
    EXPECT_EQ(t.tCCD_L, e.tCCD_L);
    EXPECT_EQ(t.tRRD_S, e.tRRD_S);
    EXPECT_EQ(t.tRRD_L, e.tRRD_L);
    EXPECT_EQ(t.tFAW, e.tFAW);
    EXPECT_EQ(t.tWTR_S, e.tWTR_S);
    EXPECT_EQ(t.tWTR_L, e.tWTR_L);
    EXPECT_EQ(t.tWR, e.tWR);
    EXPECT_EQ(t.tRTP, e.tRTP);
    EXPECT_EQ(t.tRTRS, e.tRTRS);
    EXPECT_EQ(t.tRPRE, e.tRPRE);
  }
}

// The row sizes follow from the sources' organisation: columns x device width x devices.
TEST(DramPresetFiles, RowBytesAreTheSourcesColumnsTimesTheBus) {
  EXPECT_EQ(find_dram_preset("ddr4-3200").row_bytes, 1024 * 8 / 8 * 8);  // 1024 columns, x8, 8 devices
  EXPECT_EQ(find_dram_preset("ddr4-2400").row_bytes, 1024 * 8 / 8 * 8);
  EXPECT_EQ(find_dram_preset("hbm2").row_bytes, 64 * 128 / 8);        // 64 columns of 128 bits
  EXPECT_EQ(find_dram_preset("lpddr4-3200").row_bytes, 1024 * 16 / 8);  // 1024 columns, x16
}

// ---- adding a preset ----

// A preset file for `name` (a DDR5-like device: 4800 MT/s, 8 bank groups x 4 banks, BL16), one
// key per line; key_line() gives a key's line.
std::vector<std::string> preset_lines(const std::string& name, int order) {
  return {"name: " + name,
          "order: " + std::to_string(order),
          "channels: 1",
          "bus_bits: 64",
          "data_rate_mts: 4800",
          "tck_ns: 0.4166666666666667",
          "bank_groups: 8",
          "banks: 32",
          "rows: 65536",
          "row_bytes: 8192",
          "burst_length: 16",
          "tCL: 40",
          "tCWL: 38",
          "tRCD: 39",
          "tRP: 39",
          "tRAS: 77",
          "tCCD_S: 8",
          "tCCD_L: 12",
          "tRRD_S: 8",
          "tRRD_L: 12",
          "tFAW: 32",
          "tWTR_S: 6",
          "tWTR_L: 24",
          "tWR: 72",
          "tRTP: 18",
          "tRTRS: 2",
          "tRPRE: 1",
          "tREFI: 9360",
          "tRFC: 708",
          "source: \"a test\""};
}

// The 1-based line of `key` in `lines`.
size_t key_line(const std::vector<std::string>& lines, const std::string& key) {
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind(key + ":", 0) == 0) return i + 1;
  ADD_FAILURE() << "no key " << key;
  return 0;
}

// The line of `key` in the test file.
size_t key_line(const std::string& key) { return key_line(preset_lines("ddr5-4800", 5), key); }

// "dir/ddr5-4800.yaml:LINE:" for the line of `key` in the test file.
std::string at(const std::string& key) { return "dir/ddr5-4800.yaml:" + std::to_string(key_line(key)) + ":"; }

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

// `lines` with the value of `key` replaced.
std::vector<std::string> with(std::vector<std::string> lines, const std::string& key, const std::string& value) {
  const size_t n = key_line(lines, key);
  if (n > 0) lines.at(n - 1) = key + ": " + value;
  return lines;
}

TEST(DramPresetFileErrors, TheTestFileIsValid) {
  const DramPresetFile p = parse_dram_preset(join_lines(preset_lines("ddr5-4800", 7)), "dir/ddr5-4800.yaml");
  EXPECT_EQ(p.order, 7);
  EXPECT_EQ(p.timing.name, "ddr5-4800");
  EXPECT_EQ(p.timing.bank_groups, 8);
  EXPECT_EQ(p.timing.rows, 65536);
  EXPECT_EQ(p.timing.tCWL, 38);
  EXPECT_EQ(p.timing.tCCD_L, 12);
  EXPECT_EQ(p.timing.tWTR_L, 24);
  EXPECT_EQ(p.timing.tRPRE, 1);
  EXPECT_EQ(p.timing.tRFC, 708);
}

TEST(DramPresetFileErrors, UnknownKey) {
  std::vector<std::string> lines = preset_lines("ddr5-4800", 5);
  lines.push_back("tXP: 10");
  EXPECT_EQ(preset_error(lines),
            "dir/ddr5-4800.yaml:" + std::to_string(lines.size()) +
                ": unknown key 'tXP'; allowed keys at the top level: name, order, channels, bus_bits, data_rate_mts, "
                "tck_ns, bank_groups, banks, rows, row_bytes, burst_length, tCL, tCWL, tRCD, tRP, tRAS, tCCD_S, "
                "tCCD_L, tRRD_S, tRRD_L, tFAW, tWTR_S, tWTR_L, tWR, tRTP, tRTRS, tRPRE, tREFI, tRFC, source");
}

TEST(DramPresetFileErrors, MissingKey) {
  for (const char* key : {"tRAS", "bank_groups", "rows", "tCWL", "tCCD_S", "tCCD_L", "tRRD_S", "tRRD_L", "tFAW",
                          "tWTR_S", "tWTR_L", "tWR", "tRTP", "tRTRS", "tRPRE"}) {
    SCOPED_TRACE(key);
    std::vector<std::string> lines = preset_lines("ddr5-4800", 5);
    lines.erase(lines.begin() + static_cast<long>(key_line(key)) - 1);
    const std::string m = preset_error(lines);
    EXPECT_TRUE(has(m, std::string("dir/ddr5-4800.yaml:1: missing key '") + key +
                           "' at the top level; every key must be given: name, "));
  }
}

TEST(DramPresetFileErrors, DuplicateKey) {
  std::vector<std::string> lines = preset_lines("ddr5-4800", 5);
  lines.push_back("tCL: 41");
  EXPECT_EQ(preset_error(lines), "dir/ddr5-4800.yaml:" + std::to_string(lines.size()) +
                                     ": duplicate key 'tCL' (first given on line " +
                                     std::to_string(key_line("tCL")) + ")");
}

TEST(DramPresetFileErrors, WrongTypes) {
  const auto lines = preset_lines("ddr5-4800", 5);
  EXPECT_EQ(preset_error(with(lines, "tCL", "fast")), at("tCL") + " tCL must be an integer in 1..10000; got 'fast'");
  EXPECT_EQ(preset_error(with(lines, "channels", "\"1\"")),
            at("channels") + " channels must be an integer in 1..1024; got the quoted string '1'");
  EXPECT_EQ(preset_error(with(lines, "tck_ns", "[1]")),
            at("tck_ns") + " tck_ns must be a number, allowed: > 0; got a sequence");
  EXPECT_EQ(preset_error(with(lines, "source", "")), at("source") + " source must be a non-empty string; got nothing");
  EXPECT_EQ(preset_error(with(lines, "tCCD_L", "12.5")),
            at("tCCD_L") + " tCCD_L must be an integer in 1..10000; got '12.5'");
  EXPECT_EQ(preset_error(with(lines, "bank_groups", "{a: 1}")),
            at("bank_groups") + " bank_groups must be an integer in 1..64; got a mapping");
}

TEST(DramPresetFileErrors, OutOfRange) {
  const auto lines = preset_lines("ddr5-4800", 5);
  EXPECT_EQ(preset_error(with(lines, "channels", "0")),
            at("channels") + " channels = 0 is out of range; allowed: 1..1024");
  EXPECT_EQ(preset_error(with(lines, "order", "1001")),
            at("order") + " order = 1001 is out of range; allowed: 1..1000");
  EXPECT_EQ(preset_error(with(lines, "tck_ns", "0")), at("tck_ns") + " tck_ns = 0 is out of range; allowed: > 0");
  EXPECT_TRUE(has(preset_error(with(lines, "bus_bits", "12")), at("bus_bits") + " bus_bits = 12 is not a whole"));
  EXPECT_TRUE(has(preset_error(with(lines, "burst_length", "7")), at("burst_length") + " burst_length = 7 is odd"));
  EXPECT_TRUE(
      has(preset_error(with(lines, "row_bytes", "8200")), at("row_bytes") + " row_bytes = 8200 is not a whole"));
  EXPECT_TRUE(has(preset_error(with(lines, "tREFI", "708")), at("tREFI") + " tREFI = 708 must be longer"));
  // The new keys' ranges.
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"bank_groups", "0", "1..64"}, {"bank_groups", "128", "1..64"}, {"rows", "0", "1..16777216"},
      {"rows", "33554432", "1..16777216"}, {"tCWL", "0", "1..10000"}, {"tCCD_S", "0", "1..10000"},
      {"tCCD_L", "10001", "1..10000"}, {"tRRD_S", "0", "1..10000"}, {"tRRD_L", "0", "1..10000"},
      {"tFAW", "0", "1..10000"}, {"tWTR_S", "0", "1..10000"}, {"tWTR_L", "0", "1..10000"},
      {"tWR", "0", "1..10000"}, {"tRTP", "0", "1..10000"}, {"tRTRS", "-1", "0..10000"},
      {"tRPRE", "10001", "0..10000"}};
  for (const auto& [key, value, allowed] : cases) {
    SCOPED_TRACE(key + ": " + value);
    EXPECT_EQ(preset_error(with(lines, key, value)),
              at(key) + " " + key + " = " + value + " is out of range; allowed: " + allowed);
  }
  // A rank switch and a read preamble may take no cycle.
  const DramPresetFile p =
      parse_dram_preset(join_lines(with(with(lines, "tRTRS", "0"), "tRPRE", "0")), "dir/ddr5-4800.yaml");
  EXPECT_EQ(p.timing.tRTRS, 0);
  EXPECT_EQ(p.timing.tRPRE, 0);
}

// ---- checks across keys: the address mapping's bit fields ----

TEST(DramPresetFileErrors, BankGroupsMustDivideTheBanks) {
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), "bank_groups", "3"));
  EXPECT_EQ(m, at("bank_groups") + " bank_groups = 3 does not divide banks = 32: the banks are split evenly among "
                                   "the bank groups");
}

TEST(DramPresetFileErrors, ChannelsMustBeAPowerOfTwo) {
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), "channels", "3"));
  EXPECT_TRUE(has(m, at("channels") + " channels = 3 is not a power of two: the address mapping gives each of "));
}

TEST(DramPresetFileErrors, BankGroupsMustBeAPowerOfTwo) {
  // 6 groups of 4: 6 divides 24, but is no whole number of bits.
  const std::string m = preset_error(with(with(preset_lines("ddr5-4800", 5), "banks", "24"), "bank_groups", "6"));
  EXPECT_TRUE(has(m, at("bank_groups") + " bank_groups = 6 is not a power of two: the address mapping"));
}

TEST(DramPresetFileErrors, BanksPerGroupMustBeAPowerOfTwo) {
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), "banks", "48"));
  EXPECT_TRUE(
      has(m, at("banks") + " banks = 48 with bank_groups = 8 is 6 banks per group, not a power of two: the address"));
  // One group of 8 is fine, one of 12 is not.
  const auto one_group = with(with(with(with(preset_lines("ddr5-4800", 5), "bank_groups", "1"), "tCCD_L", "8"),
                                   "tRRD_L", "8"),
                              "tWTR_L", "6");
  EXPECT_EQ(parse_dram_preset(join_lines(with(one_group, "banks", "8")), "dir/ddr5-4800.yaml").timing.banks, 8);
  EXPECT_TRUE(has(preset_error(with(one_group, "banks", "12")),
                  at("banks") + " banks = 12 with bank_groups = 1 is 12 banks per group, not a power of two"));
}

TEST(DramPresetFileErrors, RowsMustBeAPowerOfTwo) {
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), "rows", "60000"));
  EXPECT_TRUE(has(m, at("rows") + " rows = 60000 is not a power of two: the address mapping"));
}

TEST(DramPresetFileErrors, BurstsPerRowMustBeAPowerOfTwo) {
  // 12288 bytes are 96 bursts of 64 bits x 16 = 128 bytes.
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), "row_bytes", "12288"));
  EXPECT_TRUE(has(m, at("row_bytes") + " row_bytes = 12288 is 96 bursts of 128 bytes, not a power of two: the "
                                       "address mapping"));
}

// ---- checks across keys: same against other bank group ----

TEST(DramPresetFileErrors, SameBankGroupTimingsAreAtLeastTheOtherGroupOnes) {
  const auto lines = preset_lines("ddr5-4800", 5);
  EXPECT_EQ(preset_error(with(lines, "tCCD_L", "7")),
            at("tCCD_L") + " tCCD_L = 7 is less than tCCD_S = 8: column command to column command in the same bank "
                           "group takes at least as long as in another");
  EXPECT_EQ(preset_error(with(lines, "tRRD_L", "4")),
            at("tRRD_L") + " tRRD_L = 4 is less than tRRD_S = 8: activate to activate in the same bank group takes "
                           "at least as long as in another");
  EXPECT_EQ(preset_error(with(lines, "tWTR_L", "5")),
            at("tWTR_L") + " tWTR_L = 5 is less than tWTR_S = 6: end of write data to read in the same bank group "
                           "takes at least as long as in another");
  // Equal is fine.
  const DramTiming t =
      parse_dram_preset(join_lines(with(with(with(lines, "tCCD_L", "8"), "tRRD_L", "8"), "tWTR_L", "6")),
                        "dir/ddr5-4800.yaml")
          .timing;
  EXPECT_EQ(t.tCCD_L, t.tCCD_S);
  EXPECT_EQ(t.tRRD_L, t.tRRD_S);
  EXPECT_EQ(t.tWTR_L, t.tWTR_S);
}

TEST(DramPresetFileErrors, WithoutBankGroupsEachShortTimingIsTheLongOne) {
  const auto lines = with(with(preset_lines("ddr5-4800", 5), "bank_groups", "1"), "banks", "16");
  const std::string bg = " (line " + std::to_string(key_line("bank_groups")) + ")";
  EXPECT_EQ(preset_error(lines), at("tCCD_S") + " tCCD_S = 8 differs from tCCD_L = 12, but bank_groups = 1" + bg +
                                     ": a device without bank groups has one timing for column command to column "
                                     "command; give both the same value");
  const auto ccd = with(lines, "tCCD_S", "12");
  EXPECT_EQ(preset_error(ccd), at("tRRD_S") + " tRRD_S = 8 differs from tRRD_L = 12, but bank_groups = 1" + bg +
                                   ": a device without bank groups has one timing for activate to activate; give "
                                   "both the same value");
  const auto rrd = with(ccd, "tRRD_S", "12");
  EXPECT_EQ(preset_error(rrd), at("tWTR_S") + " tWTR_S = 6 differs from tWTR_L = 24, but bank_groups = 1" + bg +
                                   ": a device without bank groups has one timing for end of write data to read; "
                                   "give both the same value");
  const DramTiming t = parse_dram_preset(join_lines(with(rrd, "tWTR_S", "24")), "dir/ddr5-4800.yaml").timing;
  EXPECT_EQ(t.bank_groups, 1);
  EXPECT_EQ(t.tCCD_S, 12);
  EXPECT_EQ(t.tRRD_S, 12);
  EXPECT_EQ(t.tWTR_S, 24);
}

TEST(DramPresetFileErrors, ClockMustMatchTheDataRate) {
  const std::string m = preset_error(with(preset_lines("ddr5-4800", 5), "tck_ns", "0.417"));
  EXPECT_TRUE(has(m, at("tck_ns") + " tck_ns = 0.417 does not match data_rate_mts = 4800"));
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
  EXPECT_EQ(preset_error(two), "dir/ddr5-4800.yaml:" + std::to_string(two.size()) +
                                   ": more than one YAML document; a DRAM preset file holds one mapping");
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
