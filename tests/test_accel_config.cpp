// The accelerator config (models/arch/accel_config.h, sim/accel_config_reader.h) and
// the DRAM presets (sim/dram_preset_files.h). Error tests write small YAML files and
// check that each message names the file, the 1-based line, the key path and what is
// allowed.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "accel_config_reader.h"
#include "dram_address_fields.h"
#include "dram_preset_files.h"
#include "file_io.h"
#include "error.h"
#include "test_support.h"

namespace itera {
namespace {

using ::itera::testing::TempDir;

// Whether `text` contains `part`; on failure shows both.
::testing::AssertionResult has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not in: " << text;
}

const std::string kDefaultYamlPath = std::string(ITERA_SOURCE_DIR) + "/configs/default.yaml";

// The values configs/default.yaml documents, written out independently.
void expect_documented_defaults(const AccelConfig& c) {
  EXPECT_EQ(c.clock_mhz, 1000.0);
  EXPECT_EQ(c.array.rows, 32);
  EXPECT_EQ(c.array.cols, 32);
  EXPECT_EQ(c.array.dataflow, Dataflow::WeightStationary);
  EXPECT_EQ(c.array.timing, ArrayTiming::Overlapped);
  EXPECT_EQ(c.pe.native_bits, 8);
  EXPECT_TRUE(c.pe.pack_lower_bits);
  EXPECT_FALSE(c.memory.ideal);
  EXPECT_EQ(c.memory.dram.name, "ddr4-3200");
  EXPECT_FALSE(c.memory.dram.is_simple());
  EXPECT_EQ(c.memory.dram.address_mapping, "rorabacobgch");
  EXPECT_EQ(c.memory.dram.simple.bandwidth_gbps, 25.6);
  EXPECT_EQ(c.memory.dram.simple.latency_ns, 50.0);
  for (const BufferConfig* b : {&c.buffers.weight, &c.buffers.input}) {
    EXPECT_EQ(b->kb, 256);
    EXPECT_EQ(b->banks, 8);
    EXPECT_EQ(b->ports, 2);
    EXPECT_TRUE(b->double_buffer);
  }
  EXPECT_EQ(c.buffers.output.kb, 128);
  EXPECT_EQ(c.buffers.output.banks, 16);
  EXPECT_EQ(c.buffers.output.ports, 2);
  EXPECT_TRUE(c.buffers.output.double_buffer);
  EXPECT_EQ(c.low_rank.datapath, LowRankDatapath::Shared);
  EXPECT_EQ(c.low_rank.dedicated_rows, 8);
  EXPECT_EQ(c.low_rank.dedicated_cols, 8);
}

// Writes `yaml` to <tmp>/accel.yaml and loads it.
AccelConfig load_text(const TempDir& dir, const std::string& yaml) {
  const std::string path = dir.file("accel.yaml");
  write_file_atomic(path, yaml);
  return load_accel_config(path);
}

// The message of the itera::Error that loading `yaml` throws ("" and a failure if none).
std::string load_error(const std::string& yaml) {
  TempDir dir;
  try {
    load_text(dir, yaml);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << yaml;
  return "";
}

// ---- the default config ----

TEST(AccelConfigDefault, DefaultYamlParsesToDocumentedValues) {
  expect_documented_defaults(load_accel_config(kDefaultYamlPath));
}

TEST(AccelConfigDefault, EmbeddedDefaultParsesToDocumentedValues) {
  expect_documented_defaults(default_accel_config());
}

// The defaults have one copy, configs/default.yaml: a default-constructed config holds none.
TEST(AccelConfigDefault, DefaultConstructedHoldsNoDefaults) {
  const AccelConfig c{};
  EXPECT_EQ(c.clock_mhz, 0.0);
  EXPECT_EQ(c.array.rows, 0);
  EXPECT_EQ(c.array.cols, 0);
  EXPECT_EQ(c.pe.native_bits, 0);
  EXPECT_FALSE(c.pe.pack_lower_bits);
  EXPECT_EQ(c.memory.dram.name, "");
  EXPECT_EQ(c.memory.dram.simple.bandwidth_gbps, 0.0);
  EXPECT_EQ(c.memory.dram.simple.latency_ns, 0.0);
  for (const BufferConfig* b : {&c.buffers.weight, &c.buffers.input, &c.buffers.output}) {
    EXPECT_EQ(b->kb, 0);
    EXPECT_EQ(b->banks, 0);
    EXPECT_EQ(b->ports, 0);
    EXPECT_EQ(b->width_bytes, 0);
    EXPECT_FALSE(b->double_buffer);
  }
  EXPECT_EQ(c.low_rank.dedicated_rows, 0);
  EXPECT_EQ(c.low_rank.dedicated_cols, 0);
}

TEST(AccelConfigDefault, EmbeddedDefaultEqualsFileByteForByte) {
  EXPECT_EQ(default_accel_config_yaml(), read_file(kDefaultYamlPath));
}

TEST(AccelConfigDefault, DefaultDramIsDdr4_3200At25_6GBs) {
  const AccelConfig c = default_accel_config();
  EXPECT_EQ(c.memory.dram.timing().name, "ddr4-3200");
  EXPECT_DOUBLE_EQ(c.memory.dram.peak_gbps(), 25.6);
}

// ---- valid files ----

TEST(AccelConfigParse, EmptyMappingKeepsEveryDefault) {
  TempDir dir;
  expect_documented_defaults(load_text(dir, "{}\n"));
}

TEST(AccelConfigParse, OmittedKeysKeepTheirDefaults) {
  TempDir dir;
  const AccelConfig c = load_text(dir, "array:\n  rows: 64\nbuffers:\n  output: {kb: 64}\n");
  EXPECT_EQ(c.array.rows, 64);
  EXPECT_EQ(c.array.cols, 32);
  EXPECT_EQ(c.array.dataflow, Dataflow::WeightStationary);
  EXPECT_EQ(c.buffers.output.kb, 64);
  EXPECT_EQ(c.buffers.output.banks, 16);
  EXPECT_EQ(c.buffers.weight.kb, 256);
  EXPECT_EQ(c.clock_mhz, 1000.0);
}

TEST(AccelConfigParse, EveryKeyCanBeSet) {
  TempDir dir;
  const AccelConfig c = load_text(dir,
                                  "clock_mhz: 1000.5\n"
                                  "array: {rows: 128, cols: 16, dataflow: os, timing: classic}\n"
                                  "pe: {native_bits: 4, pack_lower_bits: false}\n"
                                  "memory:\n"
                                  "  ideal: true\n"
                                  "  dram: hbm2\n"
                                  "  address_mapping: rochrababgco\n"
                                  "  simple: {bandwidth_gbps: 100, latency_ns: 0}\n"
                                  "buffers:\n"
                                  "  weight: {kb: 1024, banks: 16, ports: 1, double_buffer: false}\n"
                                  "  input: {kb: 1, banks: 1, ports: 16, double_buffer: false}\n"
                                  "  output: {kb: 1048576, banks: 1024, ports: 4, double_buffer: true}\n"
                                  "low_rank: {datapath: dedicated, dedicated_rows: 16, dedicated_cols: 4}\n");
  EXPECT_EQ(c.clock_mhz, 1000.5);
  EXPECT_EQ(c.array.rows, 128);
  EXPECT_EQ(c.array.cols, 16);
  EXPECT_EQ(c.array.dataflow, Dataflow::OutputStationary);
  EXPECT_EQ(c.array.timing, ArrayTiming::Classic);
  EXPECT_EQ(c.pe.native_bits, 4);
  EXPECT_FALSE(c.pe.pack_lower_bits);
  EXPECT_TRUE(c.memory.ideal);
  EXPECT_EQ(c.memory.dram.name, "hbm2");
  EXPECT_EQ(c.memory.dram.address_mapping, "rochrababgco");
  EXPECT_EQ(c.memory.dram.simple.bandwidth_gbps, 100.0);
  EXPECT_EQ(c.memory.dram.simple.latency_ns, 0.0);
  EXPECT_EQ(c.buffers.weight.kb, 1024);
  EXPECT_EQ(c.buffers.weight.banks, 16);
  EXPECT_EQ(c.buffers.weight.ports, 1);
  EXPECT_FALSE(c.buffers.weight.double_buffer);
  EXPECT_EQ(c.buffers.input.kb, 1);
  EXPECT_EQ(c.buffers.input.ports, 16);
  EXPECT_EQ(c.buffers.output.kb, 1048576);
  EXPECT_EQ(c.buffers.output.banks, 1024);
  EXPECT_EQ(c.low_rank.datapath, LowRankDatapath::Dedicated);
  EXPECT_EQ(c.low_rank.dedicated_rows, 16);
  EXPECT_EQ(c.low_rank.dedicated_cols, 4);
}

TEST(AccelConfigParse, InputStationaryDataflow) {
  TempDir dir;
  EXPECT_EQ(load_text(dir, "array: {dataflow: is}\n").array.dataflow, Dataflow::InputStationary);
}

TEST(AccelConfigParse, DramSimpleUsesMemorySimpleValues) {
  TempDir dir;
  const AccelConfig c =
      load_text(dir, "memory:\n  dram: simple\n  simple:\n    bandwidth_gbps: 12.5\n    latency_ns: 80\n");
  EXPECT_TRUE(c.memory.dram.is_simple());
  EXPECT_EQ(c.memory.dram.simple.bandwidth_gbps, 12.5);
  EXPECT_EQ(c.memory.dram.simple.latency_ns, 80.0);
  EXPECT_EQ(c.memory.dram.peak_gbps(), 12.5);
  EXPECT_THROW(c.memory.dram.timing(), Error);
}

TEST(AccelConfigParse, DramSimpleWithoutSimpleSectionUsesDefaults) {
  TempDir dir;
  const AccelConfig c = load_text(dir, "memory: {dram: simple}\n");
  EXPECT_EQ(c.memory.dram.peak_gbps(), 25.6);
  EXPECT_EQ(c.memory.dram.simple.latency_ns, 50.0);
}

TEST(AccelConfigParse, EachPresetNameIsAccepted) {
  TempDir dir;
  for (const char* name : {"ddr4-2400", "ddr4-3200", "lpddr4-3200", "hbm2"}) {
    const AccelConfig c = load_text(dir, std::string("memory: {dram: ") + name + "}\n");
    EXPECT_EQ(c.memory.dram.timing().name, name);
  }
}

// memory.address_mapping: any order of the six fields, plain or quoted; independent of
// memory.dram (a config has no rules across keys), so a simple memory keeps it too.
TEST(AccelConfigParse, AddressMappingTakesAnyOrderOfTheSixFields) {
  TempDir dir;
  for (const char* mapping : {"rochrababgco", "chrobabgraco", "rorabgbachco", "corobabgrach", "rorabacobgch"}) {
    SCOPED_TRACE(mapping);
    const AccelConfig c = load_text(dir, std::string("memory:\n  address_mapping: ") + mapping + "\n");
    EXPECT_EQ(c.memory.dram.address_mapping, mapping);
    EXPECT_EQ(c.memory.dram.name, "ddr4-3200");  // the other keys keep their defaults
  }
  EXPECT_EQ(load_text(dir, "memory: {address_mapping: \"chrobabgraco\"}\n").memory.dram.address_mapping,
            "chrobabgraco");
  const AccelConfig simple = load_text(dir, "memory: {dram: simple, address_mapping: rochrababgco}\n");
  EXPECT_TRUE(simple.memory.dram.is_simple());
  EXPECT_EQ(simple.memory.dram.address_mapping, "rochrababgco");
  // Left out, it is the default's.
  EXPECT_EQ(load_text(dir, "memory: {dram: hbm2}\n").memory.dram.address_mapping, "rorabacobgch");
  EXPECT_EQ(default_accel_config().memory.dram.address_mapping, kDefaultAddressMapping);
}

TEST(AccelConfigParse, ClockRangeIsClosed) {
  TempDir dir;
  EXPECT_EQ(load_text(dir, "clock_mhz: 10000\n").clock_mhz, 10000.0);
  EXPECT_EQ(load_text(dir, "clock_mhz: 1\n").clock_mhz, 1.0);
}

TEST(AccelConfigParse, DescribeSummarisesTheConfig) {
  const std::string d = describe(default_accel_config());
  EXPECT_TRUE(has(d, "32x32"));
  EXPECT_TRUE(has(d, "ws"));
  EXPECT_TRUE(has(d, "1000 MHz"));
  EXPECT_TRUE(has(d, "ddr4-3200"));
  EXPECT_TRUE(has(d, "25.6 GB/s"));
  EXPECT_TRUE(has(d, "256 KB"));
  EXPECT_TRUE(has(d, "shared"));
  TempDir dir;
  const std::string s =
      describe(load_text(dir, "memory: {ideal: true, dram: simple}\nlow_rank: {datapath: dedicated}\n"));
  EXPECT_TRUE(has(s, "ideal"));
  EXPECT_TRUE(has(s, "simple"));
  EXPECT_TRUE(has(s, "dedicated 8x8"));
}

// ---- errors ----

TEST(AccelConfigErrors, MissingFileNamesThePath) {
  TempDir dir;
  try {
    load_accel_config(dir.file("nope.yaml"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), "nope.yaml"));
  }
}

TEST(AccelConfigErrors, UnknownTopLevelKey) {
  const std::string m = load_error("clock_mhz: 100\nclock: 5\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "'clock'"));
  EXPECT_TRUE(has(m, "clock_mhz, array, pe, memory, buffers, low_rank"));
}

TEST(AccelConfigErrors, UnknownNestedKeyGivesFullPath) {
  const std::string m = load_error("array:\n  rows: 16\n  colums: 16\n");
  EXPECT_TRUE(has(m, "accel.yaml:3:"));
  EXPECT_TRUE(has(m, "'array.colums'"));
  EXPECT_TRUE(has(m, "rows, cols, dataflow, timing"));
}

TEST(AccelConfigErrors, UnknownKeyInsideFlowMapping) {
  const std::string m = load_error("clock_mhz: 100\nbuffers:\n  input: {kb: 64, bank: 2}\n");
  EXPECT_TRUE(has(m, "accel.yaml:3:"));
  EXPECT_TRUE(has(m, "'buffers.input.bank'"));
  EXPECT_TRUE(has(m, "kb, banks, ports, width_bytes, double_buffer"));
}

TEST(AccelConfigErrors, UnknownKeyThreeLevelsDown) {
  const std::string m = load_error("memory:\n  dram: simple\n  simple:\n    bandwidth: 10\n");
  EXPECT_TRUE(has(m, "accel.yaml:4:"));
  EXPECT_TRUE(has(m, "'memory.simple.bandwidth'"));
  EXPECT_TRUE(has(m, "bandwidth_gbps, latency_ns"));
}

TEST(AccelConfigErrors, DuplicateKey) {
  const std::string m = load_error("array:\n  rows: 16\n  rows: 8\n");
  EXPECT_TRUE(has(m, "accel.yaml:3:"));
  EXPECT_TRUE(has(m, "duplicate key 'array.rows'"));
  EXPECT_TRUE(has(m, "line 2"));
}

TEST(AccelConfigErrors, IntegerKeyGivenText) {
  const std::string m = load_error("array:\n  rows: abc\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "array.rows"));
  EXPECT_TRUE(has(m, "integer"));
  EXPECT_TRUE(has(m, "'abc'"));
}

TEST(AccelConfigErrors, IntegerKeyGivenFraction) {
  const std::string m = load_error("pe:\n  native_bits: 4.5\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "pe.native_bits"));
  EXPECT_TRUE(has(m, "integer"));
}

// YAML 1.1 reads 016 as octal 14, YAML 1.2 as decimal 16: a leading zero is refused
// rather than read either way. A zero before the point is fine.
TEST(AccelConfigErrors, NumbersWithALeadingZeroAreRefused) {
  for (const auto& [yaml, key, fix] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"array:\n  rows: 016\n", "array.rows", "write 16"},
           {"array:\n  rows: 00\n", "array.rows", "write 0"},
           {"clock_mhz: 0100.5\n", "clock_mhz", "write 100.5"},
           {"memory:\n  simple:\n    latency_ns: -07\n", "memory.simple.latency_ns", "write -7"}}) {
    SCOPED_TRACE(yaml);
    const std::string m = load_error(yaml);
    EXPECT_TRUE(has(m, key)) << m;
    EXPECT_TRUE(has(m, "may not start with a zero")) << m;
    EXPECT_TRUE(has(m, fix)) << m;
  }
  EXPECT_EQ(parse_accel_config("clock_mhz: 0.5e3\nmemory:\n  simple:\n    latency_ns: 0\n", "a.yaml").clock_mhz, 500);
}

TEST(AccelConfigErrors, QuotedNumberIsAString) {
  const std::string m = load_error("array:\n  cols: \"32\"\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "array.cols"));
  EXPECT_TRUE(has(m, "quoted string"));
}

TEST(AccelConfigErrors, EmptyValueIsNotANumber) {
  const std::string m = load_error("array:\n  rows:\n  cols: 4\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "array.rows"));
  EXPECT_TRUE(has(m, "got nothing"));
}

TEST(AccelConfigErrors, SectionGivenAScalar) {
  const std::string m = load_error("clock_mhz: 100\narray: 5\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "array must be a mapping"));
  EXPECT_TRUE(has(m, "rows, cols, dataflow, timing"));
}

TEST(AccelConfigErrors, SectionGivenASequence) {
  const std::string m = load_error("buffers:\n  weight: [1, 2]\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "buffers.weight must be a mapping"));
  EXPECT_TRUE(has(m, "a sequence"));
}

TEST(AccelConfigErrors, BooleanKeyGivenOtherText) {
  const std::string m = load_error("memory:\n  ideal: yes\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "memory.ideal"));
  EXPECT_TRUE(has(m, "boolean (true or false)"));
}

TEST(AccelConfigErrors, NumberKeyGivenText) {
  const std::string m = load_error("clock_mhz: fast\n");
  EXPECT_TRUE(has(m, "accel.yaml:1:"));
  EXPECT_TRUE(has(m, "clock_mhz"));
  EXPECT_TRUE(has(m, "number"));
  EXPECT_TRUE(has(m, "[1, 10000]"));
}

TEST(AccelConfigErrors, NumberKeyGivenInfinity) {
  const std::string m = load_error("memory:\n  simple: {bandwidth_gbps: inf}\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "memory.simple.bandwidth_gbps"));
  EXPECT_TRUE(has(m, "number"));
}

struct RangeCase {
  std::string yaml;
  int line;
  std::string path;
  std::string allowed;
};

TEST(AccelConfigErrors, OutOfRangeValuesNameTheRange) {
  const RangeCase cases[] = {
      {"clock_mhz: 0\n", 1, "clock_mhz", "[1, 10000]"},
      {"clock_mhz: 1e-6\n", 1, "clock_mhz", "[1, 10000]"},  // took 6 s; 2e-7 never ended
      {"clock_mhz: 0.999\n", 1, "clock_mhz", "[1, 10000]"},
      {"clock_mhz: 10000.5\n", 1, "clock_mhz", "[1, 10000]"},
      {"clock_mhz: -5\n", 1, "clock_mhz", "[1, 10000]"},
      {"array:\n  rows: 0\n", 2, "array.rows", "1..4096"},
      {"array:\n  cols: 4097\n", 2, "array.cols", "1..4096"},
      {"array:\n  rows: 99999999999999999999999\n", 2, "array.rows", "1..4096"},
      {"pe:\n  native_bits: 1\n", 2, "pe.native_bits", "2..32"},
      {"pe:\n  native_bits: 33\n", 2, "pe.native_bits", "2..32"},
      {"buffers:\n  weight: {kb: 0}\n", 2, "buffers.weight.kb", "1..1048576"},
      {"buffers:\n  input:\n    kb: 1048577\n", 3, "buffers.input.kb", "1..1048576"},
      {"buffers:\n  output: {banks: 0}\n", 2, "buffers.output.banks", "1..1024"},
      {"buffers:\n  output: {banks: 1025}\n", 2, "buffers.output.banks", "1..1024"},
      {"buffers:\n  weight: {ports: 0}\n", 2, "buffers.weight.ports", "1..16"},
      {"buffers:\n  weight: {ports: 17}\n", 2, "buffers.weight.ports", "1..16"},
      {"memory:\n  simple:\n    bandwidth_gbps: 0\n", 3, "memory.simple.bandwidth_gbps", "[0.01, 100000]"},
      // 1e-300 GB/s gave 46116860184292545 cycles and a 300-digit percentage.
      {"memory:\n  simple:\n    bandwidth_gbps: 1e-300\n", 3, "memory.simple.bandwidth_gbps", "[0.01, 100000]"},
      {"memory:\n  simple:\n    bandwidth_gbps: 1e6\n", 3, "memory.simple.bandwidth_gbps", "[0.01, 100000]"},
      {"memory:\n  simple:\n    latency_ns: -1\n", 3, "memory.simple.latency_ns", "[0, 1000000]"},
      {"memory:\n  simple:\n    latency_ns: 1e9\n", 3, "memory.simple.latency_ns", "[0, 1000000]"},
      {"low_rank:\n  dedicated_rows: 0\n", 2, "low_rank.dedicated_rows", "1..4096"},
      {"low_rank:\n  dedicated_cols: 5000\n", 2, "low_rank.dedicated_cols", "1..4096"},
  };
  for (const RangeCase& c : cases) {
    SCOPED_TRACE(c.yaml);
    const std::string m = load_error(c.yaml);
    EXPECT_TRUE(has(m, "accel.yaml:" + std::to_string(c.line) + ":"));
    EXPECT_TRUE(has(m, c.path + " = "));
    EXPECT_TRUE(has(m, "out of range"));
    EXPECT_TRUE(has(m, "allowed: " + c.allowed));
  }
}

TEST(AccelConfigErrors, UnknownDataflowListsAllowed) {
  const std::string m = load_error("array:\n  rows: 8\n  dataflow: rs\n");
  EXPECT_TRUE(has(m, "accel.yaml:3:"));
  EXPECT_TRUE(has(m, "array.dataflow = 'rs'"));
  EXPECT_TRUE(has(m, "ws, os, is"));
}

TEST(AccelConfigErrors, UnknownTimingListsAllowed) {
  const std::string m = load_error("array: {timing: fast}\n");
  EXPECT_TRUE(has(m, "accel.yaml:1:"));
  EXPECT_TRUE(has(m, "array.timing = 'fast'"));
  EXPECT_TRUE(has(m, "overlapped, classic"));
}

TEST(AccelConfigErrors, UnknownDatapathListsAllowed) {
  const std::string m = load_error("low_rank:\n  datapath: separate\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "low_rank.datapath = 'separate'"));
  EXPECT_TRUE(has(m, "shared, dedicated"));
}

TEST(AccelConfigErrors, EnumGivenAMapping) {
  const std::string m = load_error("array:\n  dataflow: {a: 1}\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "array.dataflow"));
  EXPECT_TRUE(has(m, "ws, os, is"));
}

TEST(AccelConfigErrors, UnknownDramPresetListsKnownOnes) {
  const std::string m = load_error("memory:\n  ideal: false\n  dram: ddr5-4800\n");
  EXPECT_TRUE(has(m, "accel.yaml:3:"));
  EXPECT_TRUE(has(m, "memory.dram = 'ddr5-4800'"));
  EXPECT_TRUE(has(m, "allowed: " + dram_preset_names() + ", simple"));
  for (const DramTiming& t : dram_presets()) EXPECT_TRUE(has(m, t.name)) << t.name;
}

// A bad memory.address_mapping names the file, the line, the key and what is allowed.
TEST(AccelConfigErrors, BadAddressMappingSaysWhatIsAllowed) {
  const std::string allowed = "six two-letter fields from the most significant bit, each once: ro (row), ch (channel), "
                              "ra (rank), ba (bank), bg (bank group), co (column)";
  // Too short: five fields.
  const std::string short_one = load_error("memory:\n  dram: ddr4-3200\n  address_mapping: rochrababg\n");
  EXPECT_TRUE(has(short_one, "accel.yaml:3: memory.address_mapping: address mapping 'rochrababg' has 10 characters"));
  EXPECT_TRUE(has(short_one, allowed));
  // An unknown field.
  const std::string unknown = load_error("memory:\n  address_mapping: rochrababgcl\n");
  EXPECT_TRUE(has(unknown, "accel.yaml:2: memory.address_mapping: address mapping 'rochrababgcl': unknown field 'cl'"));
  EXPECT_TRUE(has(unknown, allowed));
  // A field twice (and so one missing).
  const std::string twice = load_error("clock_mhz: 100\nmemory: {ideal: false, address_mapping: rorobabgchco}\n");
  EXPECT_TRUE(
      has(twice, "accel.yaml:2: memory.address_mapping: address mapping 'rorobabgchco': field 'ro' appears twice"));
  EXPECT_TRUE(has(twice, allowed));
  // Upper case is not DRAMsim3's notation.
  EXPECT_TRUE(has(load_error("memory:\n  address_mapping: ROCHRABABGCO\n"), "unknown field 'RO'"));
  // Not a single value.
  const std::string list = load_error("memory:\n  address_mapping: [ro, ch, ra, ba, bg, co]\n");
  EXPECT_TRUE(has(list, "accel.yaml:2: memory.address_mapping must be a non-empty string; got a sequence"));
  EXPECT_TRUE(has(load_error("memory:\n  address_mapping:\n  dram: hbm2\n"),
                  "accel.yaml:2: memory.address_mapping must be a non-empty string; got nothing"));
  // The unknown-key message lists it among memory's keys.
  EXPECT_TRUE(has(load_error("memory:\n  mapping: rochrababgco\n"), "ideal, dram, address_mapping, simple"));
}

TEST(AccelConfigErrors, YamlSyntaxErrorGivesLine) {
  const std::string m = load_error("clock_mhz: 100\narray:\n  rows: [1, 2\n  cols: 4\n");
  EXPECT_TRUE(has(m, "accel.yaml:"));
  EXPECT_TRUE(has(m, "YAML syntax error"));
  const std::string bad_indent = load_error("array:\n  rows: 4\n cols: 4\n");
  EXPECT_TRUE(has(bad_indent, "accel.yaml:3:"));
  EXPECT_TRUE(has(bad_indent, "YAML syntax error"));
}

TEST(AccelConfigErrors, EmptyFile) {
  const std::string m = load_error("");
  EXPECT_TRUE(has(m, "accel.yaml"));
  EXPECT_TRUE(has(m, "no settings"));
  EXPECT_TRUE(has(load_error("# just a comment\n\n"), "no settings"));
}

TEST(AccelConfigErrors, TopLevelSequence) {
  const std::string m = load_error("- rows: 4\n- cols: 4\n");
  EXPECT_TRUE(has(m, "accel.yaml:1:"));
  EXPECT_TRUE(has(m, "top level must be a mapping"));
  EXPECT_TRUE(has(m, "a sequence"));
}

TEST(AccelConfigErrors, TopLevelScalar) {
  const std::string m = load_error("\n32\n");
  EXPECT_TRUE(has(m, "accel.yaml:2:"));
  EXPECT_TRUE(has(m, "top level must be a mapping"));
}

TEST(AccelConfigErrors, MoreThanOneDocument) {
  const std::string m = load_error("clock_mhz: 100\n---\nclock_mhz: 200\n");
  EXPECT_TRUE(has(m, "accel.yaml:"));
  EXPECT_TRUE(has(m, "more than one YAML document"));
}

TEST(AccelConfigErrors, ParseTextUsesTheGivenName) {
  try {
    parse_accel_config("array: {rows: -1}\n", "inline.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), "inline.yaml:1:"));
  }
}

// ---- DRAM presets ----

TEST(DramPresets, EveryPresetFileIsListedOnceAndTheShippedOnesKeepTheirOrder) {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ITERA_SOURCE_DIR) + "/configs/dram"))
    if (e.path().extension() == ".yaml") files.insert(e.path().stem().string());
  std::set<std::string> listed;
  for (const DramTiming& t : dram_presets()) EXPECT_TRUE(listed.insert(t.name).second) << "listed twice: " << t.name;
  EXPECT_EQ(listed, files);
  // The four shipped presets, in their documented order (a new file may go anywhere).
  const std::string names = ", " + dram_preset_names() + ", ";
  size_t at = 0;
  for (const char* name : {"ddr4-2400", "ddr4-3200", "lpddr4-3200", "hbm2"}) {
    const size_t next = names.find(std::string(", ") + name + ", ");
    ASSERT_NE(next, std::string::npos) << name;
    EXPECT_GE(next, at) << name << " is out of order in: " << dram_preset_names();
    at = next;
  }
}

TEST(DramPresets, Ddr4_3200OneChannelPeakIs25_6) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  EXPECT_EQ(t.channels, 1);
  EXPECT_EQ(t.bus_bits, 64);
  EXPECT_NEAR(t.peak_gbps(), 8 * 3200 / 1000.0, 1e-12);
  EXPECT_NEAR(t.peak_gbps(), 25.6, 1e-12);
}

TEST(DramPresets, Ddr4_2400OneChannelPeakIs19_2) {
  const DramTiming& t = find_dram_preset("ddr4-2400");
  EXPECT_EQ(t.channels, 1);
  EXPECT_EQ(t.bus_bits, 64);
  EXPECT_NEAR(t.peak_gbps(), 19.2, 1e-12);
}

TEST(DramPresets, Hbm2StackPeakIs256) {
  const DramTiming& t = find_dram_preset("hbm2");
  EXPECT_EQ(t.channels, 8);
  EXPECT_EQ(t.bus_bits, 128);
  EXPECT_EQ(t.data_rate_mts, 2000);
  EXPECT_NEAR(t.peak_gbps(), 256.0, 1e-12);
}

TEST(DramPresets, Lpddr4TwoSixteenBitChannelsPeakIs12_8) {
  const DramTiming& t = find_dram_preset("lpddr4-3200");
  EXPECT_EQ(t.channels, 2);
  EXPECT_EQ(t.bus_bits, 16);
  EXPECT_NEAR(t.peak_gbps(), 12.8, 1e-12);
}

TEST(DramPresets, EveryPresetIsDoubleDataRate) {
  for (const DramTiming& t : dram_presets()) {
    SCOPED_TRACE(t.name);
    EXPECT_NEAR(t.tck_ns * t.data_rate_mts / 1000.0, 2.0, 1e-12);
  }
}

TEST(DramPresets, EveryPresetIsComplete) {
  for (const DramTiming& t : dram_presets()) {
    SCOPED_TRACE(t.name);
    EXPECT_GT(t.banks, 0);
    EXPECT_GT(t.row_bytes, 0);
    EXPECT_GT(t.burst_length, 0);
    EXPECT_GT(t.tCL, 0);
    EXPECT_GT(t.tRCD, 0);
    EXPECT_GT(t.tRP, 0);
    EXPECT_GT(t.tRAS, t.tRCD);  // a row stays open at least until it can be read
    EXPECT_GT(t.tREFI, t.tRFC);
    EXPECT_FALSE(t.source.empty());
  }
}

// JEDEC refresh intervals: 7.8 us for DDR4 at normal temperature, 3.9 us for
// LPDDR4 (per-die all-bank refresh) and HBM2.
TEST(DramPresets, RefreshIntervalsMatchJedec) {
  EXPECT_NEAR(find_dram_preset("ddr4-2400").tREFI * find_dram_preset("ddr4-2400").tck_ns, 7800, 5);
  EXPECT_NEAR(find_dram_preset("ddr4-3200").tREFI * find_dram_preset("ddr4-3200").tck_ns, 7800, 5);
  EXPECT_NEAR(find_dram_preset("lpddr4-3200").tREFI * find_dram_preset("lpddr4-3200").tck_ns, 3900, 5);
  EXPECT_NEAR(find_dram_preset("hbm2").tREFI * find_dram_preset("hbm2").tck_ns, 3900, 5);
}

// DDR4 8 Gb devices refresh in 350 ns (tRFC1).
TEST(DramPresets, Ddr4RefreshTimeIs350ns) {
  for (const char* name : {"ddr4-2400", "ddr4-3200"}) {
    const DramTiming& t = find_dram_preset(name);
    EXPECT_NEAR(t.tRFC * t.tck_ns, 350, 0.5) << name;
  }
}

TEST(DramPresets, UnknownNameListsKnownOnes) {
  try {
    find_dram_preset("ddr5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), "'ddr5'"));
    EXPECT_TRUE(has(e.what(), dram_preset_names()));
  }
}

}  // namespace
}  // namespace itera
