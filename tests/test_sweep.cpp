// `itera sweep`: the sweep file parser and point configs in process, and the command
// end to end (its workers are forks of it running `itera simulate`), checked against
// separate `itera simulate` runs, the cartesian order written out here, and file bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "accel_config_reader.h"
#include "error.h"
#include "report_fields.h"
#include "sim_report.h"
#include "sweep_report.h"
#include "sweep_spec.h"
#include "test_support.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_cli;
using testing::TempDir;

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) { return fs::exists(path); }

// One small GEMM: every point simulates in a few milliseconds. On the default 32 x 32
// array the smallest 8-bit weight tile is 32 x 32 codes + 32 F16 scales = 1088 bytes.
const char* const kTrace =
    "itera-trace 1\n"
    "fc dense 64 256 256 8 8 0 0 1 - -\n";
constexpr long long kMacs = 64LL * 256 * 256;

// RFC 4180 rows (no embedded newlines in these files).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

// The first whitespace-separated word of a table row.
std::string split_ws_first(const std::string& line) {
  std::istringstream in(line);
  std::string word;
  in >> word;
  return word;
}

// Column name -> value for each data row.
std::vector<std::map<std::string, std::string>> csv_records(const std::string& text) {
  const auto rows = parse_csv(text);
  std::vector<std::map<std::string, std::string>> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> rec;
    EXPECT_EQ(rows[r].size(), rows[0].size()) << "row " << r;
    for (size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c) rec[rows[0][c]] = rows[r][c];
    out.push_back(rec);
  }
  return out;
}

const char* const kMetricHeader =
    "status,total_cycles,compute_cycles,stall_cycles,macs,pe_utilization,latency_us,dram_read_bytes,"
    "dram_write_bytes,dram_bandwidth_percent,pes,error";

struct Sweep {
  testing::CliResult run;
  std::string csv;  // results.csv, empty if not written
};

Sweep sweep(const TempDir& dir, const std::string& sweep_yaml, const std::string& out, const std::string& extra = "") {
  write(dir.file("sweep.yaml"), sweep_yaml);
  Sweep s;
  s.run = run_cli("sweep --sweep '" + dir.file("sweep.yaml") + "' --out '" + dir.file(out) + "' " + extra);
  const std::string csv = dir.file(out) + "/results.csv";
  if (exists(csv)) s.csv = slurp(csv);
  return s;
}

// `itera simulate` on its own, with a config written here.
json simulate(const TempDir& dir, const std::string& config_yaml) {
  write(dir.file("alone.yaml"), config_yaml);
  const auto r = run_cli("simulate '" + dir.file("t.trace") + "' --config '" + dir.file("alone.yaml") +
                         "' --fidelity fast --no-timing --json '" + dir.file("alone.json") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(slurp(dir.file("alone.json"))) : json();
}

// --- the sweep file, in process -------------------------------------------------------

TEST(SweepSpec, PointsAreTheCartesianProductLastKeyFastest) {
  const sweep::SweepSpec spec = sweep::parse_sweep_spec(
      "grid:\n  array.rows: [8, 16, 32]\n  array.dataflow: [ws, os]\n  memory.dram: [hbm2, ddr4-2400]\n", "mem.yaml");
  ASSERT_EQ(spec.point_count(), 12u);
  const int rows[] = {8, 16, 32};
  const Dataflow flows[] = {Dataflow::WeightStationary, Dataflow::OutputStationary};
  const char* drams[] = {"hbm2", "ddr4-2400"};
  size_t i = 0;
  for (int r : rows)
    for (Dataflow f : flows)
      for (const char* d : drams) {
        SCOPED_TRACE(i);
        const AccelConfig c = parse_accel_config(sweep::point_config_yaml(spec, i, "# header\n"), "point");
        EXPECT_EQ(c.array.rows, r);
        EXPECT_EQ(c.array.dataflow, f);
        EXPECT_EQ(c.memory.dram.name, d);
        EXPECT_EQ(c.array.cols, 32);  // the default, untouched
        EXPECT_EQ(c.buffers.output.kb, 128);
        ++i;
      }
  EXPECT_EQ(spec.label(7), "array.rows=16 array.dataflow=os memory.dram=ddr4-2400");
  EXPECT_EQ(sweep::point_config_yaml(spec, 3, "# x\n").rfind("# x\n", 0), 0u);
}

TEST(SweepSpec, BaseAndTraceAreRelativeToTheSweepFile) {
  TempDir dir;
  fs::create_directories(dir.file("sweeps"));
  write(dir.file("sweeps/base.yaml"), "array: {cols: 8, timing: classic}\nbuffers:\n  input: {kb: 64}\n");
  const sweep::SweepSpec spec = sweep::parse_sweep_spec(
      "trace: ../t.trace\nbase: base.yaml\nfidelity: cycle\ngrid:\n  buffers.input.banks: [2, 4]\n",
      dir.file("sweeps/s.yaml"));
  EXPECT_EQ(fs::weakly_canonical(spec.trace), fs::weakly_canonical(dir.file("t.trace")));
  EXPECT_EQ(spec.fidelity, "cycle");
  const AccelConfig c = parse_accel_config(sweep::point_config_yaml(spec, 1, ""), "point");
  EXPECT_EQ(c.array.cols, 8);
  EXPECT_EQ(c.array.timing, ArrayTiming::Classic);
  EXPECT_EQ(c.buffers.input.kb, 64);
  EXPECT_EQ(c.buffers.input.banks, 4);
  EXPECT_EQ(c.array.rows, 32);
}

TEST(SweepSpec, TheSampleSweepFileHas18Points) {
  const sweep::SweepSpec spec = sweep::load_sweep_spec(std::string(ITERA_SOURCE_DIR) + "/configs/sweep-array.yaml");
  ASSERT_EQ(spec.grid.size(), 3u);
  EXPECT_EQ(spec.grid[0].key, "array.rows");
  EXPECT_EQ(spec.grid[1].key, "array.cols");
  EXPECT_EQ(spec.grid[2].key, "array.dataflow");
  EXPECT_EQ(spec.point_count(), 18u);
  EXPECT_EQ(spec.label(17), "array.rows=64 array.cols=64 array.dataflow=os");
}

std::string spec_error(const std::string& text) {
  try {
    sweep::parse_sweep_spec(text, "s.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepSpec, ValuesKeepTheirYamlTypes) {
  // A quoted number is a string, which an integer key rejects, as in a config file.
  EXPECT_NE(spec_error("grid:\n  array.rows: [16, \"32\"]\n").find("s.yaml:2: grid key 'array.rows'"),
            std::string::npos);
  EXPECT_NE(spec_error("grid:\n  memory.ideal: [true, yes]\n").find("true or false"), std::string::npos);
  // Strings that need quoting in YAML survive the round trip through the point config.
  const sweep::SweepSpec spec = sweep::parse_sweep_spec("grid:\n  clock_mhz: [1e3, 250.5]\n", "s.yaml");
  EXPECT_EQ(parse_accel_config(sweep::point_config_yaml(spec, 0, ""), "p").clock_mhz, 1000);
  EXPECT_EQ(parse_accel_config(sweep::point_config_yaml(spec, 1, ""), "p").clock_mhz, 250.5);
}

TEST(SweepSpec, StructuralErrorsNameFileLineAndKey) {
  struct Case {
    const char* text;
    std::vector<std::string> expected;
  };
  const Case cases[] = {
      {"grid:\n  array.rows: [8]\n  array.rows: [16]\n", {"s.yaml:3:", "'array.rows' is given twice"}},
      {"grid:\n  array: [8]\n", {"s.yaml:2:", "array.rows, array.cols"}},
      {"grid:\n  array.rows.x: [8]\n", {"s.yaml:2:", "array.rows.x"}},
      {"grid:\n  array..rows: [8]\n", {"s.yaml:2:", "array..rows"}},
      {"grid:\n  array.rows: [8, {a: 1}]\n", {"s.yaml:2:", "array.rows", "single value"}},
      {"grid:\n  array.rows:\n    - 8\n    - 16\n    - 8\n", {"s.yaml:5:", "'8' twice (first on line 3)"}},
      {"grid: {}\n", {"s.yaml:1:", "grid"}},
      {"trace: t\n", {"s.yaml: no 'grid'"}},
      {"fidelity: slow\ngrid:\n  array.rows: [8]\n", {"s.yaml:1:", "fast or cycle"}},
      {"base: missing.yaml\ngrid:\n  array.rows: [8]\n", {"s.yaml:1:", "missing.yaml"}},
      {"grid:\n  array.rows: [8\n", {"s.yaml:", "YAML syntax error"}},
  };
  for (const Case& c : cases) {
    const std::string message = spec_error(c.text);
    for (const std::string& e : c.expected) EXPECT_NE(message.find(e), std::string::npos) << c.text << "\n" << message;
  }
}

// Values are compared as the config reads them: one design point is not simulated
// twice under two spellings.
TEST(SweepSpec, ValuesEqualAsTheConfigReadsThemAreDuplicates) {
  struct Case {
    const char* text;
    std::vector<std::string> expected;
  };
  const Case cases[] = {
      {"grid:\n  clock_mhz: [100, 100.0, 1e2]\n",
       {"s.yaml:2:", "grid key 'clock_mhz'", "same value twice", "'100.0' and '100'", "equal numbers"}},
      {"grid:\n  clock_mhz:\n    - 250\n    - 500\n    - 2.5e2\n",
       {"s.yaml:5:", "'2.5e2' and '250' (first on line 3)"}},
      {"grid:\n  memory.ideal: [true, false, True]\n", {"s.yaml:2:", "memory.ideal", "'True' and 'true'"}},
      {"grid:\n  memory.dram: [hbm2, \"hbm2\"]\n", {"s.yaml:2:", "memory.dram", "'hbm2' twice"}},
      // A leading zero is refused outright (YAML 1.1 would read 016 as octal 14).
      {"grid:\n  array.rows: [16, 016]\n",
       {"s.yaml:2:", "grid key 'array.rows'", "016", "may not start with a zero", "write 16"}},
  };
  for (const Case& c : cases) {
    const std::string message = spec_error(c.text);
    for (const std::string& e : c.expected) EXPECT_NE(message.find(e), std::string::npos) << c.text << "\n" << message;
  }
  // Different numbers are different points, however written.
  const sweep::SweepSpec spec = sweep::parse_sweep_spec("grid:\n  clock_mhz: [1e2, 100.5, 0.5e3]\n", "s.yaml");
  EXPECT_EQ(spec.point_count(), 3u);
}

TEST(SweepSpec, AGridMayHaveAMillionPoints) {
  const std::string six_keys =
      "  array.rows: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  array.cols: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
      "  pe.native_bits: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n  buffers.input.kb: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
      "  buffers.weight.kb: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  const sweep::SweepSpec spec =
      sweep::parse_sweep_spec("grid:\n" + six_keys + "  clock_mhz: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", "s.yaml");
  EXPECT_EQ(spec.point_count(), sweep::kMaxSweepPoints);
  EXPECT_EQ(spec.point_count(), 1000000u);
  EXPECT_EQ(spec.label(999999),
            "array.rows=10 array.cols=10 pe.native_bits=11 buffers.input.kb=10 buffers.weight.kb=10 clock_mhz=10");
  const std::string message = spec_error("grid:\n" + six_keys + "  clock_mhz: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n");
  EXPECT_NE(message.find("s.yaml: the grid (10 x 10 x 10 x 10 x 10 x 11) has more than 1000000 points"),
            std::string::npos)
      << message;
}

TEST(SweepSpec, PointConfigsParseTheBaseOnceAndMatchPointConfigYaml) {
  const sweep::SweepSpec spec = sweep::parse_sweep_spec(
      "grid:\n  array.rows: [8, 16, 32]\n  array.dataflow: [ws, os]\n  memory.dram: [hbm2, ddr4-2400]\n", "s.yaml");
  const sweep::PointConfigs configs(spec);
  for (size_t i = 0; i < spec.point_count(); ++i)
    EXPECT_EQ(configs.yaml(i, "# h\n"), sweep::point_config_yaml(spec, i, "# h\n")) << i;
}

TEST(SweepSpec, CsvFieldsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(sweep::csv_field("ws"), "ws");
  EXPECT_EQ(sweep::csv_field("a, b"), "\"a, b\"");
  EXPECT_EQ(sweep::csv_field("say \"x\""), "\"say \"\"x\"\"\"");
  EXPECT_EQ(sweep::csv_field("a\nb"), "\"a\nb\"");
}

// --- the results, in process ------------------------------------------------------------

TEST(SweepReport, MetricKeysAreReportTotalsInTheJson) {
  ASSERT_EQ(sweep::metric_fields().size(), sweep::metric_keys().size());
  for (size_t i = 0; i < sweep::metric_keys().size(); ++i) {
    const std::string& key = sweep::metric_keys()[i];
    const TotalField* f = find_total_field(key);
    ASSERT_NE(f, nullptr) << "'" << key << "' is not a field of the simulate report's totals";
    EXPECT_TRUE(f->in_json()) << key;
    EXPECT_NE(f->kind, FieldKind::Text) << key;
    EXPECT_EQ(sweep::metric_fields()[i], f);
  }
  // results.csv's header is the keys in their order.
  std::string header;
  for (const std::string& key : sweep::metric_keys()) header += key + ",";
  EXPECT_EQ(std::string(kMetricHeader), "status," + header + "error");
}

// A report with figures of every kind, as `itera simulate` writes it.
json sample_report() {
  SimReport r;
  r.source = "test";
  r.fidelity = "fast";
  r.dram = "ddr4-3200";
  r.clock_mhz = 1000;
  r.pes = 256;
  r.total_cycles = 5359476;
  r.compute_cycles = 5311728;
  r.stall_cycles = 47748;
  r.macs = 84934656;
  r.pe_utilization = 0.061904612345;
  r.latency_us = 5359.476;
  r.dram_read_bytes = 85183488;
  r.dram_write_bytes = 82944;
  r.dram_bw_percent = 62.14641234;
  return sim_json(r);
}

TEST(SweepReport, ResultsCsvWritesIntegersAsIntegersAndRealsWith6Digits) {
  const sweep::SweepSpec spec = sweep::parse_sweep_spec("grid:\n  array.rows: [8, 16]\n", "s.yaml");
  const json report = sample_report();
  // Read back from the JSON text, as the sweep reads a worker's report.
  std::vector<sweep::PointResult> results = {sweep::result_from_report(json::parse(report.dump(2)))};
  results.push_back({});
  results[1].error = "boom, it failed";
  ASSERT_TRUE(results[0].ok);
  EXPECT_EQ(results[0].report.total_cycles, 5359476);
  EXPECT_EQ(sweep::results_csv(spec, results),
            std::string("point,array.rows,") + kMetricHeader +
                "\n"
                "0,8,ok,5359476,5311728,47748,84934656,0.0619046,5359.48,85183488,82944,62.1464,256,\n"
                "1,16,error,,,,,,,,,,,\"boom, it failed\"\n");
}

// The sweep feeds points as they finish, in any order, and keeps only the best few.
TEST(SweepReport, BestPointsFedInAnyOrderGiveTheSameTable) {
  const sweep::SweepSpec spec = sweep::parse_sweep_spec("grid:\n  array.rows: [1, 2, 3, 4, 5, 6, 7, 8]\n", "s.yaml");
  const long long cycles[] = {50, 20, 70, 20, 10, 90, 30, 20};
  std::vector<sweep::PointResult> results(8);
  for (size_t i = 0; i < 8; ++i) {
    results[i].ok = i != 4;  // the fewest cycles, but failed
    results[i].report.total_cycles = cycles[i];
    results[i].report.latency_us = static_cast<double>(cycles[i]) / 1000;
  }
  const std::string table = sweep::best_points_table(spec, results, 3);
  sweep::BestPoints best(3);
  for (size_t i : {7u, 2u, 4u, 0u, 3u, 6u, 1u, 5u}) best.add(i, results[i]);
  EXPECT_EQ(best.table(spec), table);
  EXPECT_EQ(best.successful(), 7u);
  // Ties in cycles go to the lower point: 1, 3 and 7 have 20 cycles.
  const auto rows = parse_csv(table.substr(table.find('\n') + 1));
  ASSERT_GE(rows.size(), 4u);
  EXPECT_NE(table.find("best 3 of 7 successful points"), std::string::npos) << table;
  std::vector<std::string> order;
  for (size_t r = 1; r < rows.size(); ++r) order.push_back(split_ws_first(rows[r][0]));
  EXPECT_EQ(order, (std::vector<std::string>{"1", "3", "7"})) << table;
}

TEST(SweepReport, AReportWithoutAFigureNamesIt) {
  json report = sample_report();
  report.erase("macs");
  try {
    sweep::result_from_report(report);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "the simulate report has no 'macs'");
  }
  report = sample_report();
  report["pes"] = "256";
  EXPECT_THROW(sweep::result_from_report(report), Error);
}

// --- the command ---------------------------------------------------------------------

TEST(SweepCli, RowsFollowTheGridAndMatchSeparateSimulateRuns) {
  TempDir dir;
  write(dir.file("t.trace"), kTrace);
  const Sweep s = sweep(dir, "trace: t.trace\ngrid:\n  array.rows: [8, 16, 32]\n  array.dataflow: [ws, os]\n", "out");
  ASSERT_EQ(s.run.exit_code, 0) << s.run.err;
  const auto lines = parse_csv(s.csv);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(s.csv.substr(0, s.csv.find('\n')), std::string("point,array.rows,array.dataflow,") + kMetricHeader);
  const auto rows = csv_records(s.csv);
  ASSERT_EQ(rows.size(), 6u);
  const int array_rows[] = {8, 16, 32};
  const char* flows[] = {"ws", "os"};
  for (size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    const int r = array_rows[i / 2];
    EXPECT_EQ(rows[i].at("point"), std::to_string(i));
    EXPECT_EQ(rows[i].at("array.rows"), std::to_string(r));
    EXPECT_EQ(rows[i].at("array.dataflow"), flows[i % 2]);
    EXPECT_EQ(rows[i].at("status"), "ok");
    EXPECT_EQ(rows[i].at("error"), "");
    EXPECT_EQ(rows[i].at("macs"), std::to_string(kMacs));
    EXPECT_EQ(rows[i].at("pes"), std::to_string(r * 32));
    EXPECT_TRUE(exists(dir.file("out/points/" + std::string(3, '0') + std::to_string(i) + ".json")));
  }
  // Three points again, each with `itera simulate` and a config written here.
  for (size_t i : {1u, 2u, 4u}) {
    SCOPED_TRACE(i);
    const json alone =
        simulate(dir, "array: {rows: " + std::to_string(array_rows[i / 2]) + ", dataflow: " + flows[i % 2] + "}\n");
    ASSERT_TRUE(alone.contains("total_cycles"));
    EXPECT_EQ(rows[i].at("total_cycles"), std::to_string(alone["total_cycles"].get<long long>()));
    EXPECT_EQ(rows[i].at("compute_cycles"), std::to_string(alone["compute_cycles"].get<long long>()));
    EXPECT_EQ(rows[i].at("dram_read_bytes"), std::to_string(alone["dram_read_bytes"].get<long long>()));
  }
  // Different points differ (the grid values reached the workers).
  EXPECT_NE(rows[0].at("total_cycles"), rows[4].at("total_cycles"));
  EXPECT_NE(s.run.out.find("best 5 of 6"), std::string::npos) << s.run.out;
  EXPECT_NE(s.run.out.find(dir.file("out") + "/results.csv"), std::string::npos) << s.run.out;
}

TEST(SweepCli, ResultsDoNotDependOnTheJobCount) {
  TempDir dir;
  write(dir.file("t.trace"), kTrace);
  const std::string grid =
      "trace: t.trace\ngrid:\n  array.cols: [16, 32]\n  array.dataflow: [ws, os]\n  buffers.weight.kb: [1, 64]\n";
  const Sweep one = sweep(dir, grid, "one", "--jobs 1");
  const Sweep three = sweep(dir, grid, "three", "--jobs 3");
  ASSERT_EQ(one.run.exit_code, 0) << one.run.err;
  ASSERT_EQ(three.run.exit_code, 0) << three.run.err;
  EXPECT_EQ(csv_records(one.csv).size(), 8u);
  EXPECT_NE(one.csv.find(",error,"), std::string::npos);  // the failing rows are compared too
  EXPECT_EQ(one.csv, three.csv);
  for (const std::string jobs : {"0", "257"}) {
    const Sweep bad = sweep(dir, grid, "bad", "--jobs " + jobs);
    EXPECT_EQ(bad.run.exit_code, 1);
    EXPECT_NE(bad.run.err.find("--jobs must be in 1..256 (got " + jobs + ")"), std::string::npos) << bad.run.err;
    EXPECT_FALSE(exists(dir.file("bad"))) << "nothing may be written";
  }
}

std::map<std::string, fs::file_time_type> json_times(const std::string& points) {
  std::map<std::string, fs::file_time_type> t;
  for (const auto& e : fs::directory_iterator(points))
    if (e.path().extension() == ".json") t[e.path().filename().string()] = e.last_write_time();
  return t;
}

TEST(SweepCli, ResumesAndRecomputesOnlyChangedPoints) {
  TempDir dir;
  write(dir.file("t.trace"), kTrace);
  const std::string grid = "trace: t.trace\ngrid:\n  array.rows: [8, 16, 32]\n  array.dataflow: [ws, os]\n";
  const Sweep first = sweep(dir, grid, "out");
  ASSERT_EQ(first.run.exit_code, 0) << first.run.err;
  EXPECT_NE(first.run.out.find("6 simulated, 0 reused"), std::string::npos) << first.run.out;

  // One report lost (as if the sweep had been killed): only that point runs again.
  fs::remove(dir.file("out/points/0003.json"));
  const auto before = json_times(dir.file("out/points"));
  const Sweep resumed = sweep(dir, grid, "out");
  ASSERT_EQ(resumed.run.exit_code, 0) << resumed.run.err;
  EXPECT_NE(resumed.run.out.find("1 simulated, 5 reused"), std::string::npos) << resumed.run.out;
  EXPECT_EQ(resumed.csv, first.csv);
  auto after = json_times(dir.file("out/points"));
  EXPECT_TRUE(after.count("0003.json"));
  after.erase("0003.json");
  EXPECT_EQ(after, before);

  // One grid value changed: the two points with rows 16 become rows 24, the rest are reused.
  const Sweep changed =
      sweep(dir, "trace: t.trace\ngrid:\n  array.rows: [8, 24, 32]\n  array.dataflow: [ws, os]\n", "out");
  ASSERT_EQ(changed.run.exit_code, 0) << changed.run.err;
  EXPECT_NE(changed.run.out.find("2 simulated, 4 reused"), std::string::npos) << changed.run.out;
  const auto old_rows = csv_records(first.csv), new_rows = csv_records(changed.csv);
  ASSERT_EQ(new_rows.size(), 6u);
  for (size_t i : {0u, 1u, 4u, 5u}) EXPECT_EQ(new_rows[i], old_rows[i]) << i;
  EXPECT_EQ(new_rows[2].at("array.rows"), "24");
  EXPECT_EQ(new_rows[2].at("pes"), std::to_string(24 * 32));
  const json alone = simulate(dir, "array: {rows: 24, dataflow: os}\n");
  EXPECT_EQ(new_rows[3].at("total_cycles"), std::to_string(alone["total_cycles"].get<long long>()));

  // A different trace invalidates every point.
  write(dir.file("t.trace"), std::string(kTrace) + "fc2 dense 64 256 64 8 8 0 0 1 fc -\n");
  const Sweep retraced =
      sweep(dir, "trace: t.trace\ngrid:\n  array.rows: [8, 24, 32]\n  array.dataflow: [ws, os]\n", "out");
  ASSERT_EQ(retraced.run.exit_code, 0) << retraced.run.err;
  EXPECT_NE(retraced.run.out.find("6 simulated, 0 reused"), std::string::npos) << retraced.run.out;
  EXPECT_EQ(csv_records(retraced.csv)[0].at("macs"), std::to_string(kMacs + 64LL * 256 * 64));
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// What a sweep killed outright (SIGKILL, a power cut) leaves: temp files of writes cut
// short, an empty stderr file of a point whose worker finished as the sweep died, the
// config and stderr file of a point whose worker did not finish. A resume removes them.
TEST(SweepCli, AResumeRemovesWhatAKilledSweepLeft) {
  TempDir dir;
  write(dir.file("t.trace"), kTrace);
  const std::string grid = "trace: t.trace\ngrid:\n  array.dataflow: [ws, os, is]\n";
  const Sweep first = sweep(dir, grid, "out");
  ASSERT_EQ(first.run.exit_code, 0) << first.run.err;
  const std::vector<std::string> clean = listing(dir.file("out/points"));
  EXPECT_EQ(clean, (std::vector<std::string>{"0000.json", "0000.yaml", "0001.json", "0001.yaml", "0002.json",
                                             "0002.yaml"}));
  const std::string report2 = slurp(dir.file("out/points/0002.json"));
  write(dir.file("out/points/0001.err"), "");
  write(dir.file("out/points/0002.json.tmp.4242"), "{\"total_cyc");
  write(dir.file("out/points/0000.yaml.tmp.77"), "# itera sweep");
  write(dir.file("out/results.csv.tmp.99"), "point,");
  fs::remove(dir.file("out/points/0002.json"));
  write(dir.file("out/points/0002.err"), "");
  write(dir.file("out/points/notes.txt"), "not the sweep's");

  const Sweep resumed = sweep(dir, grid, "out");
  ASSERT_EQ(resumed.run.exit_code, 0) << resumed.run.err;
  EXPECT_NE(resumed.run.out.find("1 simulated, 2 reused, 0 failed"), std::string::npos) << resumed.run.out;
  EXPECT_EQ(resumed.csv, first.csv);
  std::vector<std::string> expected = clean;
  expected.push_back("notes.txt");  // files the sweep did not write are left alone
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listing(dir.file("out/points")), expected);
  EXPECT_EQ(listing(dir.file("out")), (std::vector<std::string>{"points", "results.csv"}));
  EXPECT_EQ(slurp(dir.file("out/points/0002.json")), report2);
}

TEST(SweepCli, BadSweepFilesFailBeforeAnythingRuns) {
  TempDir dir;
  write(dir.file("t.trace"), kTrace);
  struct Case {
    std::string text;
    std::vector<std::string> expected;
  };
  const std::string file = dir.file("sweep.yaml");
  const Case cases[] = {
      {"trace: t.trace\ngrid:\n  array.rows: [8]\n  array.colums: [16]\n",
       {file + ":4:", "array.colums", "rows, ", "cols"}},
      {"trace: t.trace\ngrid:\n  array.rows: []\n", {file + ":3:", "array.rows", "non-empty list"}},
      {"trace: t.trace\ngrid:\n  array.rows: 16\n", {file + ":3:", "array.rows", "non-empty list", "'16'"}},
      {"trace: t.trace\ngrid:\n  array.rows: [8]\n  array.dataflow:\n    - ws\n    - xx\n",
       {file + ":6:", "array.dataflow", "'xx'", "ws, os, is"}},
      {"trace: t.trace\ngrid:\n  array.rows: [8, 0]\n", {file + ":3:", "array.rows", "1..4096"}},
      {"trace: t.trace\ngrid:\n  memory.dram: [hbm2, ddr5]\n", {file + ":3:", "memory.dram", "ddr5", "lpddr4-3200"}},
      {"trace: t.trace\ngrid:\n  array.rows: [8, 8]\n", {file + ":3:", "twice"}},
      {"trace: t.trace\ngrdi:\n  array.rows: [8]\n",
       {file + ":2:", "unknown key 'grdi'", "trace, base, fidelity, grid"}},
      {"grid:\n  array.rows: [8]\n", {file + ":", "no trace", "--trace"}},
      {"trace: missing.trace\ngrid:\n  array.rows: [8]\n", {"missing.trace"}},
      {"trace: t.trace\ngrid:\n"
       "  array.rows: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  array.cols: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
       "  clock_mhz: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n  pe.native_bits: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n"
       "  buffers.input.kb: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  buffers.weight.kb: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n",
       {file + ":", "(10 x 10 x 11 x 10 x 10 x 10)", "more than 1000000 points"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Sweep s = sweep(dir, c.text, "out");
    EXPECT_EQ(s.run.exit_code, 1);
    for (const std::string& e : c.expected) EXPECT_NE(s.run.err.find(e), std::string::npos) << e << "\n" << s.run.err;
    EXPECT_FALSE(exists(dir.file("out"))) << "nothing may be written";
  }
}

TEST(SweepCli, AFailingPointIsRecordedAndTheSweepGoesOn) {
  TempDir dir;
  write(dir.file("t.trace"), kTrace);
  // 1 KiB double-buffered holds 512 bytes per tile, less than the 1088-byte smallest weight tile.
  const Sweep s = sweep(dir, "trace: t.trace\ngrid:\n  buffers.weight.kb: [1, 256]\n", "out", "--jobs 2");
  ASSERT_EQ(s.run.exit_code, 0) << s.run.err;
  const auto rows = csv_records(s.csv);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("status"), "error");
  EXPECT_EQ(rows[0].at("total_cycles"), "");
  EXPECT_NE(rows[0].at("error").find("buffers.weight"), std::string::npos) << rows[0].at("error");
  EXPECT_EQ(rows[0].at("error").find('\n'), std::string::npos);
  EXPECT_EQ(rows[1].at("status"), "ok");
  EXPECT_EQ(rows[1].at("error"), "");
  EXPECT_EQ(rows[1].at("macs"), std::to_string(kMacs));
  EXPECT_NE(s.run.out.find("1 failed"), std::string::npos) << s.run.out;
  EXPECT_TRUE(exists(dir.file("out/points/0000.err")));

  // Every point failing is an error, and results.csv still records why.
  const Sweep none = sweep(dir, "trace: t.trace\ngrid:\n  buffers.weight.kb: [1]\n", "none");
  EXPECT_EQ(none.run.exit_code, 1);
  EXPECT_NE(none.run.err.find("all 1 point failed"), std::string::npos) << none.run.err;
  ASSERT_EQ(csv_records(none.csv).size(), 1u);
  EXPECT_EQ(csv_records(none.csv)[0].at("status"), "error");
}

}  // namespace
}  // namespace itera
