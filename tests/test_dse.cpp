// `itera dse` end to end, each figure against an independent computation: a point's
// cycles against `itera trace` + `itera simulate` run by hand, its accuracy against
// `itera decompose` (proxy) and `itera eval` (a real model), the Pareto column against a
// brute-force recomputation from points.csv; identical outputs for --jobs 1 and 2 and for
// 1 and 3 shards; kill -9 and resume; spec errors naming file, line and key.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "dse_spec.h"
#include "test_support.h"

namespace itera {
namespace {

using nlohmann::json;
using testing::contains;
using testing::run_cli;
using testing::slurp;
using testing::TempDir;
using testing::write_file;

const char* const kOutputs[] = {"points.csv", "pareto.csv", "pareto_dsp.csv", "summary.json", "report.md"};

// stories260k shapes with the weight-error proxy: 4 decompositions x 2 arrays.
const char* const kProxySpec = R"(shape: stories260k
accuracy:
  max: 0.5
workload: {phase: decode, seq_len: 64, batch: 1}
hardware:
  grid:
    array.rows: [8, 16]
decomposition:
  grid:
    method: [rtn, itera]
    form: [compensated]
    bits: [4, 8]
    factor_bits: [4]
    rank: [4]
)";

std::vector<std::map<std::string, std::string>> read_csv(const std::string& text) {
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream s(l);
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    if (!l.empty() && l.back() == ',') cells.emplace_back();
    return cells;
  };
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = split(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

testing::CliResult dse(const TempDir& dir, const std::string& out, const std::string& extra = "") {
  return run_cli("dse --spec '" + dir.file("spec.yaml") + "' --out '" + dir.file(out) + "' --no-progress " + extra);
}

void expect_same_outputs(const TempDir& dir, const std::string& a, const std::string& b) {
  for (const char* f : kOutputs) {
    const std::string x = slurp(dir.file(a + "/" + f)), y = slurp(dir.file(b + "/" + f));
    EXPECT_FALSE(x.empty()) << a << "/" << f;
    EXPECT_EQ(x, y) << f << " differs between " << a << " and " << b;
  }
}

TEST(Dse, ProxyPointsMatchHandRunsAndOutputsAreReproducible) {
  TempDir dir;
  write_file(dir.file("spec.yaml"), std::string(kProxySpec) + "device: {name: vcu118, max_utilization: 0.5}\n");
  const auto r2 = dse(dir, "j2", "--jobs 2");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  const auto r1 = dse(dir, "j1", "--jobs 1");
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  expect_same_outputs(dir, "j1", "j2");
  for (int s = 0; s < 3; ++s) {
    const auto rs = dse(dir, "s" + std::to_string(s), "--jobs 2 --shard " + std::to_string(s) + "/3");
    ASSERT_EQ(rs.exit_code, 0) << rs.err;
  }
  const auto m = run_cli("dse merge '" + dir.file("merged") + "' '" + dir.file("s2") + "' '" + dir.file("s0") + "' '" +
                         dir.file("s1") + "'");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  expect_same_outputs(dir, "j1", "merged");

  const auto rows = read_csv(slurp(dir.file("j1/points.csv")));
  ASSERT_EQ(rows.size(), 8u);  // rtn w4, rtn w8, itera w4 r4, itera w8 r4, each on 8 and 16 rows
  // Two points by hand: trace, then simulate on the point's config.
  for (const auto& row : rows) {
    if (row.at("array.rows") != "16") continue;
    const bool rtn = row.at("method") == "rtn";
    if (row.at("bits") != "4") continue;
    const std::string trace = dir.file(rtn ? "rtn.trace" : "itera.trace");
    const auto t = run_cli("trace --shape stories260k --phase decode --seq-len 64 --batch 1 --method " +
                           row.at("method") + (rtn ? "" : " --form compensated --factor-bits 4 --rank 4") +
                           " --bits 4 -o '" + trace + "'");
    ASSERT_EQ(t.exit_code, 0) << t.err;
    write_file(dir.file("rows16.yaml"), "array:\n  rows: 16\n");
    const auto sim = run_cli("simulate '" + trace + "' --config '" + dir.file("rows16.yaml") + "' --json -");
    ASSERT_EQ(sim.exit_code, 0) << sim.err;
    EXPECT_EQ(std::to_string(json::parse(sim.out)["total_cycles"].get<int64_t>()), row.at("total_cycles"))
        << row.at("method");
    // Its resources: `itera resources` for the same config and trace on the device.
    const auto res = run_cli("resources --config '" + dir.file("rows16.yaml") + "' --trace '" + trace +
                             "' --device vcu118 --max-utilization 0.5 --json -");
    ASSERT_EQ(res.exit_code, 0) << res.err;
    const json total = json::parse(res.out)["total"];
    for (const char* key : {"dsp", "bram36", "uram", "lut"})
      EXPECT_EQ(std::to_string(total[key].get<int64_t>()), row.at(key)) << key;
    // The proxy: the mean relative weight error of `itera decompose --shape` over the
    // model's layers (each catalog layer once per repeat).
    const auto d = run_cli("decompose --shape stories260k --method " + row.at("method") + " --bits 4" +
                           (rtn ? "" : " --form compensated --factor-bits 4 --rank 4") + " --json '" +
                           dir.file("d.json") + "'");
    ASSERT_EQ(d.exit_code, 0) << d.err;
    double sum = 0, copies = 0;
    const json report = json::parse(slurp(dir.file("d.json")));
    for (const json& l : report["layers"]) {
      if (l["name"].get<std::string>().find("lm_head") != std::string::npos) continue;
      sum += l["repeat"].get<double>() * l["rel_error"].get<double>();
      copies += l["repeat"].get<double>();
    }
    EXPECT_NEAR(std::stod(row.at("weight_error")), sum / copies, 1e-5 * sum / copies) << row.at("method");
  }
  // The Pareto column against a brute-force recomputation over the feasible rows.
  for (const auto& p : rows) {
    bool dominated = false;
    const double pa = std::stod(p.at("weight_error")), pl = std::stod(p.at("latency_us"));
    for (const auto& q : rows) {
      if (q.at("feasible") != "1") continue;
      const double qa = std::stod(q.at("weight_error")), ql = std::stod(q.at("latency_us"));
      dominated = dominated || (qa <= pa && ql <= pl && (qa < pa || ql < pl));
    }
    EXPECT_EQ(p.at("pareto"), p.at("feasible") == "1" && !dominated ? "1" : "0") << "point " << p.at("point");
  }
  // The summary's baseline is the fastest feasible rtn point, recomputed from the rows.
  const json s = json::parse(slurp(dir.file("j1/summary.json")));
  double fastest_rtn = 1e300;
  for (const auto& row : rows)
    if (row.at("method") == "rtn" && row.at("feasible") == "1")
      fastest_rtn = std::min(fastest_rtn, std::stod(row.at("latency_us")));
  ASSERT_TRUE(s["baseline"].is_object());
  EXPECT_NEAR(s["baseline"]["latency_us"].get<double>(), fastest_rtn, 1e-6 * fastest_rtn);
}

TEST(Dse, KilledRunResumesToTheSameOutputs) {
  TempDir dir;
  write_file(dir.file("spec.yaml"), kProxySpec);
  const auto whole = dse(dir, "whole", "--jobs 2");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  // Start a run, kill -9 it once some results are cached, then run it again.
  const std::string out = dir.file("killed");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(ITERA_CLI_PATH, "itera", "dse", "--spec", dir.file("spec.yaml").c_str(), "--out", out.c_str(), "--jobs",
            "1", "--no-progress", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  namespace fs = std::filesystem;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto cached = [&] {
    std::error_code ec;
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(out + "/cache", ec))
      n += e.path().extension() == ".json" ? 1 : 0;
    return n;
  };
  while (cached() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed; make the spec larger";
  // Its workers die with it (no process of the run is left).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string cmdline = slurp(e.path().string() + "/cmdline");
    EXPECT_FALSE(contains(cmdline, out)) << "a worker of the killed run survives: pid " << e.path().filename();
  }
  const auto resumed = dse(dir, "killed", "--jobs 2");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_same_outputs(dir, "whole", "killed");
}

std::string spec_error(const std::string& text) {
  TempDir dir;
  write_file(dir.file("spec.yaml"), text);
  const auto r = run_cli("dse --spec '" + dir.file("spec.yaml") + "' --out '" + dir.file("out") + "' --no-progress");
  EXPECT_NE(r.exit_code, 0);
  return r.err;
}

TEST(Dse, BadSpecsNameFileLineAndKey) {
  const std::string base = kProxySpec;
  EXPECT_TRUE(testing::contains_all(spec_error(base + "colour: red\n"), {"spec.yaml:15:", "unknown key 'colour'"}));
  std::string s = base;
  s.replace(s.find("rank: [4]"), 9, "rank: []");
  EXPECT_TRUE(testing::contains_all(spec_error(s), {"spec.yaml:14:", "decomposition.grid.rank", "non-empty list"}));
  s = base;
  s.replace(s.find("method: [rtn, itera]"), 20, "method: [rtn, bogus]");
  EXPECT_TRUE(testing::contains_all(spec_error(s), {"spec.yaml:10:", "decomposition.grid.method", "'bogus'",
                                                    "allowed: "}));
  s = base;
  s.replace(s.find("rank: [4]"), 9, "rank: [4, 65]");
  EXPECT_TRUE(testing::contains_all(spec_error(s), {"spec.yaml:14:", "decomposition.grid.rank", "rank 65", "k_proj (32x64)", "0..32"}));
  s = base;
  s.replace(s.find("  max: 0.5"), 10, "  max: 0.5\n  metric: kl_mean");
  EXPECT_TRUE(testing::contains_all(spec_error(s), {"spec.yaml:", "accuracy.metric", "kl_mean", "proxy"}));
  EXPECT_TRUE(testing::contains_all(spec_error(base + "device: {name: zcu999}\n"),
                                    {"spec.yaml:15:", "device.name", "zcu999", "allowed: none"}));
  s = base;
  s.replace(s.find("bits: [4, 8]"), 12, "bits: [4, 04]");
  EXPECT_TRUE(testing::contains_all(spec_error(s), {"spec.yaml:", "decomposition.grid.bits", "04"}));
}

TEST(Dse, RealModelAccuracyEqualsEvalAndCyclesEqualTheSavedLayersTrace) {
  ITERA_REQUIRE_SHARED(model, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok, "models/tok512.bin");
  ITERA_REQUIRE_SHARED(text, "text/tinystories-valid-part1.txt");
  TempDir dir;
  write_file(dir.file("spec.yaml"), "model: " + model + "\ntokenizer: " + tok + "\naccuracy:\n  text: " + text +
                                        "\n  tokens: 200\n  window: 100\n  max: 10\n"
                                        "workload: {phase: prefill, seq_len: 32}\n"
                                        "decomposition:\n  grid:\n    method: [itera]\n    form: [compensated]\n"
                                        "    bits: [3]\n    rank: [4]\n");
  const auto r = dse(dir, "out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = read_csv(slurp(dir.file("out/points.csv")));
  ASSERT_EQ(rows.size(), 1u);
  const std::string opts = " --method itera --form compensated --bits 3 --factor-bits 4 --rank 4";
  const auto e = run_cli("eval --model '" + model + "' --tokenizer '" + tok + "' --text '" + text +
                         "' --max-tokens 200 --window 100 --threads 1" + opts + " --json '" + dir.file("eval.json") +
                         "'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const json ev = json::parse(slurp(dir.file("eval.json")));
  for (const char* key : {"kl_mean", "ppl_ratio", "top1_agreement"})
    EXPECT_NEAR(std::stod(rows[0].at(key)), ev[key].get<double>(), 1e-5 * std::abs(ev[key].get<double>()) + 1e-12)
        << key;
  const auto d = run_cli("decompose --model '" + model + "'" + opts + " --save '" + dir.file("l.safetensors") + "'");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const auto t = run_cli("trace --decomposition '" + dir.file("l.safetensors") + "' --phase prefill --seq-len 32 -o '" +
                         dir.file("l.trace") + "'");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto sim = run_cli("simulate '" + dir.file("l.trace") + "' --json -");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_EQ(std::to_string(json::parse(sim.out)["total_cycles"].get<int64_t>()), rows[0].at("total_cycles"));
}

}  // namespace
}  // namespace itera
