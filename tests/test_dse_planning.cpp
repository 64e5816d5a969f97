// The DSE's hardware-aware options (sim/dse/layer_planning.h), each against an
// independent expectation: the padded rank against the simulator (no cycle added up to
// it, one more rank adds cycles), the revert rule and the rtn bits against hand cases,
// the greedy sensitivity allocation against hand-worked tables; and end to end, rank
// padding never raises a point's cycles or error, layer reverting never raises its
// cycles, and the sensitivity-vs-uniform comparison matches a recomputation from
// points.csv.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "accel_config_reader.h"
#include "dse_spec.h"
#include "error.h"
#include "fpga_device_files.h"
#include "layer_planning.h"
#include "test_support.h"

namespace itera {
namespace {

using nlohmann::json;
using testing::run_cli;
using testing::slurp;
using testing::TempDir;
using testing::write_file;
using namespace itera::dse;

int64_t simulated_cycles(const TempDir& dir, const std::string& config, int rank) {
  const std::string trace = dir.file(fmt::format("r{}.trace", rank));
  const auto t = run_cli(fmt::format("trace --shape stories260k --phase prefill --seq-len 64 --batch 1 --method itera "
                                     "--form factorized --factor-bits 4 --rank {} -o '{}'",
                                     rank, trace));
  EXPECT_EQ(t.exit_code, 0) << t.err;
  const auto s = run_cli("simulate '" + trace + "' --config '" + config + "' --json -");
  EXPECT_EQ(s.exit_code, 0) << s.err;
  return json::parse(s.out)["total_cycles"].get<int64_t>();
}

TEST(LayerPlanning, PaddedRankCostsNoCyclesInTheSimulator) {
  TempDir dir;
  // stories260k's smallest layer dimension is 64 (k/v: 64 x 64): every rank here fits.
  for (const char* dataflow : {"ws", "os", "is"}) {
    const std::string yaml = fmt::format("array: {{rows: 8, cols: 4, dataflow: {}}}\nmemory: {{ideal: true}}\n", dataflow);
    const std::string config = dir.file(std::string(dataflow) + ".yaml");
    write_file(config, yaml);
    const AccelConfig c = parse_accel_config(yaml, config);
    const RankUnits u = rank_units(c, 4);
    for (int r : {3, 5, 9}) {
      const int padded = padded_rank(r, u, 64);
      ASSERT_GE(padded, r);
      EXPECT_EQ(simulated_cycles(dir, config, r), simulated_cycles(dir, config, padded))
          << dataflow << ": rank " << r << " padded to " << padded << " should cost no cycles";
      // ws maps the rank to array dimensions in both ops (os and is stream it in one of
      // them, where the simulator may hide a longer stream): one rank more adds a fold.
      if (std::string(dataflow) == "ws") {
        EXPECT_LT(simulated_cycles(dir, config, padded), simulated_cycles(dir, config, padded + 1))
            << dataflow << ": rank " << padded + 1 << " should add a fold";
      }
    }
  }
}

TEST(LayerPlanning, PaddedRankUnitsFollowTheDataflowTable) {
  // ws: lr_down N on columns x packing, lr_up K on rows; os: N on columns x packing, K
  // streamed; is: N streamed in packs, K on rows. 8-bit PEs pack two 4-bit MACs.
  const auto units = [](const char* df, int fbits) {
    return rank_units(parse_accel_config(fmt::format("array: {{rows: 8, cols: 4, dataflow: {}}}\n", df), "<t>"), fbits);
  };
  EXPECT_EQ(units("ws", 4).down, 8);
  EXPECT_EQ(units("ws", 4).up, 8);
  EXPECT_EQ(units("ws", 8).down, 4);
  EXPECT_EQ(units("os", 4).down, 8);
  EXPECT_EQ(units("os", 4).up, 1);
  EXPECT_EQ(units("is", 4).down, 2);
  EXPECT_EQ(units("is", 4).up, 8);
  EXPECT_EQ(padded_rank(3, {8, 8}, 64), 8);
  EXPECT_EQ(padded_rank(3, {8, 1}, 64), 3);    // K streamed: every rank is a fold step
  EXPECT_EQ(padded_rank(9, {4, 8}, 64), 12);   // min(12, 16)
  EXPECT_EQ(padded_rank(9, {16, 16}, 10), 10);  // never above the layer's dimensions
  EXPECT_THROW(padded_rank(0, {8, 8}, 64), Error);
}

TEST(LayerPlanning, RevertRuleAndRtnBits) {
  // The low-rank pair costs L = 40 on top of D = 100; rtn at b' costs R.
  EXPECT_TRUE(should_revert({"q", 100, 40, 5, 139}));   // 139 < 140
  EXPECT_FALSE(should_revert({"q", 100, 40, 5, 140}));  // ties keep the design
  EXPECT_FALSE(should_revert({"q", 100, 40, 0, 10}));   // no rtn bits reach the error
  EXPECT_FALSE(should_revert({"q", 100, 0, 5, 90}));    // no low-rank cycles (dedicated array)
  const std::map<int, double> rtn = {{4, 0.20}, {5, 0.11}, {6, 0.05}, {8, 0.01}};
  EXPECT_EQ(rtn_bits_needed(3, 0.12, rtn), 5);
  EXPECT_EQ(rtn_bits_needed(3, 0.20, rtn), 4);
  EXPECT_EQ(rtn_bits_needed(5, 0.11, rtn), 6);  // only above the design's bits
  EXPECT_EQ(rtn_bits_needed(3, 0.001, rtn), 0);
  EXPECT_EQ(layer_type("model.layers.3.self_attn.q_proj.weight"), "q_proj");
  EXPECT_EQ(layer_type("model.layers.*.mlp.down_proj"), "down_proj");
  EXPECT_EQ(layer_type("lm_head"), "lm_head");
}

TEST(LayerPlanning, GreedyAllocationByAccuracyPerCycle) {
  SensitivityTable t;
  t.ranks = {4, 8, 16};
  // a gains 0.30 for 100 cycles (0.003/cycle) then 0.05 for 200; b gains 0.20 for 40
  // (0.005/cycle) then 0.10 for 40 (0.0025/cycle).
  t.metric["a"] = {0.50, 0.20, 0.15};
  t.cycles["a"] = {100, 200, 400};
  t.metric["b"] = {0.40, 0.20, 0.10};
  t.cycles["b"] = {50, 90, 130};
  // Start 0.90. Steps: b 4->8 (0.70), a 4->8 (0.40), b 8->16 (0.30), a 8->16 (0.25).
  const auto at = [&](double budget) { return allocate_ranks(t, budget); };
  EXPECT_EQ(at(0.95), (std::map<std::string, int>{{"a", 4}, {"b", 4}}));
  EXPECT_EQ(at(0.80), (std::map<std::string, int>{{"a", 4}, {"b", 8}}));
  EXPECT_EQ(at(0.50), (std::map<std::string, int>{{"a", 8}, {"b", 8}}));
  EXPECT_EQ(at(0.35), (std::map<std::string, int>{{"a", 8}, {"b", 16}}));
  EXPECT_EQ(at(0.26), (std::map<std::string, int>{{"a", 16}, {"b", 16}}));
  EXPECT_EQ(at(0.01), (std::map<std::string, int>{{"a", 16}, {"b", 16}}));  // unreachable: all raised
  EXPECT_NEAR(predicted_metric(t, at(0.35)), 0.30, 1e-12);
  // A step that adds no cycles and gains is taken first.
  t.cycles["a"] = {100, 100, 400};
  EXPECT_EQ(at(0.80), (std::map<std::string, int>{{"a", 8}, {"b", 4}}));
  // A step that gains nothing is never taken.
  t.metric["a"] = {0.50, 0.50, 0.50};
  EXPECT_EQ(at(0.01), (std::map<std::string, int>{{"a", 4}, {"b", 16}}));
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& text) {
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char ch : l) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += ch;
      }
    }
    cells.push_back(cell);
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

std::string spec_text(const std::string& phase, const std::string& options) {
  return fmt::format(R"(shape: stories260k
accuracy:
  max: 0.3
workload: {{phase: {}, seq_len: 64, batch: 1}}
hardware:
  grid:
    array.rows: [8, 32]
    array.cols: [4, 16]
decomposition:
  grid:
    method: [rtn, itera]
    form: [compensated]
    bits: [2, 3, 4]
    factor_bits: [4]
    rank: [3, 8]
{})",
                     phase, options);
}

std::vector<std::map<std::string, std::string>> run_spec(const TempDir& dir, const std::string& name,
                                                         const std::string& text) {
  write_file(dir.file(name + ".yaml"), text);
  const auto r = run_cli("dse --spec '" + dir.file(name + ".yaml") + "' --out '" + dir.file(name) +
                         "' --no-progress --jobs 2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_csv(slurp(dir.file(name + "/points.csv")));
}

TEST(DsePlanning, PaddingNeverRaisesCyclesOrErrorAndRevertingNeverRaisesCycles) {
  TempDir dir;
  for (const char* phase : {"decode", "prefill"}) {
    const auto plain = run_spec(dir, std::string("plain-") + phase, spec_text(phase, ""));
    const auto padded = run_spec(dir, std::string("pad-") + phase, spec_text(phase, "  rank_padding: true\n"));
    const auto reverted =
        run_spec(dir, std::string("rev-") + phase, spec_text(phase, "  layer_reverting: true\n"));
    ASSERT_EQ(plain.size(), 36u);  // 3 rtn + 6 itera designs x 4 arrays
    ASSERT_EQ(padded.size(), plain.size());
    ASSERT_EQ(reverted.size(), plain.size());
    int padded_points = 0, reverted_points = 0;
    for (size_t i = 0; i < plain.size(); ++i) {
      ASSERT_EQ(padded[i].at("point"), plain[i].at("point"));
      EXPECT_LE(std::stoll(padded[i].at("total_cycles")), std::stoll(plain[i].at("total_cycles"))) << phase << i;
      EXPECT_LE(std::stod(padded[i].at("weight_error")), std::stod(plain[i].at("weight_error"))) << phase << i;
      EXPECT_LE(std::stoll(reverted[i].at("total_cycles")), std::stoll(plain[i].at("total_cycles"))) << phase << i;
      padded_points += padded[i].at("padding") == "padded";
      reverted_points += reverted[i].at("reverting").find("type(s)") != std::string::npos;
      if (plain[i].at("method") == "rtn") {
        EXPECT_EQ(padded[i].at("padding"), "-");
        EXPECT_EQ(reverted[i].at("reverting"), "-");
      }
    }
    // A padded point's cycles are those of `itera trace` with its per-type ranks, then
    // `itera simulate` on its array, by hand.
    for (const auto& row : padded) {
      if (row.at("padding") != "padded") continue;
      std::string ranks = row.at("rank");
      std::istringstream plan(row.at("layer_plan"));
      std::string item;
      while (std::getline(plan, item, ',')) {
        if (item[0] == ' ') item = item.substr(1);
        ranks += "," + item.substr(0, item.find(' ')) + "=" + item.substr(item.find(" r") + 2);
      }
      const std::string trace = dir.file("padded.trace"), config = dir.file("padded.yaml");
      const auto t = run_cli(fmt::format("trace --shape stories260k --phase {} --seq-len 64 --batch 1 --method itera "
                                         "--form compensated --bits {} --factor-bits 4 --rank {} -o '{}'",
                                         phase, row.at("bits"), ranks, trace));
      ASSERT_EQ(t.exit_code, 0) << t.err;
      write_file(config, fmt::format("array:\n  rows: {}\n  cols: {}\n", row.at("array.rows"), row.at("array.cols")));
      const auto sim = run_cli("simulate '" + trace + "' --config '" + config + "' --json -");
      ASSERT_EQ(sim.exit_code, 0) << sim.err;
      EXPECT_EQ(std::to_string(json::parse(sim.out)["total_cycles"].get<int64_t>()), row.at("total_cycles")) << ranks;
      break;
    }
    // Not vacuous: in prefill (compute-bound) padding is free somewhere; reverting
    // happens where the pair costs more than the extra bits.
    if (std::string(phase) == "prefill") {
      EXPECT_GT(padded_points, 0);
    }
    EXPECT_GT(reverted_points, 0) << phase;
  }
}

TEST(DsePlanning, SensitivityAllocationIsComparedWithUniformRanks) {
  TempDir dir;
  const auto rows = run_spec(dir, "sens", spec_text("decode", "  rank_allocation: sensitivity\n"));
  // 3 rtn + 6 itera + 3 sensitivity designs (one per bits), 4 hardware points.
  ASSERT_EQ(rows.size(), 48u);
  std::map<std::string, std::pair<double, std::string>> fastest;  // allocation -> (latency, point)
  for (const auto& r : rows) {
    if (r.at("method") == "rtn" || r.at("feasible") != "1") continue;
    const double lat = std::stod(r.at("latency_us"));
    auto& f = fastest[r.at("rank_allocation")];
    if (f.second.empty() || lat < f.first) f = {lat, r.at("point")};
    if (r.at("rank_allocation") == "sensitivity") {
      // Every layer type's rank is one of the grid's.
      const std::string plan = r.at("layer_plan");
      EXPECT_EQ(plan.find("r4"), std::string::npos) << plan;
      EXPECT_NE(plan.find("q_proj r"), std::string::npos) << plan;
    }
  }
  const json s = json::parse(slurp(dir.file("sens/summary.json")));
  for (const char* a : {"uniform", "sensitivity"}) {
    ASSERT_TRUE(fastest.count(a)) << a;
    EXPECT_EQ(std::to_string(s["rank_allocation"][a]["point"].get<size_t>()), fastest[a].second) << a;
  }
  EXPECT_NE(slurp(dir.file("sens/report.md")).find("Rank allocation"), std::string::npos);
  // With all three options, 2 shards merged give the single run's outputs.
  write_file(dir.file("all.yaml"), spec_text("decode", "  rank_allocation: sensitivity\n  rank_padding: true\n"
                                                       "  layer_reverting: true\n"));
  std::string merge = "dse merge '" + dir.file("merged") + "'";
  for (const char* out : {"one", "s0", "s1"}) {
    const std::string extra = std::string(out) == "one" ? "--jobs 1" : std::string("--jobs 2 --shard ") + out[1] + "/2";
    const auto r = run_cli("dse --spec '" + dir.file("all.yaml") + "' --out '" + dir.file(out) + "' --no-progress " +
                           extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (out[0] == 's') merge += " '" + dir.file(out) + "'";
  }
  const auto m = run_cli(merge);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  for (const char* f : {"points.csv", "summary.json", "report.md"})
    EXPECT_EQ(slurp(dir.file(std::string("one/") + f)), slurp(dir.file(std::string("merged/") + f))) << f;
}

TEST(DsePlanning, EvolutionarySearchRunsThePlansButNotSensitivityDesigns) {
  TempDir dir;
  // Padding and reverting apply per point, so the evolutionary search runs them.
  const auto rows = run_spec(dir, "evo", spec_text("decode", "  rank_padding: true\n  layer_reverting: true\n") +
                                             "search: {strategy: evolutionary, points: 12, seed: 3}\n");
  EXPECT_EQ(rows.size(), 12u);
  write_file(dir.file("evo-sens.yaml"), spec_text("decode", "  rank_allocation: sensitivity\n") +
                                            "search: {strategy: evolutionary, points: 12, seed: 3}\n");
  const auto r = run_cli("dse --spec '" + dir.file("evo-sens.yaml") + "' --out '" + dir.file("x") + "' --no-progress");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("evo-sens.yaml:17: search.strategy: evolutionary"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rank_allocation: sensitivity"), std::string::npos) << r.err;
}

TEST(DsePlanning, ShippedSpecsParseWithTheirOptions) {
  std::vector<std::string> devices;
  for (const FpgaDevice& d : builtin_fpga_devices().all()) devices.push_back(d.name);
  const std::string dir = std::string(ITERA_SOURCE_DIR) + "/configs/";
  const DseSpec aware = load_dse_spec(dir + "dse-hardware-aware.yaml", devices);
  EXPECT_TRUE(aware.rank_padding);
  EXPECT_TRUE(aware.layer_reverting);
  EXPECT_EQ(aware.rank_allocation, RankAllocation::Sensitivity);
  for (const char* f : {"dse-default.yaml", "dse-llama2-7b.yaml", "dse-babyllama-c128.yaml"})
    EXPECT_NO_THROW(load_dse_spec(dir + f, devices)) << f;
}

TEST(DsePlanning, PointsThatDoNotRunOnTheirHardwareAreRecordedInfeasible) {
  TempDir dir;
  // A 1 KiB input buffer cannot hold the rank-4 intermediate of 512 prompt tokens.
  const auto rows = run_spec(dir, "small", R"(shape: stories260k
accuracy:
  max: 0.5
workload: {phase: prefill, seq_len: 512, batch: 1}
hardware:
  grid:
    buffers.input.kb: [1, 256]
decomposition:
  grid:
    method: [rtn, itera]
    form: [compensated]
    bits: [4]
    factor_bits: [4]
    rank: [4]
)");
  ASSERT_EQ(rows.size(), 4u);
  // By hand: the same trace on the same config fails in `itera simulate`.
  const std::string trace = dir.file("itera.trace"), config = dir.file("kb1.yaml");
  const auto t = run_cli("trace --shape stories260k --phase prefill --seq-len 512 --batch 1 --method itera --form "
                         "compensated --bits 4 --factor-bits 4 --rank 4 -o '" + trace + "'");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  write_file(config, "buffers:\n  input:\n    kb: 1\n");
  const auto sim = run_cli("simulate '" + trace + "' --config '" + config + "'");
  ASSERT_EQ(sim.exit_code, 1);
  const std::string why = sim.err.substr(sim.err.find("op '"));
  for (const auto& r : rows) {
    const bool broken = r.at("method") == "itera" && r.at("buffers.input.kb") == "1";
    EXPECT_EQ(r.at("total_cycles").empty(), broken) << r.at("point");
    EXPECT_EQ(r.at("feasible"), broken ? "0" : "1") << r.at("point");
  }
  const std::string report = slurp(dir.file("small/report.md"));
  EXPECT_NE(report.find(why.substr(0, why.find('\n'))), std::string::npos) << report << "\n" << why;
  EXPECT_EQ(json::parse(slurp(dir.file("small/summary.json")))["design_space"]["not_runnable"].get<int>(), 1);
  // The plots leave that point out and say so.
  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with matplotlib (python3-matplotlib) is not installed: plot check skipped";
  }
  const std::string plot = std::string(ITERA_SOURCE_DIR) + "/scripts/plot_dse.py '" + dir.file("small") + "' > '" +
                           dir.file("plot.txt") + "' 2>&1";
  ASSERT_EQ(std::system(plot.c_str()), 0) << slurp(dir.file("plot.txt"));
  EXPECT_NE(slurp(dir.file("plot.txt")).find("(1 point(s) without a latency or accuracy left out)"), std::string::npos)
      << slurp(dir.file("plot.txt"));
  for (const char* png : {"small/pareto.png", "small/layers.png"}) EXPECT_EQ(slurp(dir.file(png)).substr(1, 3), "PNG");
}

}  // namespace
}  // namespace itera
