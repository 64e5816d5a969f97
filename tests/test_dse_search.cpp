// `search: {strategy: evolutionary}` of `itera dse` (sim/dse/evolutionary_search.h).
// In process, on a synthetic landscape (no simulation): the genome <-> point mapping
// against the decomposition grid, the budget of distinct points, determinism, and search
// quality against random search and the brute-force optimum. End to end, on the
// stories260k proxy: --jobs 1 == --jobs 2, a resumed run from any cache, points >= the
// space equal to exhaustive, a front close to the exhaustive one's, --shard refused, and
// spec errors naming file, line and key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "design_space.h"
#include "dse_run.h"
#include "dse_spec.h"
#include "evolutionary_search.h"
#include "test_support.h"

namespace itera {
namespace {

using dse::DseSpec;
using dse::PointFitness;
using nlohmann::json;
using testing::contains_all;
using testing::run_cli;
using testing::slurp;
using testing::TempDir;
using testing::write_file;

// ---- in process: a synthetic landscape -------------------------------------------------

const char* const kBigSpec = R"(shape: stories260k
accuracy: {max: 0.5}
hardware:
  grid:
    array.rows: [4, 8, 16, 32, 64]
    array.cols: [4, 8, 16, 32, 64]
decomposition:
  grid:
    method: [rtn, itera, svd]
    form: [factorized, compensated]
    bits: [2, 3, 4, 8]
    factor_bits: [4, 8]
    rank: [0, 4, 8, 16]
search: {strategy: evolutionary, points: 100, seed: 1}
)";

DseSpec big_spec(uint64_t seed, int64_t points, int64_t population = 0) {
  DseSpec s = dse::parse_dse_spec(kBigSpec, "big.yaml", {});
  s.seed = seed;
  s.points = points;
  s.population = population;
  return s;
}

// A made-up but structured landscape: error falls with bits and rank, cycles fall with
// the array's size and rise with the bits and the rank; arrays above 512 PEs do not fit.
struct Landscape {
  const DseSpec& spec;
  const dse::DecompositionSpace& space;
  PointFitness operator()(size_t p) const {
    const size_t h = spec.hardware_points();
    const dse::Decomposition& d = space.designs[p / h];
    const std::vector<size_t> c = spec.hardware.choice(p % h);
    const double rows = std::stod(spec.hardware.grid[0].values[c[0]].text);
    const double cols = std::stod(spec.hardware.grid[1].values[c[1]].text);
    const double error = (d.has_dense() ? std::pow(0.5, d.bits) : 0.9) * (d.method == "svd" ? 1.3 : 1.0) /
                         (1 + 0.1 * d.rank * (d.factor_bits == 8 ? 1.2 : 1.0));
    const double work = (d.has_dense() ? d.bits : 0) + 0.05 * d.rank * d.factor_bits + 1;
    const double latency = work * 1000 / std::min(rows * cols, 256.0 + rows) + 0.3 * (rows + cols);
    PointFitness f;
    f.accuracy = error;
    f.latency_us = latency;
    const double over = std::max(0.0, error - 0.05) / 0.05 + std::max(0.0, rows * cols - 512) / 512;
    f.feasible = over == 0;
    f.violation = over;
    return f;
  }
};

struct SearchRun {
  std::vector<size_t> order;
  std::vector<std::vector<size_t>> batches;
};

SearchRun search(const DseSpec& spec, const dse::DecompositionSpace& space) {
  const Landscape land{spec, space};
  SearchRun run;
  std::set<size_t> seen;
  run.order = dse::evolutionary_search(spec, space, [&](const std::vector<size_t>& batch) {
    std::vector<PointFitness> f;
    for (size_t p : batch) {
      EXPECT_TRUE(seen.insert(p).second) << "point " << p << " evaluated twice";
      f.push_back(land(p));
    }
    run.batches.push_back(batch);
    return f;
  });
  return run;
}

// The area dominated by the feasible points below the reference (accuracy, latency).
double hypervolume(std::vector<std::pair<double, double>> pts, double ref_a, double ref_l) {
  std::sort(pts.begin(), pts.end());
  double hv = 0, best_l = ref_l;
  for (size_t i = 0; i < pts.size(); ++i) {
    best_l = std::min(best_l, pts[i].second);
    const double next_a = i + 1 < pts.size() ? std::min(pts[i + 1].first, ref_a) : ref_a;
    if (pts[i].first < ref_a && next_a > pts[i].first) hv += (next_a - pts[i].first) * (ref_l - best_l);
  }
  return hv;
}

TEST(DseSearch, GenomesNameEveryPointAndOnlyPointsThatExist) {
  const DseSpec spec = big_spec(1, 100);
  const dse::DecompositionSpace space = dse::enumerate_decompositions(
      {spec.method.values, spec.form.values, spec.bits.values, spec.group.values, spec.factor_bits.values,
       spec.rank.values});
  const dse::GenomeSpace g(spec, space);
  ASSERT_EQ(g.axes(), 8u);
  ASSERT_EQ(g.total_points(), space.designs.size() * 25);
  // Every genome of the full product: invalid exactly when a low-rank method has rank 0,
  // otherwise the point of its canonical design on its hardware indices.
  std::set<size_t> reached;
  std::vector<size_t> x(g.axes(), 0);
  size_t genomes = 0, invalid = 0;
  for (;;) {
    ++genomes;
    size_t p = 0;
    const std::string& method = spec.method.values[x[0]];
    const int rank = spec.rank.values[x[5]];
    if (!g.point_of(x, p)) {
      ++invalid;
      EXPECT_TRUE(method != "rtn" && rank == 0);
    } else {
      reached.insert(p);
      const dse::Decomposition& d = space.designs[p / 25];
      EXPECT_EQ(d.method, method);
      if (method != "rtn") {
        EXPECT_EQ(d.rank, rank);
      }
      if (d.has_dense()) {
        EXPECT_EQ(d.bits, spec.bits.values[x[2]]);
      }
      EXPECT_EQ(p % 25, x[6] * 5 + x[7]);
    }
    size_t a = g.axes();
    while (a-- > 0 && ++x[a] == g.axis_size(a)) x[a] = 0;
    if (a == static_cast<size_t>(-1)) break;
  }
  EXPECT_EQ(genomes, 3u * 2 * 4 * 1 * 2 * 4 * 25);
  EXPECT_EQ(invalid, 2u * 2 * 4 * 1 * 2 * 1 * 25);  // itera and svd with rank 0
  EXPECT_EQ(reached.size(), g.total_points());
  for (size_t p = 0; p < g.total_points(); ++p) {
    size_t q = 0;
    ASSERT_TRUE(g.point_of(g.genome_of(p), q));
    EXPECT_EQ(q, p);
  }
}

TEST(DseSearch, EvaluatesTheBudgetOfDistinctPointsDeterministically) {
  for (int64_t points : {1, 7, 100, 999}) {
    const DseSpec spec = big_spec(5, points, points == 7 ? 3 : 0);
    const dse::DecompositionSpace space = dse::enumerate_decompositions(
        {spec.method.values, spec.form.values, spec.bits.values, spec.group.values, spec.factor_bits.values,
         spec.rank.values});
    const SearchRun a = search(spec, space), b = search(spec, space);
    EXPECT_EQ(a.order.size(), static_cast<size_t>(points));
    EXPECT_EQ(std::set<size_t>(a.order.begin(), a.order.end()).size(), a.order.size());
    EXPECT_EQ(a.order, b.order) << points;
    EXPECT_EQ(a.batches, b.batches);
    // Generations: the initial population, then at most the population size each.
    const size_t mu = points == 7 ? 3 : dse::default_population(static_cast<size_t>(points));
    EXPECT_EQ(a.batches.front().size(), mu);
    for (const auto& batch : a.batches) EXPECT_LE(batch.size(), mu);
  }
  const dse::DecompositionSpace space = dse::enumerate_decompositions(
      {big_spec(1, 1).method.values, big_spec(1, 1).form.values, big_spec(1, 1).bits.values,
       big_spec(1, 1).group.values, big_spec(1, 1).factor_bits.values, big_spec(1, 1).rank.values});
  EXPECT_NE(search(big_spec(1, 100), space).order, search(big_spec(2, 100), space).order);
}

TEST(DseSearch, BeatsRandomSearchAndFindsTheOptimumOnASyntheticLandscape) {
  const DseSpec base = big_spec(1, 100);
  const dse::DecompositionSpace space = dse::enumerate_decompositions(
      {base.method.values, base.form.values, base.bits.values, base.group.values, base.factor_bits.values,
       base.rank.values});
  const Landscape land{base, space};
  const size_t total = space.designs.size() * base.hardware_points();
  ASSERT_EQ(total, 1000u);
  // Brute force: the fastest feasible point and the whole feasible set's hypervolume.
  std::vector<std::pair<double, double>> all;
  double fastest = 1e300;
  for (size_t p = 0; p < total; ++p) {
    const PointFitness f = land(p);
    if (!f.feasible) continue;
    all.emplace_back(f.accuracy, f.latency_us);
    fastest = std::min(fastest, f.latency_us);
  }
  // The reference point: the budget and twice the optimum's latency (the region near
  // the front, where a search earns its keep).
  const double ref_l = 2 * fastest, ref_a = 0.05;
  auto hv_of = [&](const std::vector<size_t>& pts) {
    std::vector<std::pair<double, double>> v;
    for (size_t p : pts) {
      const PointFitness f = land(p);
      if (f.feasible) v.emplace_back(f.accuracy, f.latency_us);
    }
    return hypervolume(v, ref_a, ref_l);
  };
  auto found_fastest = [&](const std::vector<size_t>& pts) {
    return std::any_of(pts.begin(), pts.end(), [&](size_t p) {
      const PointFitness f = land(p);
      return f.feasible && f.latency_us == fastest;
    });
  };
  const double hv_all = hypervolume(all, ref_a, ref_l);
  // Ten seeds, 100 of 1000 points each: the evolutionary search against random search
  // with the same seed and budget.
  int evo_optimum = 0, random_optimum = 0, evo_better = 0;
  double evo_hv = 0, random_hv = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    DseSpec spec = big_spec(seed, 100);
    const std::vector<size_t> evo = search(spec, space).order;
    spec.strategy = dse::SearchStrategy::Random;
    const std::vector<size_t> rnd = dse::select_points(spec, total);
    ASSERT_EQ(rnd.size(), 100u);
    evo_optimum += found_fastest(evo) ? 1 : 0;
    random_optimum += found_fastest(rnd) ? 1 : 0;
    const double e = hv_of(evo), r = hv_of(rnd);
    evo_better += e > r ? 1 : 0;
    evo_hv += e / hv_all;
    random_hv += r / hv_all;
  }
  // (At this budget random search finds the optimum with probability 0.1 per seed and
  // covers ~77% of the front's hypervolume; the search finds it 3 times in 10 and ~94%.)
  EXPECT_GT(evo_optimum, random_optimum);
  EXPECT_GE(evo_optimum, 2);
  EXPECT_GE(evo_better, 9);
  EXPECT_GT(evo_hv / 10, 0.9) << "random: " << random_hv / 10;
  EXPECT_GT(evo_hv / 10, random_hv / 10 + 0.1);
}

// ---- end to end ------------------------------------------------------------------------

// stories260k proxy: 4 decompositions x 4 arrays = 16 points.
const char* const kSmallSpec = R"(shape: stories260k
accuracy:
  max: 0.5
workload: {phase: decode, seq_len: 64, batch: 1}
hardware:
  grid:
    array.rows: [8, 16]
    array.cols: [8, 16]
decomposition:
  grid:
    method: [rtn, itera]
    form: [compensated]
    bits: [4, 8]
    factor_bits: [4]
    rank: [4]
)";

const char* const kOutputs[] = {"points.csv", "pareto.csv", "pareto_dsp.csv", "summary.json", "report.md"};

testing::CliResult dse_run(const std::string& spec, const std::string& out, const std::string& extra = "") {
  return run_cli("dse --spec '" + spec + "' --out '" + out + "' --no-progress " + extra);
}

std::vector<std::map<std::string, std::string>> csv_rows(const std::string& text) {
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream s(line);
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
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

void expect_same(const std::string& a, const std::string& b) {
  for (const char* f : kOutputs) {
    const std::string x = slurp(a + "/" + f), y = slurp(b + "/" + f);
    EXPECT_FALSE(x.empty()) << a << "/" << f;
    EXPECT_EQ(x, y) << f << " differs between " << a << " and " << b;
  }
}

std::string evo_search(int points, int seed, const std::string& extra = "") {
  return "search: {strategy: evolutionary, points: " + std::to_string(points) + ", seed: " + std::to_string(seed) +
         extra + "}\n";
}

TEST(DseSearch, EndToEndIsReproducibleAndResumesFromAnyCache) {
  namespace fs = std::filesystem;
  TempDir dir;
  const std::string spec = dir.file("spec.yaml");
  write_file(spec, std::string(kSmallSpec) + evo_search(10, 3, ", population: 4"));
  const auto j1 = dse_run(spec, dir.file("j1"), "--jobs 1");
  ASSERT_EQ(j1.exit_code, 0) << j1.err;
  const auto j2 = dse_run(spec, dir.file("j2"), "--jobs 2");
  ASSERT_EQ(j2.exit_code, 0) << j2.err;
  expect_same(dir.file("j1"), dir.file("j2"));
  const auto rows = csv_rows(slurp(dir.file("j1/points.csv")));
  ASSERT_EQ(rows.size(), 10u);
  std::set<std::string> distinct;
  for (const auto& r : rows) distinct.insert(r.at("point"));
  EXPECT_EQ(distinct.size(), 10u);
  EXPECT_EQ(json::parse(slurp(dir.file("j1/summary.json")))["design_space"]["evaluated"], 10);

  // Another seed chooses other points.
  TempDir other;
  write_file(other.file("spec.yaml"), std::string(kSmallSpec) + evo_search(10, 4, ", population: 4"));
  const auto s4 = dse_run(other.file("spec.yaml"), other.file("out"), "--jobs 2");
  ASSERT_EQ(s4.exit_code, 0) << s4.err;
  EXPECT_NE(slurp(dir.file("j1/points.csv")), slurp(other.file("out/points.csv")));

  // A run that starts from a cache holding part of this run's results and results of
  // points it never chooses (seed 4's) writes the same files: the choices depend only on
  // results, never on what happens to be cached (a killed run resumed is such a run).
  const fs::path resumed = dir.file("resumed");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir.file("j1/cache")))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 4u);
  for (size_t i = 0; i < files.size(); i += 2) {
    const fs::path dest = resumed / fs::relative(files[i], dir.file("j1"));
    fs::create_directories(dest.parent_path());
    fs::copy_file(files[i], dest);
  }
  for (const auto& e : fs::recursive_directory_iterator(other.file("out/cache"))) {
    if (!e.is_regular_file()) continue;
    const fs::path dest = resumed / fs::relative(e.path(), other.file("out"));
    fs::create_directories(dest.parent_path());
    if (!fs::exists(dest)) fs::copy_file(e.path(), dest);
  }
  const auto r = dse_run(spec, resumed.string(), "--jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same(dir.file("j1"), resumed.string());
}

TEST(DseSearch, AsManyPointsAsTheSpaceIsTheExhaustiveSearch) {
  TempDir ex, evo;
  write_file(ex.file("spec.yaml"), std::string(kSmallSpec) + "search: {strategy: exhaustive}\n");
  write_file(evo.file("spec.yaml"), std::string(kSmallSpec) + evo_search(1000, 9));
  const auto a = dse_run(ex.file("spec.yaml"), ex.file("out"), "--jobs 2");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = dse_run(evo.file("spec.yaml"), evo.file("out"), "--jobs 2");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  expect_same(ex.file("out"), evo.file("out"));
  EXPECT_EQ(csv_rows(slurp(evo.file("out/points.csv"))).size(), 16u);
}

// stories260k proxy with a larger hardware grid on a device share: 8 decompositions x 16
// arrays = 128 points, the large arrays over the LUTs and the 2-bit designs over the budget.
const char* const kProxyGridSpec = R"(shape: stories260k
accuracy:
  max: 0.3
workload: {phase: decode, seq_len: 64, batch: 1}
hardware:
  grid:
    array.rows: [4, 8, 16, 32]
    array.cols: [4, 8, 16, 32]
device: {name: zcu102, max_utilization: 0.3}
decomposition:
  grid:
    method: [rtn, itera]
    form: [compensated]
    bits: [2, 3, 4, 8]
    factor_bits: [4]
    rank: [8]
)";

TEST(DseSearch, FindsTheExhaustiveFrontOnTheProxyWithFewerPoints) {
  namespace fs = std::filesystem;
  TempDir dir;
  write_file(dir.file("ex.yaml"), std::string(kProxyGridSpec) + "search: {strategy: exhaustive}\n");
  const auto a = dse_run(dir.file("ex.yaml"), dir.file("ex"), "--jobs 2");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto all = csv_rows(slurp(dir.file("ex/points.csv")));
  ASSERT_EQ(all.size(), 128u);
  std::map<std::string, std::map<std::string, std::string>> by_point;
  for (const auto& r : all) by_point[r.at("point")] = r;
  // Brute force over the exhaustive rows: the feasible points, the fastest one, the
  // hypervolume near the front (reference: the budget and twice the fastest latency).
  auto feasible_pairs = [](const std::vector<std::map<std::string, std::string>>& rows) {
    std::vector<std::pair<double, double>> v;
    for (const auto& r : rows)
      if (r.at("feasible") == "1") v.emplace_back(std::stod(r.at("weight_error")), std::stod(r.at("latency_us")));
    return v;
  };
  const auto ex_pairs = feasible_pairs(all);
  ASSERT_FALSE(ex_pairs.empty());
  ASSERT_LT(ex_pairs.size(), all.size()) << "some points should be infeasible";
  double fastest = 1e300;
  for (const auto& p : ex_pairs) fastest = std::min(fastest, p.second);
  const double ref_l = 2 * fastest;
  const double hv_ex = hypervolume(ex_pairs, 0.3, ref_l);
  auto has_fastest = [&](const std::vector<std::pair<double, double>>& v) {
    return std::any_of(v.begin(), v.end(), [&](const auto& p) { return p.second == fastest; });
  };

  // The search with 48 of the 128 points, five seeds; each run starts from the exhaustive
  // run's cache, so its evaluations cost nothing but its choices are its own.
  const int budget = 48;
  double evo_hv = 0;
  int evo_fastest = 0;
  for (int seed = 1; seed <= 5; ++seed) {
    const std::string name = "evo" + std::to_string(seed);
    write_file(dir.file(name + ".yaml"), std::string(kProxyGridSpec) + evo_search(budget, seed));
    fs::create_directories(dir.file(name));
    fs::copy(dir.file("ex/cache"), dir.file(name + "/cache"), fs::copy_options::recursive);
    const auto b = dse_run(dir.file(name + ".yaml"), dir.file(name), "--jobs 2");
    ASSERT_EQ(b.exit_code, 0) << b.err;
    const auto evo = csv_rows(slurp(dir.file(name + "/points.csv")));
    ASSERT_EQ(evo.size(), static_cast<size_t>(budget));
    for (const auto& r : evo)
      for (const char* key : {"weight_error", "latency_us", "feasible"})
        EXPECT_EQ(r.at(key), by_point.at(r.at("point")).at(key)) << "point " << r.at("point");
    const auto pairs = feasible_pairs(evo);
    evo_fastest += has_fastest(pairs) ? 1 : 0;
    evo_hv += hypervolume(pairs, 0.3, ref_l) / hv_ex / 5;
  }
  // Random search with the same budget, twenty seeds, from the same rows.
  dse::DseSpec rs = dse::parse_dse_spec(slurp(dir.file("evo1.yaml")), dir.file("evo1.yaml"), {"zcu102"});
  rs.strategy = dse::SearchStrategy::Random;
  double random_hv = 0;
  int random_fastest = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    rs.seed = seed;
    std::vector<std::map<std::string, std::string>> picked;
    for (size_t p : dse::select_points(rs, all.size())) picked.push_back(by_point.at(std::to_string(p)));
    const auto pairs = feasible_pairs(picked);
    random_fastest += has_fastest(pairs) ? 1 : 0;
    random_hv += hypervolume(pairs, 0.3, ref_l) / hv_ex / 20;
  }
  // (Measured: the search finds the fastest feasible point for 4 of the 5 seeds and 99% of
  // the front's hypervolume; random search 4 times in 20 and 81%.)
  const std::string figures = "search: fastest found " + std::to_string(evo_fastest) + "/5, hypervolume " +
                              std::to_string(evo_hv) + "; random: " + std::to_string(random_fastest) + "/20, " +
                              std::to_string(random_hv);
  EXPECT_GE(evo_fastest, 3) << figures;
  EXPECT_GT(evo_fastest / 5.0, random_fastest / 20.0) << figures;
  EXPECT_GE(evo_hv, 0.97) << figures;
  EXPECT_GT(evo_hv, random_hv + 0.1) << figures;
}

TEST(DseSearch, ShardingIsRefusedAndBadSpecsNameFileLineAndKey) {
  TempDir dir;
  const std::string spec = dir.file("spec.yaml");
  write_file(spec, std::string(kSmallSpec) + evo_search(10, 3));
  const auto s = dse_run(spec, dir.file("out"), "--shard 1/3");
  EXPECT_NE(s.exit_code, 0);
  EXPECT_TRUE(contains_all(s.err, {"spec.yaml:16:", "search.strategy", "evolutionary", "--shard 1/3",
                                   "exhaustive or random"}));
  // One shard is the whole run, and merges like one.
  const auto one = dse_run(spec, dir.file("one"), "--shard 0/1");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto whole = dse_run(spec, dir.file("whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto m = run_cli("dse merge '" + dir.file("merged") + "' '" + dir.file("one") + "'");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  expect_same(dir.file("whole"), dir.file("merged"));

  auto error_of = [&](const std::string& search) {
    write_file(spec, std::string(kSmallSpec) + search);
    const auto r = dse_run(spec, dir.file("bad"));
    EXPECT_NE(r.exit_code, 0) << search;
    return r.err;
  };
  EXPECT_TRUE(contains_all(error_of("search: {strategy: evolutionary, seed: 3}\n"),
                           {"spec.yaml:16:", "search.strategy", "evolutionary", "needs search.points"}));
  EXPECT_TRUE(contains_all(error_of("search:\n  strategy: evolutionary\n  points: 0\n"),
                           {"spec.yaml:18:", "search.points", "1..1000000000", "0"}));
  EXPECT_TRUE(contains_all(error_of("search:\n  strategy: evolutionary\n  points: 5\n  population: 1\n"),
                           {"spec.yaml:19:", "search.population", "at least 2"}));
  EXPECT_TRUE(contains_all(error_of("search:\n  strategy: random\n  points: 5\n  population: 4\n"),
                           {"spec.yaml:19:", "search.population", "only to the evolutionary strategy"}));
  EXPECT_TRUE(contains_all(error_of("search:\n  strategy: evolutionary\n  points: 5\n  populaton: 4\n"),
                           {"spec.yaml:19:", "populaton"}));
}

}  // namespace
}  // namespace itera
