#include "dse_run.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "accel_config_reader.h"
#include "accelerator.h"
#include "catalog.h"
#include "error.h"
#include "file_io.h"
#include "fpga_device_files.h"
#include "llama_hf.h"
#include "pareto.h"
#include "report_fields.h"
#include "result_cache.h"
#include "simulation_stage.h"
#include "worker_tasks.h"
#include "evolutionary_search.h"
#include "rng.h"
#include "sim_report.h"
#include "stable_hash.h"
#include "text.h"
#include "trace.h"
#include "trace_builder.h"
#include "units.h"

namespace itera::dse {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What a file's content is, for cache keys: the hash of its bytes (a directory: of its
// files' names and bytes, in name order).
std::string fingerprint(const std::string& path) {
  if (path.empty()) return "-";
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::string all;
    for (const fs::path& f : files) all += f.filename().string() + ":" + key_text(stable_hash(read_file(f.string()))) + ";";
    return key_text(stable_hash(all));
  }
  return key_text(stable_hash(read_file(path)));
}

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

PhaseSpec phase_of(const DseSpec& s) {
  PhaseSpec p;
  p.phase = parse_phase(s.phase);
  p.seq_len = s.seq_len;
  p.batch = s.batch;
  p.abits = s.abits;
  validate_phase(p);
  return p;
}

// Everything a decomposition's accuracy (and, for a real model, its trace) depends on
// besides the decomposition itself.
std::string accuracy_context(const DseSpec& s) {
  if (s.proxy()) return fmt::format("proxy shape={} seed=0 head=0", s.shape);
  return fmt::format("model={} tokenizer={} text={} tokens={} window={} calib={} calib_tokens={} act_aware={} "
                     "head=0 seed=0 trace={} {} {} {}",
                     fingerprint(s.model), fingerprint(s.tokenizer), fingerprint(s.text), s.tokens, s.window,
                     fingerprint(s.calib_text), s.calib_tokens, s.act_aware, s.phase, s.seq_len, s.batch, s.abits);
}

json accuracy_json(const AccuracyScore& a) {
  json j = {{"bits_per_weight", a.bits_per_weight}};
  if (a.proxy) {
    j["weight_error"] = a.weight_error;
  } else {
    j["kl_mean"] = a.kl_mean;
    j["ppl_ratio"] = a.ppl_ratio;
    j["top1_agreement"] = a.top1_agreement;
  }
  return j;
}

double number_at(const json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number())
    throw Error(fmt::format("cached result '{}' has no number '{}'; delete it to recompute", where, key));
  return it->get<double>();
}

AccuracyScore accuracy_from_json(const json& j, bool proxy, const std::string& where) {
  AccuracyScore a;
  a.proxy = proxy;
  a.bits_per_weight = number_at(j, "bits_per_weight", where);
  if (proxy) {
    a.weight_error = number_at(j, "weight_error", where);
  } else {
    a.kl_mean = number_at(j, "kl_mean", where);
    a.ppl_ratio = number_at(j, "ppl_ratio", where);
    a.top1_agreement = number_at(j, "top1_agreement", where);
  }
  return a;
}

SimFigures sim_from_json(const json& j, const std::string& where) {
  SimReport r;
  try {
    r = sim_totals_from_json(j);
  } catch (const Error& e) {
    throw Error(fmt::format("cached simulation '{}': {}; delete it to recompute", where, e.what()));
  }
  return {r.total_cycles, r.dram_read_bytes, r.latency_us, r.pe_utilization};
}

// Faster, then more accurate, then the lower point number.
bool better(const DseResult& r, const PointRecord& a, const PointRecord& b) {
  if (a.sim.latency_us != b.sim.latency_us) return a.sim.latency_us < b.sim.latency_us;
  const double x = r.accuracy_of(a), y = r.accuracy_of(b);
  if (x != y) return x < y;
  return a.point < b.point;
}

// The per-layer split of a point's simulate report.
std::vector<LayerLatency> layer_latency(const json& report, const std::string& where) {
  SimReport r;
  try {
    r = sim_report_from_json(report);
  } catch (const Error& e) {
    throw Error(fmt::format("cached simulation '{}': {}; delete it to recompute", where, e.what()));
  }
  std::vector<LayerLatency> out;
  auto layer_of = [](const LayerReport& l) {
    for (const char* suffix : {".lr_down", ".lr_up"})
      if (ends_with(l.name, suffix)) return l.name.substr(0, l.name.size() - std::string(suffix).size());
    return l.name;
  };
  for (const LayerReport& l : r.layers) {
    const std::string name = layer_of(l);
    if (out.empty() || out.back().layer != name) out.push_back(LayerLatency{name, 0, 0, 0, 0, 0});
    LayerLatency& x = out.back();
    const int64_t busy = l.total_cycles - l.stall_cycles;
    if (l.kind == "dense") {
      x.dense_bits = l.wbits;
      x.dense_cycles += busy;
    } else {
      x.rank = l.rank;
      x.low_rank_cycles += busy;
    }
    x.stall_cycles += l.stall_cycles;
  }
  return out;
}

}  // namespace

Headline find_headline(const DseResult& r) {
  Headline h;
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
    if (!r.space.designs[pts[i].design].quant_only() &&
        (h.best_low_rank < 0 || better(r, pts[i], pts[static_cast<size_t>(h.best_low_rank)])))
      h.best_low_rank = static_cast<long>(i);
  }
  h.reduction_pct = 100.0 * (1.0 - pts[static_cast<size_t>(h.best)].sim.latency_us / base.sim.latency_us);
  return h;
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

namespace {

// What scoring points keeps from one call to the next (the evolutionary search scores a
// generation at a time): each design's accuracy and trace, each hardware point's config.
struct Evaluation {
  std::map<size_t, AccuracyScore> accuracy;
  std::map<size_t, std::string> traces, configs;
  std::map<size_t, AccelConfig> parsed_configs;
  std::map<size_t, Trace> parsed_traces;
};

void evaluate_points(const DseSpec& spec, const DseOptions& o, const PhaseSpec& phase, const std::vector<size_t>& mine,
                     DseResult& result, Evaluation& evaluation);
size_t evolve_points(const DseSpec& spec, const DseOptions& o, const PhaseSpec& phase, DseResult& result,
                     Evaluation& evaluation);
void conclude(const DseOptions& o, DseResult& result, Evaluation& evaluation);

}  // namespace

DseResult run_dse(const DseSpec& spec, const DseOptions& o) {
  auto not_yet = [&](const char* what) {
    throw Error(fmt::format("{}: {} is not available yet; leave it out (the default)", spec.file, what));
  };
  if (spec.rank_allocation != RankAllocation::Uniform) not_yet("decomposition.rank_allocation: sensitivity");
  if (spec.rank_padding) not_yet("decomposition.rank_padding: true");
  if (spec.layer_reverting) not_yet("decomposition.layer_reverting: true");
  if (spec.strategy == SearchStrategy::Evolutionary && o.shards > 1)
    throw Error(fmt::format(
        "{}:{}: search.strategy: evolutionary cannot run as --shard {}/{}: each generation is chosen from the results "
        "of the one before, so the search does not split into independent slices; run it unsharded (--jobs N "
        "parallelizes each generation), or use strategy exhaustive or random with --shard",
        spec.file, spec.strategy_line, o.shard, o.shards));
  DseResult result;
  result.spec = spec;
  result.space = enumerate_decompositions(grid_of(spec));
  const DecompositionSpace& space = result.space;
  if (space.designs.empty())
    throw Error(fmt::format("{}: the decomposition grid has no design that can exist ({} combinations, {} skipped: a "
                            "low-rank method needs a rank >= 1)",
                            spec.file, space.combinations, space.skipped));
  check_ranks(spec, layer_dims(spec));
  const PhaseSpec phase = phase_of(spec);

  const size_t hw_points = spec.hardware_points();
  if (space.designs.size() > std::numeric_limits<size_t>::max() / hw_points)
    throw Error(fmt::format("{}: the design space is too large", spec.file));
  result.total_points = space.designs.size() * hw_points;
  // The evolutionary search (evolutionary_search.h) chooses its points from results, a
  // generation at a time; with points >= the space's size it is the exhaustive search.
  Evaluation evaluation;
  if (spec.strategy == SearchStrategy::Evolutionary && static_cast<size_t>(spec.points) < result.total_points) {
    result.selected_points = evolve_points(spec, o, phase, result, evaluation);
    conclude(o, result, evaluation);
    return result;
  }
  const std::vector<size_t> selected = select_points(spec, result.total_points);
  result.selected_points = selected.size();
  std::vector<size_t> mine;
  for (size_t p : selected)
    if (p % static_cast<size_t>(o.shards) == static_cast<size_t>(o.shard)) mine.push_back(p);
  evaluate_points(spec, o, phase, mine, result, evaluation);
  conclude(o, result, evaluation);
  return result;
}

namespace {

// Scores the points `mine` (distinct, none scored before): accuracy for their distinct
// designs, simulations for their distinct (trace, config) pairs, then resources and
// feasibility; appends their records to result.points in the order of `mine`.
void evaluate_points(const DseSpec& spec, const DseOptions& o, const PhaseSpec& phase, const std::vector<size_t>& mine,
                     DseResult& result, Evaluation& evaluation) {
  const DecompositionSpace& space = result.space;
  const size_t hw_points = spec.hardware_points();
  std::map<size_t, AccuracyScore>& accuracy = evaluation.accuracy;
  std::map<size_t, std::string>& traces = evaluation.traces;
  std::map<size_t, std::string>& configs = evaluation.configs;
  std::map<size_t, AccelConfig>& parsed_configs = evaluation.parsed_configs;
  std::map<size_t, Trace>& parsed_traces = evaluation.parsed_traces;

  // ---- accuracy: each distinct decomposition once --------------------------------------
  const ResultCache accuracy_cache(o.out_dir, "accuracy");
  const std::string context = accuracy_context(spec);
  std::vector<size_t> designs;
  for (size_t p : mine) designs.push_back(p / hw_points);
  std::sort(designs.begin(), designs.end());
  designs.erase(std::unique(designs.begin(), designs.end()), designs.end());
  designs.erase(std::remove_if(designs.begin(), designs.end(), [&](size_t d) { return accuracy.count(d) > 0; }),
                designs.end());
  auto accuracy_key = [&](size_t d) {
    return stable_hash("itera-dse accuracy 1\n" + context + "\n" + space.designs[d].label());
  };
  std::vector<size_t> missing;
  for (size_t d : designs)
    if (!accuracy_cache.has(accuracy_key(d))) missing.push_back(d);
  if (!missing.empty()) {
    if (!o.compute)
      throw Error(fmt::format("{} decomposition(s) have no accuracy result (e.g. {}); was every shard run to the end?",
                              missing.size(), space.designs[missing[0]].label()));
    std::unique_ptr<AccuracyScorer> scorer;
    if (spec.proxy()) {
      scorer = make_proxy_scorer(spec.shape, 0, false);
    } else {
      ModelAccuracySpec m;
      m.model = spec.model;
      m.tokenizer = spec.tokenizer;
      m.text = spec.text;
      m.tokens = spec.tokens;
      m.window = spec.window;
      m.calib_text = spec.calib_text;
      m.calib_tokens = spec.calib_tokens;
      m.act_aware = spec.act_aware;
      m.threads = 1;
      scorer = make_model_scorer(m);
    }
    run_worker_tasks(
        "accuracy", missing.size(), o,
        [&](size_t i) {
          const size_t d = missing[i];
          std::vector<SavedLayer> saved;
          const AccuracyScore a = scorer->score(space.designs[d], spec.proxy() ? nullptr : &saved);
          json j = accuracy_json(a);
          j["decomposition"] = space.designs[d].label();
          if (!spec.proxy()) j["trace"] = format_trace(trace_from_compressed(saved, phase));
          accuracy_cache.store(accuracy_key(d), j);
        },
        [&](size_t i) { return space.designs[missing[i]].label(); });
  }
  const CatalogModel* catalog_model = spec.proxy() ? &find_catalog_model(spec.shape) : nullptr;
  for (size_t d : designs) {
    const uint64_t key = accuracy_key(d);
    const json j = accuracy_cache.load(key);
    accuracy[d] = accuracy_from_json(j, spec.proxy(), accuracy_cache.path(key));
    if (spec.proxy()) {
      const cli::ResolvedDecomposition r = cli::resolve_decomposition(decomposition_args(space.designs[d]), 0);
      traces[d] = format_trace(
          trace_from_catalog(*catalog_model, false, space.designs[d].method, r.options, r.ranks, phase));
    } else {
      const auto it = j.find("trace");
      if (it == j.end() || !it->is_string())
        throw Error(fmt::format("cached result '{}' has no trace; delete it to recompute", accuracy_cache.path(key)));
      traces[d] = it->get<std::string>();
    }
  }

  // ---- latency: each distinct (trace, config) once --------------------------------------
  const SimulationStage sims(o.out_dir);
  const sweep::PointConfigs point_configs(spec.hardware);
  for (size_t p : mine) {
    const size_t h = p % hw_points;
    if (!configs.count(h)) configs[h] = spec.hardware.grid.empty() ? spec.hardware.base_yaml : point_configs.yaml(h, "");
  }
  {
    std::vector<SimJob> jobs;
    for (size_t p : mine)
      jobs.push_back({&traces[p / hw_points], &configs[p % hw_points],
                      fmt::format("point {} ({} on hardware point {})", p, space.designs[p / hw_points].label(),
                                  p % hw_points)});
    sims.run(jobs, o);
  }

  // ---- the records -------------------------------------------------------------------------
  const FpgaDevice* device = spec.device == "none" ? nullptr : &find_fpga_device(spec.device);
  for (const auto& [h, text] : configs)
    if (!parsed_configs.count(h)) parsed_configs[h] = parse_accel_config(text, fmt::format("<hardware point {}>", h));
  for (const auto& [d, text] : traces)
    if (!parsed_traces.count(d)) parsed_traces[d] = parse_trace(text, fmt::format("<trace of design {}>", d));
  for (size_t p : mine) {
    PointRecord r;
    r.point = p;
    r.design = p / hw_points;
    r.hardware = p % hw_points;
    r.accuracy = accuracy.at(r.design);
    r.sim = sim_from_json(sims.report(traces[r.design], configs[r.hardware]), sims.path(traces[r.design], configs[r.hardware]));
    const AccelConfig& config = parsed_configs.at(r.hardware);
    const UnitPrecisions pairs = trace_precisions(parsed_traces.at(r.design), unit_arrays(config));
    r.resources = (device ? estimate_resources(config, pairs, *device) : estimate_resources(config, pairs, EstimateOptions{})).total;
    r.fits = device == nullptr || itera::feasible(r.resources, *device, spec.max_utilization);
    const double a = result.accuracy_of(r);
    if (!std::isfinite(a))
      throw Error(fmt::format("design {} has a non-finite accuracy ({}): the compressed model is broken",
                              space.designs[r.design].label(), a));
    r.accurate_enough = a <= spec.max;
    r.feasible = r.accurate_enough && r.fits;
    result.points.push_back(r);
  }
}

// The Pareto fronts over result.points (ascending by point), the headline, and the
// per-layer split of the headline's points.
void conclude(const DseOptions& o, DseResult& result, Evaluation& evaluation) {
  const SimulationStage sims(o.out_dir);
  const std::map<size_t, std::string>& traces = evaluation.traces;
  const std::map<size_t, std::string>& configs = evaluation.configs;
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
  for (long i : {result.headline.baseline, result.headline.best, result.headline.best_low_rank}) {
    if (i < 0) continue;
    const PointRecord& p = result.points[static_cast<size_t>(i)];
    const std::string& t = traces.at(p.design);
    const std::string& c = configs.at(p.hardware);
    result.layers[p.point] = layer_latency(sims.report(t, c), sims.path(t, c));
  }
}

// How far an infeasible point is outside the budget and the device: the relative excess
// of its accuracy metric over accuracy.max plus each resource's over its limit.
double violation(const DseResult& r, const PointRecord& p, const FpgaDevice* device) {
  double v = std::max(0.0, r.accuracy_of(p) - r.spec.max) / r.spec.max;
  if (device != nullptr)
    for (Resource x : kResources) {
      const double limit = r.spec.max_utilization * static_cast<double>(available(*device, x));
      const double used = static_cast<double>(p.resources[x]);
      if (used > limit) v += (used - limit) / std::max(limit, 1.0);
    }
  return v;
}

// The evolutionary search (evolutionary_search.h), each generation scored by
// evaluate_points; result.points ends ascending. Returns how many points it evaluated.
size_t evolve_points(const DseSpec& spec, const DseOptions& o, const PhaseSpec& phase, DseResult& result,
                     Evaluation& evaluation) {
  const FpgaDevice* device = spec.device == "none" ? nullptr : &find_fpga_device(spec.device);
  const size_t budget = static_cast<size_t>(spec.points);
  size_t done = 0;
  const std::vector<size_t> order = evolutionary_search(
      spec, result.space,
      [&](const std::vector<size_t>& batch) {
        const size_t first = result.points.size();
        evaluate_points(spec, o, phase, batch, result, evaluation);
        std::vector<PointFitness> fitness;
        for (size_t i = first; i < result.points.size(); ++i) {
          const PointRecord& p = result.points[i];
          fitness.push_back({p.feasible, p.feasible ? 0.0 : violation(result, p, device), result.accuracy_of(p),
                             p.sim.latency_us});
        }
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

}  // namespace itera::dse
