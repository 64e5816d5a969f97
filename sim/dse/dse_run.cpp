#include "dse_run.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "catalog.h"
#include "error.h"
#include "llama_hf.h"
#include "design_evaluator.h"
#include "layer_planning.h"
#include "evolutionary_search.h"
#include "fpga_device_files.h"
#include "pareto.h"
#include "rng.h"
#include "text.h"
#include "trace_builder.h"

namespace itera::dse {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

DecompositionGrid grid_of(const DseSpec& s) {
  return {s.method.values, s.form.values, s.bits.values, s.group.values, s.factor_bits.values, s.rank.values};
}

// A rank above the smallest layer's dimensions is a spec error at the rank's line.
void check_ranks(const DseSpec& spec) {
  const std::map<std::string, TypeDims> dims = layer_type_dims(spec);
  const auto smallest = std::min_element(dims.begin(), dims.end(), [](const auto& a, const auto& b) {
    return std::min(a.second.rows, a.second.cols) < std::min(b.second.rows, b.second.cols);
  });
  const int limit = std::min(smallest->second.rows, smallest->second.cols);
  for (size_t i = 0; i < spec.rank.values.size(); ++i)
    if (spec.rank.values[i] > limit)
      throw Error(fmt::format("{}:{}: decomposition.grid.rank: rank {} is above the dimensions of layer {} ({}x{}); "
                              "allowed: 0..{}",
                              spec.file, spec.rank.lines[i], spec.rank.values[i], smallest->first,
                              smallest->second.rows, smallest->second.cols, limit));
}

// Faster, then more accurate, then the lower point number.
bool better(const DseResult& r, const PointRecord& a, const PointRecord& b) {
  if (a.sim.latency_us != b.sim.latency_us) return a.sim.latency_us < b.sim.latency_us;
  const double x = r.accuracy_of(a), y = r.accuracy_of(b);
  if (x != y) return x < y;
  return a.point < b.point;
}

}  // namespace

void find_allocation_bests(const DseResult& r, Headline& h);

Headline find_headline(const DseResult& r) {
  Headline h;
  find_allocation_bests(r, h);
  const std::vector<PointRecord>& pts = r.points;
  for (size_t i = 0; i < pts.size(); ++i)
    if (pts[i].feasible && r.space.designs[pts[i].design].quant_only() &&
        (h.baseline < 0 || better(r, pts[i], pts[static_cast<size_t>(h.baseline)])))
      h.baseline = static_cast<long>(i);
  if (h.baseline < 0) return h;
  const PointRecord& base = pts[static_cast<size_t>(h.baseline)];
  const double budget = r.accuracy_of(base);
  for (size_t i = 0; i < pts.size(); ++i) {
    if (!pts[i].feasible || r.accuracy_of(pts[i]) > budget) continue;
    if (h.best < 0 || better(r, pts[i], pts[static_cast<size_t>(h.best)])) h.best = static_cast<long>(i);
    if (pts[i].low_rank_left &&
        (h.best_low_rank < 0 || better(r, pts[i], pts[static_cast<size_t>(h.best_low_rank)])))
      h.best_low_rank = static_cast<long>(i);
  }
  h.reduction_pct = 100.0 * (1.0 - pts[static_cast<size_t>(h.best)].sim.latency_us / base.sim.latency_us);
  return h;
}

void find_allocation_bests(const DseResult& r, Headline& h) {
  if (r.spec.rank_allocation != RankAllocation::Sensitivity) return;
  const std::vector<PointRecord>& pts = r.points;
  for (size_t i = 0; i < pts.size(); ++i) {
    const Decomposition& d = r.space.designs[pts[i].design];
    if (!pts[i].feasible || !pts[i].low_rank_left) continue;
    long& slot = d.allocation == "sensitivity" ? h.best_sensitivity : h.best_uniform;
    if (slot < 0 || better(r, pts[i], pts[static_cast<size_t>(slot)])) slot = static_cast<long>(i);
  }
}


double DseResult::accuracy_of(const PointRecord& p) const { return metric_value(spec.metric, p.accuracy); }

std::vector<size_t> select_points(const DseSpec& spec, size_t total) {
  std::vector<size_t> chosen;
  if (spec.strategy == SearchStrategy::Exhaustive || static_cast<size_t>(spec.points) >= total) {
    chosen.resize(total);
    for (size_t i = 0; i < total; ++i) chosen[i] = i;
    return chosen;
  }
  if (spec.strategy != SearchStrategy::Random)
    throw Error(fmt::format("{}: search.strategy = {} chooses its points from results as it goes (run_dse runs it)",
                            spec.file, to_string(spec.strategy)));
  // Floyd's algorithm: spec.points distinct numbers, uniformly, in O(points).
  Rng rng(spec.seed);
  std::set<size_t> picked;
  const size_t want = static_cast<size_t>(spec.points);
  for (size_t j = total - want; j < total; ++j) {
    const size_t t = static_cast<size_t>(rng.below(j + 1));
    if (!picked.insert(t).second) picked.insert(j);
  }
  return {picked.begin(), picked.end()};
}

// The sensitivity designs: one per low-rank family (method, form, bits, group,
// factor_bits) of the grid, after the grid's designs, its rank the smallest grid rank.
void add_sensitivity_designs(DecompositionSpace& space) {
  std::vector<Decomposition> extra;
  for (const Decomposition& d : space.designs) {
    if (!d.has_low_rank()) continue;
    Decomposition s = d;
    s.allocation = "sensitivity";
    bool seen = false;
    for (Decomposition& e : extra)
      if (e.method == s.method && e.form == s.form && e.bits == s.bits && e.group == s.group &&
          e.factor_bits == s.factor_bits) {
        e.rank = std::min(e.rank, s.rank);
        seen = true;
      }
    if (!seen) extra.push_back(s);
  }
  space.designs.insert(space.designs.end(), extra.begin(), extra.end());
}

namespace {

// How far an infeasible point is outside the budget and the device: the relative excess
// of its accuracy metric over accuracy.max plus each resource's over its limit, plus 1
// when it does not run on its hardware.
double violation(const DseResult& r, const PointRecord& p, const FpgaDevice* device) {
  double v = p.sim_failure.empty() ? 0.0 : 1.0;
  if (p.has_accuracy) v += std::max(0.0, r.accuracy_of(p) - r.spec.max) / r.spec.max;
  if (device != nullptr)
    for (Resource x : kResources) {
      const double limit = r.spec.max_utilization * static_cast<double>(available(*device, x));
      const double used = static_cast<double>(p.resources[x]);
      if (used > limit) v += (used - limit) / std::max(limit, 1.0);
    }
  return v;
}

// The evolutionary search (evolutionary_search.h), each generation scored by the
// evaluator; result.points ends ascending. Returns how many points it evaluated.
size_t evolve_points(const DseSpec& spec, const DseOptions& o, DesignEvaluator& evaluator, DseResult& result) {
  const FpgaDevice* device = spec.device == "none" ? nullptr : &find_fpga_device(spec.device);
  const size_t budget = static_cast<size_t>(spec.points);
  size_t done = 0;
  const std::vector<size_t> order = evolutionary_search(
      spec, result.space,
      [&](const std::vector<size_t>& batch) {
        std::vector<PointRecord> records = evaluator.evaluate(batch);
        std::vector<PointFitness> fitness;
        for (const PointRecord& p : records)
          fitness.push_back({p.feasible, p.feasible ? 0.0 : violation(result, p, device),
                             p.has_accuracy ? result.accuracy_of(p) : 0.0, p.sim.latency_us});
        for (PointRecord& p : records) result.points.push_back(std::move(p));
        return fitness;
      },
      [&](size_t generation, const std::vector<size_t>& batch) {
        done += batch.size();
        if (o.progress)
          fmt::print(stderr, "evolutionary search: generation {}: {} new points ({}/{})\n", generation, batch.size(),
                     done, budget);
      });
  std::sort(result.points.begin(), result.points.end(),
            [](const PointRecord& a, const PointRecord& b) { return a.point < b.point; });
  return order.size();
}

}  // namespace

DseResult run_dse(const DseSpec& spec, const DseOptions& o) {
  if (spec.strategy == SearchStrategy::Evolutionary && o.shards > 1)
    throw Error(fmt::format(
        "{}:{}: search.strategy: evolutionary cannot run as --shard {}/{}: each generation is chosen from the results "
        "of the one before, so the search does not split into independent slices; run it unsharded (--jobs N "
        "parallelizes each generation), or use strategy exhaustive or random with --shard",
        spec.file, spec.strategy_line, o.shard, o.shards));
  if (spec.strategy == SearchStrategy::Evolutionary && spec.rank_allocation == RankAllocation::Sensitivity)
    throw Error(fmt::format("{}:{}: search.strategy: evolutionary searches the decomposition grid's knobs, which do "
                            "not include the sensitivity-allocated designs; use exhaustive or random search with "
                            "decomposition.rank_allocation: sensitivity",
                            spec.file, spec.strategy_line));
  DseResult result;
  result.spec = spec;
  result.space = enumerate_decompositions(grid_of(spec));
  DecompositionSpace& space = result.space;
  if (space.designs.empty())
    throw Error(fmt::format("{}: the decomposition grid has no design that can exist ({} combinations, {} skipped: a "
                            "low-rank method needs a rank >= 1)",
                            spec.file, space.combinations, space.skipped));
  check_ranks(spec);
  if (spec.rank_allocation == RankAllocation::Sensitivity) add_sensitivity_designs(space);

  const size_t hw_points = spec.hardware_points();
  if (space.designs.size() > std::numeric_limits<size_t>::max() / hw_points)
    throw Error(fmt::format("{}: the design space is too large", spec.file));
  result.total_points = space.designs.size() * hw_points;
  DesignEvaluator evaluator(spec, space, o);
  // The evolutionary search chooses its points from results, a generation at a time;
  // with points >= the space's size it is the exhaustive search.
  if (spec.strategy == SearchStrategy::Evolutionary && static_cast<size_t>(spec.points) < result.total_points) {
    result.selected_points = evolve_points(spec, o, evaluator, result);
  } else {
    const std::vector<size_t> selected = select_points(spec, result.total_points);
    result.selected_points = selected.size();
    std::vector<size_t> mine;
    for (size_t p : selected)
      if (p % static_cast<size_t>(o.shards) == static_cast<size_t>(o.shard)) mine.push_back(p);
    result.points = evaluator.evaluate(mine);
  }

  std::vector<size_t> feasible;
  std::vector<Objectives<2>> two;
  std::vector<Objectives<3>> three;
  for (size_t i = 0; i < result.points.size(); ++i) {
    const PointRecord& r = result.points[i];
    if (!r.feasible) continue;
    feasible.push_back(i);
    two.push_back({result.accuracy_of(r), r.sim.latency_us});
    three.push_back({result.accuracy_of(r), r.sim.latency_us, static_cast<double>(r.resources.dsp)});
  }
  for (size_t f : pareto_front(two)) result.points[feasible[f]].pareto = true;
  for (size_t f : pareto_front(three)) result.points[feasible[f]].pareto_dsp = true;
  result.headline = find_headline(result);
  for (long i : {result.headline.baseline, result.headline.best, result.headline.best_low_rank,
                 result.headline.best_uniform, result.headline.best_sensitivity}) {
    if (i < 0) continue;
    const PointRecord& p = result.points[static_cast<size_t>(i)];
    result.layers[p.point] = evaluator.layers(p);
  }
  return result;
}

}  // namespace itera::dse
