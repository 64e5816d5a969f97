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
#include "pareto.h"
#include "design_evaluator.h"
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

struct LayerDims {
  std::string name;
  int rows = 0, cols = 0;
};

std::vector<LayerDims> layer_dims(const DseSpec& spec) {
  std::vector<LayerDims> dims;
  if (spec.proxy()) {
    for (const CatalogLayer& l : find_catalog_model(spec.shape).layers)
      if (l.in_block) dims.push_back({l.name, l.rows, l.cols});
    return dims;
  }
  const LlamaConfig c = load_llama(spec.model).config;
  dims = {{"attention q/o", c.dim, c.dim},
          {"attention k/v", c.kv_dim(), c.dim},
          {"mlp gate/up", c.hidden_dim, c.dim},
          {"mlp down", c.dim, c.hidden_dim}};
  return dims;
}

// A rank above the smallest layer's dimensions is a spec error at the rank's line.
void check_ranks(const DseSpec& spec, const std::vector<LayerDims>& dims) {
  const auto smallest = std::min_element(dims.begin(), dims.end(), [](const LayerDims& a, const LayerDims& b) {
    return std::min(a.rows, a.cols) < std::min(b.rows, b.cols);
  });
  const int limit = std::min(smallest->rows, smallest->cols);
  for (size_t i = 0; i < spec.rank.values.size(); ++i)
    if (spec.rank.values[i] > limit)
      throw Error(fmt::format("{}:{}: decomposition.grid.rank: rank {} is above the dimensions of layer {} ({}x{}); "
                              "allowed: 0..{}",
                              spec.file, spec.rank.lines[i], spec.rank.values[i], smallest->name, smallest->rows,
                              smallest->cols, limit));
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


double DseResult::accuracy_of(const PointRecord& p) const {
  switch (spec.metric) {
    case AccuracyMetric::KlMean: return p.accuracy.kl_mean;
    case AccuracyMetric::PplRatio: return p.accuracy.ppl_ratio;
    case AccuracyMetric::WeightError: return p.accuracy.weight_error;
  }
  return 0;
}

std::vector<size_t> select_points(const DseSpec& spec, size_t total) {
  std::vector<size_t> chosen;
  if (spec.strategy == SearchStrategy::Exhaustive || static_cast<size_t>(spec.points) >= total) {
    chosen.resize(total);
    for (size_t i = 0; i < total; ++i) chosen[i] = i;
    return chosen;
  }
  if (spec.strategy != SearchStrategy::Random)
    throw Error(fmt::format("{}: search.strategy = {} is not available yet; use exhaustive or random", spec.file,
                            to_string(spec.strategy)));
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

DseResult run_dse(const DseSpec& spec, const DseOptions& o) {
  DseResult result;
  result.spec = spec;
  result.space = enumerate_decompositions(grid_of(spec));
  DecompositionSpace& space = result.space;
  if (space.designs.empty())
    throw Error(fmt::format("{}: the decomposition grid has no design that can exist ({} combinations, {} skipped: a "
                            "low-rank method needs a rank >= 1)",
                            spec.file, space.combinations, space.skipped));
  check_ranks(spec, layer_dims(spec));
  if (spec.rank_allocation == RankAllocation::Sensitivity) add_sensitivity_designs(space);

  const size_t hw_points = spec.hardware_points();
  if (space.designs.size() > std::numeric_limits<size_t>::max() / hw_points)
    throw Error(fmt::format("{}: the design space is too large", spec.file));
  result.total_points = space.designs.size() * hw_points;
  const std::vector<size_t> selected = select_points(spec, result.total_points);
  result.selected_points = selected.size();
  std::vector<size_t> mine;
  for (size_t p : selected)
    if (p % static_cast<size_t>(o.shards) == static_cast<size_t>(o.shard)) mine.push_back(p);

  DesignEvaluator evaluator(spec, space, o);
  result.points = evaluator.evaluate(mine);

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
