// `itera dram` (sim/dram_command.cpp, sim/dram_request_run.h, sim/dram_report.h): the
// request streams, the CLI's errors, the report's keys and their consistency, and
// closed-form checks that hold for any correct DRAM model. Every closed form is derived
// here from the preset's timing parameters; each test says where its numbers come from.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dram_core.h"
#include "dram_preset_files.h"
#include "dram_request_run.h"
#include "error.h"
#include "test_support.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using ::itera::testing::CliResult;
using ::itera::testing::contains;
using ::itera::testing::contains_all;
using ::itera::testing::run_cli;
using ::itera::testing::shell_quote;
using ::itera::testing::slurp;
using ::itera::testing::TempDir;
using ::itera::testing::write_file;

// ---- helpers -------------------------------------------------------------------------

// Peak of a preset, GB/s, from its definition: every channel moves bus_bits / 8 bytes
// per transfer at data_rate_mts million transfers per second.
double peak_gbps(const DramTiming& t) { return t.channels * t.bus_bits / 8.0 * t.data_rate_mts / 1000.0; }
uint64_t burst_bytes(const DramTiming& t) { return static_cast<uint64_t>(t.bus_bits / 8 * t.burst_length); }
double burst_bytes_d(const DramTiming& t) { return static_cast<double>(burst_bytes(t)); }
// Cycles from a RD command to the end of its data: tCL, then BL/2 cycles on the bus.
uint64_t read_data_end(const DramTiming& t) { return static_cast<uint64_t>(t.tCL + t.burst_length / 2); }

// Runs `itera dram ARGS --json FILE` in `dir`; it must succeed. Returns the JSON.
nlohmann::json run_json(const TempDir& dir, const std::string& args, CliResult* result = nullptr) {
  const std::string json = dir.file("dram.json");
  fs::remove(json);
  const CliResult r = run_cli("dram " + args + " --json " + shell_quote(json));
  EXPECT_EQ(r.exit_code, 0) << "args: " << args << "\nstderr: " << r.err;
  if (result != nullptr) *result = r;
  const std::string text = slurp(json);
  if (text.empty()) {
    ADD_FAILURE() << "no JSON from: " << args;
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(text);
}

// A trace file in `dir` holding `text`; its path, shell-quoted.
std::string trace_file(const TempDir& dir, const std::string& text, const std::string& name = "t.trc") {
  write_file(dir.file(name), text);
  return shell_quote(dir.file(name));
}

// Runs a command that must fail with a user-facing error (exit 1) and leave no JSON.
CliResult run_failing(const TempDir& dir, const std::string& args) {
  const std::string json = dir.file("report.json");
  const CliResult r = run_cli("dram " + args + " --json " + shell_quote(json));
  EXPECT_EQ(r.exit_code, 1) << "args: " << args << "\nstdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_TRUE(contains(r.err, "itera dram: error: ")) << "args: " << args << "\nstderr: " << r.err;
  EXPECT_FALSE(fs::exists(json)) << "a failed run left " << json;
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_FALSE(contains(e.path().filename().string(), ".tmp.")) << "a failed run left " << e.path();
  return r;
}

#define EXPECT_ERR_HAS(res, ...) EXPECT_TRUE(contains_all((res).err, {__VA_ARGS__}))

// ---- request streams -------------------------------------------------------------------

// A tiny device: 1 channel x 2 banks x 2 rows x 128-byte rows = 512 bytes, 8 bursts of 64.
DramTiming tiny_device() {
  DramTiming t;
  t.name = "tiny";
  t.channels = 1;
  t.banks = 2;
  t.rows = 2;
  t.row_bytes = 128;
  return t;
}

std::vector<DramRequest> all_of(DramRequestSource& s) {
  std::vector<DramRequest> out;
  for (; !s.done(); s.pop()) out.push_back(s.peek());
  return out;
}

TEST(DramStream, DeviceBytesAreChannelsBanksRowsAndRowBytes) {
  EXPECT_EQ(dram_device_bytes(tiny_device()), 512u);
  DramTiming no_rows = tiny_device();
  no_rows.rows = 0;
  EXPECT_TRUE(contains_all(testing::error_of([&] { dram_device_bytes(no_rows); }), {"'tiny'", "rows 0"}));
}

TEST(DramStream, SequentialAddressesStepOneBurstAndWrapAtTheDeviceEnd) {
  StreamRequests s(StreamRequests::Pattern::Sequential, 10, 0.0, 1, 64, 512);
  EXPECT_EQ(s.size(), 10u);
  const std::vector<DramRequest> r = all_of(s);
  ASSERT_EQ(r.size(), 10u);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].addr, (i % 8) * 64) << i;
    EXPECT_FALSE(r[i].write);
    EXPECT_EQ(r[i].cycle, 0u);
  }
}

TEST(DramStream, RandomAddressesAreBurstAlignedAndCoverTheDevice) {
  StreamRequests s(StreamRequests::Pattern::Random, 1000, 0.0, 1, 64, 512);
  std::set<uint64_t> seen;
  for (const DramRequest& r : all_of(s)) {
    EXPECT_EQ(r.addr % 64, 0u);
    EXPECT_LT(r.addr, 512u);
    seen.insert(r.addr);
  }
  EXPECT_EQ(seen.size(), 8u);
  // With a power-of-two number of bursts each address is one draw of std::mt19937_64
  // (whose output the C++ standard fixes) modulo the bursts.
  StreamRequests first(StreamRequests::Pattern::Random, 1, 0.0, 1, 64, 512);
  std::mt19937_64 reference(1);
  EXPECT_EQ(first.peek().addr, reference() % 8 * 64);
}

TEST(DramStream, ASeedGivesTheSameRequestsAnotherSeedOthers) {
  StreamRequests a(StreamRequests::Pattern::Random, 200, 0.5, 7, 64, 1 << 20);
  StreamRequests b(StreamRequests::Pattern::Random, 200, 0.5, 7, 64, 1 << 20);
  StreamRequests c(StreamRequests::Pattern::Random, 200, 0.5, 8, 64, 1 << 20);
  const std::vector<DramRequest> ra = all_of(a);
  EXPECT_EQ(ra, all_of(b));
  EXPECT_NE(ra, all_of(c));
}

TEST(DramStream, WriteRatioIsTheShareOfWrites) {
  for (const double ratio : {0.0, 1.0}) {
    StreamRequests s(StreamRequests::Pattern::Sequential, 100, ratio, 1, 64, 512);
    for (const DramRequest& r : all_of(s)) EXPECT_EQ(r.write, ratio == 1.0);
  }
  // 30,000 draws at 1/3: the share is within 0.01 of it (about 3.7 standard deviations).
  StreamRequests s(StreamRequests::Pattern::Random, 30000, 1.0 / 3, 1, 64, 1 << 20);
  double writes = 0;
  for (const DramRequest& r : all_of(s)) writes += r.write ? 1 : 0;
  EXPECT_NEAR(writes / 30000, 1.0 / 3, 0.01);
}

// ---- CLI errors ------------------------------------------------------------------------

TEST(DramCliErrors, UnknownPresetListsTheKnownOnes) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--preset ddr9-9999 --stream seq --requests 10");
  EXPECT_ERR_HAS(r, "ddr9-9999");
  for (const DramTiming& t : dram_presets()) EXPECT_ERR_HAS(r, t.name);
}

TEST(DramCliErrors, MissingPresetListsTheKnownOnes) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--stream seq --requests 10");
  EXPECT_ERR_HAS(r, "--preset is required");
  for (const DramTiming& t : dram_presets()) EXPECT_ERR_HAS(r, t.name);
}

TEST(DramCliErrors, BadMappingGivesTheCoresMessage) {
  TempDir dir;
  for (const char* mapping : {"rochrababgxx", "rochra", "rorochbabgco"}) {
    const CliResult r = run_failing(dir, std::string("--preset ddr4-3200 --stream seq --requests 10 --mapping ") + mapping);
    EXPECT_ERR_HAS(r, mapping);
  }
}

TEST(DramCliErrors, RequestsMustBeAtLeastOne) {
  TempDir dir;
  for (const char* n : {"0", "-3"}) {
    const CliResult r = run_failing(dir, std::string("--preset ddr4-3200 --stream seq --requests=") + n);
    EXPECT_ERR_HAS(r, "--requests must be in 1..", n);
  }
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --stream seq --requests many"), "requests");
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --stream seq"), "--stream needs --requests");
}

TEST(DramCliErrors, ExactlyOneOfTraceAndStream) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0 READ 0\n");
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --requests 10"), "exactly one of --trace", "--stream",
                 "neither");
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --stream seq --requests 10 --trace " + trace),
                 "exactly one of --trace", "both");
}

TEST(DramCliErrors, UnknownStreamPattern) {
  TempDir dir;
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --stream zigzag --requests 10"), "'zigzag'",
                 "allowed: seq, random");
}

TEST(DramCliErrors, StreamOptionsDoNotGoWithATrace) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0 READ 0\n");
  for (const char* option : {"--requests 5", "--seed 3", "--write-ratio 0.5"}) {
    const CliResult r = run_failing(dir, "--preset ddr4-3200 --trace " + trace + " " + option);
    EXPECT_ERR_HAS(r, "goes with --stream");
  }
}

TEST(DramCliErrors, CyclesMustBeAtLeastOne) {
  TempDir dir;
  for (const char* n : {"0", "-1", "10000000001"}) {
    const CliResult r = run_failing(dir, std::string("--preset ddr4-3200 --stream seq --requests 10 --cycles=") + n);
    EXPECT_ERR_HAS(r, "--cycles must be in 1..10000000000", n);
  }
}

TEST(DramCliErrors, WriteRatioOutsideZeroToOne) {
  TempDir dir;
  for (const char* f : {"1.5", "-0.25", "nan"}) {
    const CliResult r =
        run_failing(dir, std::string("--preset ddr4-3200 --stream random --requests 10 --write-ratio=") + f);
    EXPECT_ERR_HAS(r, "--write-ratio must be in [0, 1]");
  }
}

TEST(DramCliErrors, QueueDepthMustBePositive) {
  TempDir dir;
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --stream seq --requests 10 --queue-depth 0"),
                 "--queue-depth must be in 1..");
}

TEST(DramCliErrors, UnreadableTraceNamesTheFile) {
  TempDir dir;
  const std::string missing = dir.file("missing.trc");
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --trace " + shell_quote(missing)), missing);
  fs::create_directory(dir.file("a-directory"));
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --trace " + shell_quote(dir.file("a-directory"))),
                 dir.file("a-directory"));
}

TEST(DramCliErrors, BadTraceLineNamesTheFileAndLine) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0x0 READ 0\n0x40 READ 3\n\n0x80 WRITE 2\n");
  const CliResult r = run_failing(dir, "--preset ddr4-3200 --trace " + trace);
  EXPECT_ERR_HAS(r, dir.file("t.trc") + ":4: cycle 2 is before cycle 3 of the request on line 2");
  const std::string bad = trace_file(dir, "0x0 FETCH 0\n", "bad.trc");
  EXPECT_ERR_HAS(run_failing(dir, "--preset ddr4-3200 --trace " + bad), dir.file("bad.trc") + ":1:",
                 "allowed: READ, WRITE");
}

TEST(DramCliErrors, TheJsonMayNotOverwriteTheTrace) {
  TempDir dir;
  const std::string trace = dir.file("t.trc");
  write_file(trace, "0 READ 0\n");
  const CliResult r = run_cli("dram --preset ddr4-3200 --trace " + shell_quote(trace) + " --json " + shell_quote(trace));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "--json")) << r.err;
  EXPECT_EQ(slurp(trace), "0 READ 0\n");
}

// ---- help ------------------------------------------------------------------------------

TEST(DramCliHelp, ListsEveryOptionAndTheCommand) {
  const CliResult r = run_cli("dram --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* opt : {"--preset", "--mapping", "--queue-depth", "--trace", "--stream", "--requests",
                          "--write-ratio", "--seed", "--cycles", "--json"})
    EXPECT_TRUE(contains(r.out, opt)) << opt;
  EXPECT_TRUE(contains(r.out, "--queue-depth arg (=" + std::to_string(hw::DramCore::kDefaultQueueDepth) + ")"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "--seed arg (=1)")) << r.out;
  EXPECT_TRUE(contains(run_cli("--help").out, "dram"));
}

// ---- the report --------------------------------------------------------------------------

const char* const kKeys[] = {"bandwidth_gbps", "percent_of_peak", "reads", "writes", "row_hit_rate",
                             "avg_read_latency_cycles", "preset", "mapping", "queue_depth", "source", "requests",
                             "requests_entered", "cycles", "peak_gbps", "served_bytes", "row_hits", "row_misses",
                             "row_conflicts", "refreshes"};

TEST(DramReport, JsonHasEveryKeyAndConsistentFigures) {
  TempDir dir;
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const nlohmann::json j = run_json(dir, "--preset ddr4-3200 --stream random --requests 3000 --write-ratio 0.3333333333");
  for (const char* key : kKeys) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.size(), std::size(kKeys));
  EXPECT_EQ(j["preset"], "ddr4-3200");
  EXPECT_EQ(j["requests"], 3000);
  EXPECT_EQ(j["requests_entered"], 3000);
  // Run to idle: every request entered and was served, as one burst.
  const uint64_t reads = j["reads"], writes = j["writes"];
  EXPECT_EQ(reads + writes, 3000u);
  EXPECT_NEAR(static_cast<double>(writes) / 3000, 1.0 / 3, 0.05);
  EXPECT_EQ(j["served_bytes"].get<uint64_t>(), 3000 * burst_bytes(t));
  const double cycles = j["cycles"];
  // Bandwidth: bytes per ns of the run; percent of the preset's peak.
  EXPECT_NEAR(j["bandwidth_gbps"].get<double>(), 3000.0 * burst_bytes_d(t) / (cycles * t.tck_ns), 1e-9);
  EXPECT_NEAR(j["peak_gbps"].get<double>(), peak_gbps(t), 1e-12);
  EXPECT_NEAR(j["percent_of_peak"].get<double>(), 100 * j["bandwidth_gbps"].get<double>() / peak_gbps(t), 1e-9);
  EXPECT_GT(j["percent_of_peak"].get<double>(), 0);
  EXPECT_LE(j["percent_of_peak"].get<double>(), 100);
  // Row outcomes: every burst is a hit, a miss or a conflict.
  EXPECT_EQ(j["row_hits"].get<uint64_t>() + j["row_misses"].get<uint64_t>() + j["row_conflicts"].get<uint64_t>(),
            3000u);
  EXPECT_NEAR(j["row_hit_rate"].get<double>(), j["row_hits"].get<double>() / 3000, 1e-12);
  // A read waits at least for its own RD's tCL and data, after an ACT's tRCD when its
  // row was not open.
  EXPECT_GE(j["avg_read_latency_cycles"].get<double>(), static_cast<double>(read_data_end(t)));
}

TEST(DramReport, TheSameSeedGivesByteIdenticalOutput) {
  TempDir dir;
  const std::string args = "--preset ddr4-3200 --stream random --requests 500 --write-ratio 0.3333 --seed 42";
  CliResult r1, r2;
  run_json(dir, args, &r1);
  const std::string text1 = slurp(dir.file("dram.json"));
  run_json(dir, args, &r2);
  EXPECT_EQ(slurp(dir.file("dram.json")), text1);
  EXPECT_EQ(r1.out, r2.out);
  run_json(dir, "--preset ddr4-3200 --stream random --requests 500 --write-ratio 0.3333 --seed 43");
  EXPECT_NE(slurp(dir.file("dram.json")), text1);
}

TEST(DramReport, TheTableGoesToStandardOutputAndJsonDashToo) {
  TempDir dir;
  const CliResult table = run_cli("dram --preset ddr4-3200 --stream seq --requests 64");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(contains_all(table.out, {"bandwidth", "GB/s", "of peak", "row-buffer hit rate", "average read latency",
                                       "reads served", "writes served"}));
  const CliResult dash = run_cli("dram --preset ddr4-3200 --stream seq --requests 64 --json -");
  ASSERT_EQ(dash.exit_code, 0) << dash.err;
  const nlohmann::json j = nlohmann::json::parse(dash.out);
  EXPECT_EQ(j["reads"], 64);
  EXPECT_EQ(dash.err, table.out);
}

TEST(DramReport, ACycleLimitRunsExactlyThatLong) {
  TempDir dir;
  const DramTiming& t = find_dram_preset("ddr4-3200");
  // 20,000 sequential reads need at least 20,000 x BL/2 = 80,000 cycles of data: cut at 5,000.
  const nlohmann::json j = run_json(dir, "--preset ddr4-3200 --stream seq --requests 20000 --cycles 5000");
  EXPECT_EQ(j["cycles"], 5000);
  const uint64_t reads = j["reads"];
  EXPECT_GT(reads, 0u);
  EXPECT_LT(reads, 20000u);
  EXPECT_LE(reads * static_cast<uint64_t>(t.burst_length / 2), 5000u);  // the bus carried at most that
  EXPECT_EQ(j["writes"], 0);
  EXPECT_LE(j["requests_entered"].get<uint64_t>(), 5000u);  // at most one request enters per cycle
  EXPECT_NEAR(j["bandwidth_gbps"].get<double>(), static_cast<double>(reads) * burst_bytes_d(t) / (5000 * t.tck_ns), 1e-9);
  // A limit beyond the end of the work: the run idles on to it.
  const nlohmann::json k = run_json(dir, "--preset ddr4-3200 --stream seq --requests 10 --cycles 100000");
  EXPECT_EQ(k["cycles"], 100000);
  EXPECT_EQ(k["reads"], 10);
  EXPECT_NEAR(k["bandwidth_gbps"].get<double>(), 10.0 * burst_bytes_d(t) / (100000 * t.tck_ns), 1e-9);
}

TEST(DramReport, EveryPresetServesASequentialAndARandomMix) {
  TempDir dir;
  for (const DramTiming& t : dram_presets()) {
    SCOPED_TRACE(t.name);
    for (const char* stream : {"seq", "random"}) {
      const nlohmann::json j =
          run_json(dir, "--preset " + t.name + " --stream " + stream + " --requests 600 --write-ratio 0.3333333333");
      EXPECT_EQ(j["reads"].get<uint64_t>() + j["writes"].get<uint64_t>(), 600u);
      EXPECT_GT(j["percent_of_peak"].get<double>(), 0);
      EXPECT_LE(j["percent_of_peak"].get<double>(), 100);
    }
  }
}

// ---- closed forms that hold for any correct DRAM model ------------------------------------

// One READ at cycle 0 to a closed bank (every bank starts closed): it enters at cycle 0,
// the ACT issues at 0, the RD tRCD later, its data ends tCL + BL/2 after the RD. So its
// latency is tRCD + tCL + BL/2 exactly, it is a row miss, and the core is idle (every
// burst's data has ended, dram_core.h) right then, so the run lasts that many cycles.
TEST(DramClosedForm, OneReadToAClosedBankOnEveryPreset) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0x0 READ 0\n");
  for (const DramTiming& t : dram_presets()) {
    SCOPED_TRACE(t.name);
    const nlohmann::json j = run_json(dir, "--preset " + t.name + " --trace " + trace);
    const double latency = t.tRCD + t.tCL + t.burst_length / 2;
    EXPECT_EQ(j["avg_read_latency_cycles"].get<double>(), latency);
    EXPECT_EQ(j["reads"], 1);
    EXPECT_EQ(j["writes"], 0);
    EXPECT_EQ(j["row_hit_rate"].get<double>(), 0.0);
    EXPECT_EQ(j["row_misses"], 1);
    EXPECT_EQ(j["cycles"].get<double>(), latency);
    EXPECT_NEAR(j["bandwidth_gbps"].get<double>(), burst_bytes_d(t) / (latency * t.tck_ns), 1e-9);
  }
}

// The same read arriving at cycle 1000 (no refresh is due before tREFI = 12480 on
// DDR4-3200): the core idles until then, and the read takes as long as at cycle 0.
TEST(DramClosedForm, AReadLaterInTheTraceStartsAtItsCycle) {
  TempDir dir;
  const DramTiming& t = find_dram_preset("ddr4-3200");
  ASSERT_GT(t.tREFI, 1100);
  const nlohmann::json j = run_json(dir, "--preset ddr4-3200 --trace " + trace_file(dir, "0x0 READ 1000\n"));
  const double latency = t.tRCD + t.tCL + t.burst_length / 2;
  EXPECT_EQ(j["avg_read_latency_cycles"].get<double>(), latency);
  EXPECT_EQ(j["cycles"].get<double>(), 1000 + latency);
}

// The longest idle stretch a trace may hold (to kMaxDramTraceCycle) is skipped, refresh
// by refresh, on the preset with the most channels and the shortest refresh interval;
// the run ends after the last read's data, and quickly (well within the test timeout).
TEST(DramReport, TheLongestIdleStretchIsSkipped) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0 READ 0\n40 READ " + std::to_string(kMaxDramTraceCycle) + "\n");
  const nlohmann::json j = run_json(dir, "--preset hbm2 --trace " + trace);
  EXPECT_EQ(j["reads"], 2);
  EXPECT_GT(j["cycles"].get<uint64_t>(), kMaxDramTraceCycle);
  EXPECT_GT(j["refreshes"].get<uint64_t>(), 0u);
}

// A burst counts only when its data has ended within the run: the single read above is
// served by --cycles tRCD + tCL + BL/2 (its data ends then), not by one cycle less.
TEST(DramClosedForm, AReadIsServedWhenItsDataHasEnded) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0x0 READ 0\n");
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const int end = t.tRCD + t.tCL + t.burst_length / 2;
  const nlohmann::json served = run_json(dir, "--preset ddr4-3200 --cycles " + std::to_string(end) + " --trace " + trace);
  EXPECT_EQ(served["reads"], 1);
  EXPECT_EQ(served["avg_read_latency_cycles"].get<double>(), end);
  const nlohmann::json early =
      run_json(dir, "--preset ddr4-3200 --cycles " + std::to_string(end - 1) + " --trace " + trace);
  EXPECT_EQ(early["reads"], 0);
  EXPECT_EQ(early["bandwidth_gbps"].get<double>(), 0.0);
  EXPECT_EQ(early["avg_read_latency_cycles"].get<double>(), 0.0);
  EXPECT_EQ(early["requests_entered"], 1);
}

// One WRITE at cycle 0: ACT at 0, WR at tRCD, its data ends tCWL + BL/2 later.
TEST(DramClosedForm, AWriteIsServedWhenItsDataHasEnded) {
  TempDir dir;
  const std::string trace = trace_file(dir, "0x0 WRITE 0\n");
  const DramTiming& t = find_dram_preset("ddr4-3200");
  ASSERT_EQ(t.tCWL, 16);  // DRAMsim3 configs/DDR4_8Gb_x8_3200.ini: CWL = 16
  const int end = t.tRCD + t.tCWL + t.burst_length / 2;
  const nlohmann::json served = run_json(dir, "--preset ddr4-3200 --cycles " + std::to_string(end) + " --trace " + trace);
  EXPECT_EQ(served["writes"], 1);
  EXPECT_EQ(served["reads"], 0);
  EXPECT_EQ(served["avg_read_latency_cycles"].get<double>(), 0.0);
  const nlohmann::json early =
      run_json(dir, "--preset ddr4-3200 --cycles " + std::to_string(end - 1) + " --trace " + trace);
  EXPECT_EQ(early["writes"], 0);
  const nlohmann::json idle = run_json(dir, "--preset ddr4-3200 --trace " + trace);
  EXPECT_EQ(idle["writes"], 1);
}

// Two reads 64 B apart in one row of one bank on DDR4-3200 with DRAMsim3's mapping
// rochrababgco (column bits right above the burst offset, so both are in the same bank
// and bank group). They enter at cycles 0 and 1 (one request per cycle). Timings from
// DRAMsim3 configs/DDR4_8Gb_x8_3200.ini: tRCD = CL = 22, BL = 8, tCCD_L = 8.
//   ACT at 0; first RD at tRCD = 22, data 44..48: latency 48 - 0 = 48.
//   second RD at max(22 + tCCD_L, tRCD) = 30 (same bank group; the row is open), data
//   52..56, after the first's: latency 56 - 1 = 55.
// Average (48 + 55) / 2 = 51.5; one miss, one hit.
TEST(DramClosedForm, TwoReadsInOneRowOfOneBankGroupAreTccdLApart) {
  TempDir dir;
  const DramTiming& t = find_dram_preset("ddr4-3200");
  ASSERT_EQ(t.tRCD, 22);
  ASSERT_EQ(t.tCL, 22);
  ASSERT_EQ(t.burst_length, 8);
  ASSERT_EQ(t.tCCD_L, 8);
  const nlohmann::json j = run_json(
      dir, "--preset ddr4-3200 --mapping rochrababgco --trace " + trace_file(dir, "0x0 READ 0\n0x40 READ 0\n"));
  EXPECT_EQ(j["reads"], 2);
  EXPECT_EQ(j["avg_read_latency_cycles"].get<double>(), 51.5);
  EXPECT_EQ(j["row_hit_rate"].get<double>(), 0.5);
  EXPECT_EQ(j["cycles"], 56);
}

}  // namespace
}  // namespace itera
