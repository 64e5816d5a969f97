#include "design_evaluator.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "accel_config_reader.h"
#include "catalog.h"
#include "dse_run.h"
#include "error.h"
#include "file_io.h"
#include "fpga_device_files.h"
#include "layer_planning.h"
#include "llama_hf.h"
#include "result_cache.h"
#include "stable_hash.h"
#include "text.h"
#include "trace.h"
#include "units.h"
#include "worker_tasks.h"

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

// Everything a decomposition's accuracy (and, for a real model, its trace) depends on
// besides the decomposition itself.
std::string accuracy_context(const DseSpec& s) {
  if (s.proxy()) return fmt::format("proxy shape={} seed=0 head=0", s.shape);
  return fmt::format("model={} tokenizer={} text={} tokens={} window={} calib={} calib_tokens={} act_aware={} "
                     "head=0 seed=0 trace={} {} {} {}",
                     fingerprint(s.model), fingerprint(s.tokenizer), fingerprint(s.text), s.tokens, s.window,
                     fingerprint(s.calib_text), s.calib_tokens, s.act_aware, s.phase, s.seq_len, s.batch, s.abits);
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

double metric_of(const DseSpec& s, const AccuracyScore& a) { return metric_value(s.metric, a); }

// The largest rank of each layer type: min(rows, cols).
std::map<std::string, int> max_ranks(const DseSpec& spec) {
  std::map<std::string, int> out;
  for (const auto& [type, d] : layer_type_dims(spec)) out[type] = std::min(d.rows, d.cols);
  return out;
}

// The layer split of a simulate report (all repeats): each layer's dense op, its
// low-rank ops' busy cycles, and their stalls.
std::vector<LayerLatency> layer_split(const SimReport& r, const Decomposition& d) {
  std::vector<LayerLatency> out;
  for (const LayerReport& l : r.layers) {
    const std::string name = layer_of_op(l.name);
    if (out.empty() || out.back().layer != name) {
      LayerLatency x;
      x.layer = name;
      const LayerChoice* c = d.choice_for(layer_type(name));
      x.method = c && c->reverted ? "rtn" : d.method;
      x.reverted = c && c->reverted;
      out.push_back(x);
    }
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

struct DesignEvaluator::Impl {
  const DseSpec& spec;
  const DecompositionSpace& space;
  const DseOptions& o;
  PhaseSpec phase;
  size_t hw_points;
  std::string context;
  ResultCache accuracy_cache, errors_cache;
  SimulationStage sims;
  sweep::PointConfigs point_configs;
  const CatalogModel* catalog_model = nullptr;
  std::unique_ptr<AccuracyScorer> scorer;  // made when first needed (loads the model)
  std::map<std::string, int> max_rank;     // per layer type

  std::map<size_t, std::string> configs;
  std::map<size_t, AccelConfig> parsed_configs;
  std::map<std::string, AccuracyScore> accuracy;  // by label
  std::map<std::string, std::string> traces;      // by label (designs, not measurements)
  std::map<std::string, Trace> parsed_traces;
  std::map<std::string, std::map<std::string, double>> type_errors;
  std::map<std::pair<std::string, size_t>, SimReport> reports, totals;
  std::map<std::pair<std::string, size_t>, std::optional<std::string>> failures;

  Impl(const DseSpec& s, const DecompositionSpace& sp, const DseOptions& opt)
      : spec(s),
        space(sp),
        o(opt),
        phase(phase_of(s)),
        hw_points(s.hardware_points()),
        context(accuracy_context(s)),
        accuracy_cache(opt.out_dir, "accuracy"),
        errors_cache(opt.out_dir, "layer_errors"),
        sims(opt.out_dir),
        point_configs(s.hardware) {
    if (s.proxy()) catalog_model = &find_catalog_model(s.shape);
    if (s.hardware_aware()) max_rank = max_ranks(s);
  }

  AccuracyScorer& the_scorer() {
    if (!scorer) {
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
    }
    return *scorer;
  }

  const std::string& config(size_t h) {
    auto it = configs.find(h);
    if (it == configs.end())
      it = configs.emplace(h, spec.hardware.grid.empty() ? spec.hardware.base_yaml : point_configs.yaml(h, "")).first;
    return it->second;
  }
  const AccelConfig& parsed_config(size_t h) {
    auto it = parsed_configs.find(h);
    if (it == parsed_configs.end())
      it = parsed_configs.emplace(h, parse_accel_config(config(h), fmt::format("<hardware point {}>", h))).first;
    return it->second;
  }

  uint64_t accuracy_key(const Decomposition& d) const {
    return stable_hash("itera-dse accuracy 1\n" + context + "\n" + d.label());
  }
  uint64_t errors_key(const Decomposition& d) const {
    return stable_hash("itera-dse layer errors 1\n" + context + "\n" + d.label());
  }

  // Distinct by label, in first-seen order.
  static std::vector<Decomposition> distinct(const std::vector<Decomposition>& ds) {
    std::vector<Decomposition> out;
    std::set<std::string> seen;
    for (const Decomposition& d : ds)
      if (seen.insert(d.label()).second) out.push_back(d);
    return out;
  }

  void need_compute(size_t missing, const std::string& what, const std::string& example) const {
    if (missing > 0 && !o.compute)
      throw Error(fmt::format("{} {} have no result (e.g. {}); was every shard run to the end?", missing, what,
                              example));
  }

  // Accuracy (and, for designs of a real model, the trace of their saved layers) of each
  // decomposition, scored where not cached.
  void ensure_accuracy(const std::vector<Decomposition>& all, const std::string& what = "accuracy") {
    std::vector<Decomposition> missing;
    for (const Decomposition& d : distinct(all))
      if (!accuracy.count(d.label()) && !accuracy_cache.has(accuracy_key(d))) missing.push_back(d);
    if (!missing.empty()) {
      need_compute(missing.size(), "decomposition(s)", missing[0].label());
      AccuracyScorer& sc = the_scorer();
      run_worker_tasks(
          what, missing.size(), o,
          [&](size_t i) {
            const Decomposition& d = missing[i];
            const bool with_trace = !spec.proxy() && d.only_type.empty();
            std::vector<SavedLayer> saved;
            const AccuracyScore a = sc.score(d, with_trace ? &saved : nullptr);
            json j = accuracy_json(a);
            j["decomposition"] = d.label();
            if (with_trace) j["trace"] = format_trace(trace_from_compressed(saved, phase));
            accuracy_cache.store(accuracy_key(d), j);
          },
          [&](size_t i) { return missing[i].label(); });
    }
    for (const Decomposition& d : distinct(all)) {
      const std::string label = d.label();
      if (accuracy.count(label)) continue;
      const uint64_t key = accuracy_key(d);
      const json j = accuracy_cache.load(key);
      const AccuracyScore a = accuracy_from_json(j, spec.proxy(), accuracy_cache.path(key));
      const double m = metric_of(spec, a);
      if (!std::isfinite(m))
        throw Error(fmt::format("design {} has a non-finite accuracy ({}): the compressed model is broken", label, m));
      accuracy[label] = a;
      if (!d.only_type.empty()) continue;
      if (spec.proxy()) {
        traces[label] = format_trace(proxy_trace(d));
      } else {
        const auto it = j.find("trace");
        if (it == j.end() || !it->is_string())
          throw Error(fmt::format("cached result '{}' has no trace; delete it to recompute", accuracy_cache.path(key)));
        traces[label] = it->get<std::string>();
      }
    }
  }

  Trace proxy_trace(const Decomposition& d) const {
    if (d.layers.empty()) {
      const cli::ResolvedDecomposition r = cli::resolve_decomposition(decomposition_args(d), 0);
      return trace_from_catalog(*catalog_model, false, d.method, r.options, r.ranks, phase);
    }
    const cli::ResolvedDecomposition r = resolve_design(d, 0);
    return trace_from_catalog(
        *catalog_model, false, d.label(),
        [&](const std::string& layer) {
          const cli::LayerRecipe rc = r.recipe_for(layer);
          return std::make_pair(rc.method, rc.options);
        },
        phase);
  }

  // Each decomposition's mean weight error per layer type, computed where not cached.
  void ensure_type_errors(const std::vector<Decomposition>& all) {
    std::vector<Decomposition> missing;
    for (const Decomposition& d : distinct(all))
      if (!type_errors.count(d.label()) && !errors_cache.has(errors_key(d))) missing.push_back(d);
    if (!missing.empty()) {
      need_compute(missing.size(), "layer-error result(s)", missing[0].label());
      AccuracyScorer& sc = the_scorer();
      run_worker_tasks(
          "layer errors", missing.size(), o,
          [&](size_t i) {
            json j = json::object();
            for (const auto& [type, e] : sc.type_errors(missing[i])) j[type] = e;
            errors_cache.store(errors_key(missing[i]), {{"decomposition", missing[i].label()}, {"errors", j}});
          },
          [&](size_t i) { return missing[i].label(); });
    }
    for (const Decomposition& d : distinct(all)) {
      if (type_errors.count(d.label())) continue;
      const uint64_t key = errors_key(d);
      const json j = errors_cache.load(key);
      const auto it = j.find("errors");
      if (it == j.end() || !it->is_object())
        throw Error(fmt::format("cached result '{}' has no errors; delete it to recompute", errors_cache.path(key)));
      std::map<std::string, double> m;
      for (const auto& [type, e] : it->items()) {
        if (!e.is_number())
          throw Error(fmt::format("cached result '{}': error of {} is not a number", errors_cache.path(key), type));
        m[type] = e.get<double>();
      }
      type_errors[d.label()] = m;
    }
  }

  // Simulates each (design, hardware point) not cached; the designs' accuracy must be known.
  void ensure_sims(const std::vector<std::pair<Decomposition, size_t>>& pairs, const std::string& what) {
    std::vector<SimJob> jobs;
    for (const auto& [d, h] : pairs) {
      const std::string label = d.label();
      jobs.push_back({&traces.at(label), &config(h), fmt::format("{} on hardware point {}", label, h)});
    }
    sims.run(jobs, o, what);
  }

  // Why the design does not run on hardware point h (null: it ran).
  const std::string* failed(const Decomposition& d, size_t h) {
    const std::pair<std::string, size_t> k{d.label(), h};
    auto it = failures.find(k);
    if (it == failures.end()) {
      // One read of the cached result: why it failed, or its totals (kept for totals_of).
      const std::string& t = traces.at(k.first);
      const nlohmann::json j = sims.report(t, config(h));
      std::optional<std::string> why;
      if (const auto f = j.find("failed"); f != j.end()) {
        why = f->is_string() ? f->get<std::string>() : std::string("failed");
      } else if (!totals.count(k) && !reports.count(k)) {
        try {
          totals.emplace(k, sim_totals_from_json(j));
        } catch (const Error& e) {
          throw Error(fmt::format("cached simulation '{}': {}; delete it to recompute", sims.path(t, config(h)),
                                  e.what()));
        }
      }
      it = failures.emplace(k, std::move(why)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  const SimReport& report(const Decomposition& d, size_t h) {
    const std::pair<std::string, size_t> k{d.label(), h};
    auto it = reports.find(k);
    if (it != reports.end()) return it->second;
    const std::string& t = traces.at(k.first);
    try {
      it = reports.emplace(k, sim_report_from_json(sims.report(t, config(h)))).first;
    } catch (const Error& e) {
      throw Error(fmt::format("cached simulation '{}': {}; delete it to recompute", sims.path(t, config(h)), e.what()));
    }
    return it->second;
  }
  const SimReport& totals_of(const Decomposition& d, size_t h) {
    const std::pair<std::string, size_t> k{d.label(), h};
    if (const auto full = reports.find(k); full != reports.end()) return full->second;
    auto it = totals.find(k);
    if (it != totals.end()) return it->second;
    const std::string& t = traces.at(k.first);
    try {
      it = totals.emplace(k, sim_totals_from_json(sims.report(t, config(h)))).first;
    } catch (const Error& e) {
      throw Error(fmt::format("cached simulation '{}': {}; delete it to recompute", sims.path(t, config(h)), e.what()));
    }
    return it->second;
  }

  std::vector<int> grid_ranks() const {
    std::set<int> r;
    for (int v : spec.rank.values)
      if (v > 0) r.insert(v);
    return {r.begin(), r.end()};
  }

  Decomposition with_rank(Decomposition d, int rank) const {
    d.allocation = "uniform";
    d.layers.clear();
    d.rank = rank;
    return d;
  }

  // ---- stages --------------------------------------------------------------------------

  void sensitivity_stage(const std::vector<size_t>& points, std::vector<Decomposition>& eff,
                         std::vector<std::string>& failure) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < points.size(); ++i)
      if (eff[i].allocation == "sensitivity") idx.push_back(i);
    if (idx.empty()) return;
    const std::vector<int> ranks = grid_ranks();
    // The uniform designs at each grid rank on each point's hardware (the cost c_t(r)),
    // and each type compressed alone at each grid rank (the sensitivity m_t(r)).
    std::vector<Decomposition> uniform, alone;
    std::vector<std::pair<Decomposition, size_t>> uniform_sims;
    for (size_t i : idx)
      for (int r : ranks) {
        const Decomposition u = with_rank(eff[i], r);
        uniform.push_back(u);
        uniform_sims.push_back({u, points[i] % hw_points});
        for (const auto& [type, limit] : max_rank) {
          Decomposition a = u;
          a.only_type = type;
          alone.push_back(a);
        }
      }
    ensure_accuracy(uniform);
    ensure_accuracy(alone, "sensitivity");
    ensure_sims(uniform_sims, "simulations (uniform ranks)");
    std::vector<std::pair<Decomposition, size_t>> allocated;
    for (size_t i : idx) {
      const size_t h = points[i] % hw_points;
      SensitivityTable t;
      t.ranks = ranks;
      for (int r : ranks)
        if (const std::string* f = failed(with_rank(eff[i], r), h); f && failure[i].empty())
          failure[i] = fmt::format("the uniform rank-{} design does not run: {}", r, *f);
      if (!failure[i].empty()) continue;
      for (int r : ranks) {
        const Decomposition u = with_rank(eff[i], r);
        const std::map<std::string, TypeCycles> c = cycles_by_type(report(u, h));
        for (const auto& [type, limit] : max_rank) {
          Decomposition a = u;
          a.only_type = type;
          t.metric[type].push_back(metric_of(spec, accuracy.at(a.label())));
          const auto ct = c.find(type);
          t.cycles[type].push_back(ct == c.end() ? 0 : ct->second.low_rank);
        }
      }
      const std::map<std::string, int> alloc = allocate_ranks(t, spec.max);
      Decomposition d = eff[i];
      d.rank = ranks.front();
      d.layers.clear();
      for (const auto& [type, r] : alloc) d.layers.push_back({type, r, false, 0});
      eff[i] = d;
      allocated.push_back({d, h});
    }
    std::vector<Decomposition> designs;
    for (const auto& [d, h] : allocated) designs.push_back(d);
    ensure_accuracy(designs);
    ensure_sims(allocated, "simulations (sensitivity ranks)");
  }

  // The padded candidate replaces eff[i] when it is not slower and not less accurate;
  // `status` gets what happened.
  void padding_stage(const std::vector<size_t>& points, std::vector<Decomposition>& eff,
                     std::vector<std::string>& status, const std::vector<std::string>& failure) {
    std::vector<size_t> idx;
    std::vector<Decomposition> cand(points.size());
    std::vector<std::pair<Decomposition, size_t>> pairs;
    for (size_t i = 0; i < points.size(); ++i) {
      if (!eff[i].has_low_rank() || !failure[i].empty()) continue;
      const size_t h = points[i] % hw_points;
      if (failed(eff[i], h)) continue;
      const RankUnits u = rank_units(parsed_config(h), eff[i].factor_bits);
      Decomposition c = eff[i];
      c.layers.clear();
      for (const auto& [type, limit] : max_rank) {
        const LayerChoice* was = eff[i].choice_for(type);
        const int r = padded_rank(was ? was->rank : eff[i].rank, u, limit);
        if (r != eff[i].rank || eff[i].allocation == "sensitivity") c.layers.push_back({type, r, false, 0});
      }
      if (c == eff[i]) {
        status[i] = "none needed";
        continue;
      }
      cand[i] = c;
      idx.push_back(i);
      pairs.push_back({eff[i], h});
      pairs.push_back({c, h});
    }
    if (idx.empty()) return;
    std::vector<Decomposition> designs;
    for (const auto& [d, h] : pairs) designs.push_back(d);
    ensure_accuracy(designs, "accuracy (padded ranks)");
    ensure_sims(pairs, "simulations (padded ranks)");
    for (size_t i : idx) {
      const size_t h = points[i] % hw_points;
      if (const std::string* f = failed(cand[i], h)) {
        status[i] = "refused: does not run: " + *f;
        continue;
      }
      const int64_t before = totals_of(eff[i], h).total_cycles, after = totals_of(cand[i], h).total_cycles;
      const double e0 = metric_of(spec, accuracy.at(eff[i].label())), e1 = metric_of(spec, accuracy.at(cand[i].label()));
      if (after > before) {
        status[i] = fmt::format("refused: +{} cycles", after - before);
      } else if (e1 > e0) {
        status[i] = fmt::format("refused: {} {} -> {}", to_string(spec.metric), e0, e1);
      } else {
        status[i] = "padded";
        eff[i] = cand[i];
      }
    }
  }

  void reverting_stage(const std::vector<size_t>& points, std::vector<Decomposition>& eff,
                       std::vector<std::string>& status, const std::vector<std::string>& failure) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < points.size(); ++i)
      if (eff[i].has_dense() && eff[i].has_low_rank() && failure[i].empty() && !failed(eff[i], points[i] % hw_points))
        idx.push_back(i);
    if (idx.empty()) return;
    auto rtn = [](const Decomposition& d, int bits) {
      bool valid = false;
      return canonical("rtn", "factorized", bits, d.group, 0, 0, valid);
    };
    std::vector<Decomposition> need;
    for (size_t i : idx) {
      need.push_back(eff[i]);
      for (int b = eff[i].bits + 1; b <= 8; ++b) need.push_back(rtn(eff[i], b));
    }
    ensure_type_errors(need);
    // Each type's fewest rtn bits that match its error, and those rtn designs' cycles.
    std::vector<std::map<std::string, int>> bits_needed(points.size());
    std::vector<Decomposition> rtn_designs;
    std::vector<std::pair<Decomposition, size_t>> pairs;
    for (size_t i : idx) {
      const size_t h = points[i] % hw_points;
      const std::map<std::string, double>& own = type_errors.at(eff[i].label());
      for (const auto& [type, e] : own) {
        const LayerChoice* c = eff[i].choice_for(type);
        if (c && c->reverted) continue;
        std::map<int, double> rtn_error;
        for (int b = eff[i].bits + 1; b <= 8; ++b) {
          const auto& te = type_errors.at(rtn(eff[i], b).label());
          if (const auto it = te.find(type); it != te.end()) rtn_error[b] = it->second;
        }
        const int b = rtn_bits_needed(eff[i].bits, e, rtn_error);
        bits_needed[i][type] = b;
        if (b > 0) {
          rtn_designs.push_back(rtn(eff[i], b));
          pairs.push_back({rtn(eff[i], b), h});
        }
      }
      pairs.push_back({eff[i], h});
    }
    ensure_accuracy(rtn_designs, "accuracy (quantization alone)");
    ensure_sims(pairs, "simulations (quantization alone)");
    std::vector<size_t> tried;
    std::vector<Decomposition> cand(points.size());
    std::vector<std::pair<Decomposition, size_t>> cand_pairs;
    std::vector<Decomposition> cand_designs;
    for (size_t i : idx) {
      const size_t h = points[i] % hw_points;
      const std::map<std::string, TypeCycles> own = cycles_by_type(report(eff[i], h));
      Decomposition c = eff[i];
      int reverted = 0;
      for (const auto& [type, b] : bits_needed[i]) {
        RevertCandidate rc;
        rc.type = type;
        const auto it = own.find(type);
        if (it != own.end()) {
          rc.dense_cycles = it->second.dense;
          rc.low_rank_cycles = it->second.low_rank;
        }
        rc.rtn_bits = b > 0 && failed(rtn(eff[i], b), h) ? 0 : b;  // an rtn design that does not run is no option
        if (rc.rtn_bits > 0) {
          const std::map<std::string, TypeCycles> alt = cycles_by_type(report(rtn(eff[i], b), h));
          const auto a = alt.find(type);
          rc.rtn_cycles = a == alt.end() ? 0 : a->second.dense;
        }
        if (!should_revert(rc)) continue;
        ++reverted;
        LayerChoice choice{type, 0, true, b};
        bool replaced = false;
        for (LayerChoice& x : c.layers)
          if (x.type == type) {
            x = choice;
            replaced = true;
          }
        if (!replaced) c.layers.push_back(choice);
      }
      std::sort(c.layers.begin(), c.layers.end(),
                [](const LayerChoice& a, const LayerChoice& b) { return a.type < b.type; });
      if (reverted == 0) {
        status[i] = "none";
        continue;
      }
      status[i] = fmt::format("{} type(s)", reverted);
      cand[i] = c;
      tried.push_back(i);
      cand_designs.push_back(c);
      cand_pairs.push_back({c, h});
    }
    ensure_accuracy(cand_designs, "accuracy (reverted layers)");
    ensure_sims(cand_pairs, "simulations (reverted layers)");
    for (size_t i : tried) {
      const size_t h = points[i] % hw_points;
      if (const std::string* f = failed(cand[i], h)) {
        status[i] = "refused: does not run: " + *f;
        continue;
      }
      const int64_t before = totals_of(eff[i], h).total_cycles, after = totals_of(cand[i], h).total_cycles;
      if (after > before) {
        status[i] = fmt::format("refused: +{} cycles", after - before);
      } else {
        eff[i] = cand[i];
      }
    }
  }
};

DesignEvaluator::DesignEvaluator(const DseSpec& spec, const DecompositionSpace& space, const DseOptions& options)
    : impl_(std::make_unique<Impl>(spec, space, options)) {}
DesignEvaluator::~DesignEvaluator() = default;

std::vector<PointRecord> DesignEvaluator::evaluate(const std::vector<size_t>& points) {
  Impl& m = *impl_;
  const DseSpec& spec = m.spec;
  std::vector<Decomposition> eff(points.size());
  std::vector<Decomposition> base;
  std::vector<std::pair<Decomposition, size_t>> pairs;
  for (size_t i = 0; i < points.size(); ++i) {
    eff[i] = m.space.designs[points[i] / m.hw_points];
    if (eff[i].allocation == "uniform") {
      base.push_back(eff[i]);
      pairs.push_back({eff[i], points[i] % m.hw_points});
    }
  }
  m.ensure_accuracy(base);
  m.ensure_sims(pairs, "simulations");
  std::vector<std::string> failure(points.size()), padding(points.size()), reverting(points.size());
  m.sensitivity_stage(points, eff, failure);
  if (spec.rank_padding) m.padding_stage(points, eff, padding, failure);
  if (spec.layer_reverting) m.reverting_stage(points, eff, reverting, failure);

  const FpgaDevice* device = spec.device == "none" ? nullptr : &find_fpga_device(spec.device);
  std::vector<PointRecord> out;
  out.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    PointRecord r;
    r.point = points[i];
    r.design = points[i] / m.hw_points;
    r.hardware = points[i] % m.hw_points;
    r.effective = eff[i];
    r.padding = padding[i];
    r.reverting = reverting[i];
    size_t reverted = 0;
    for (const LayerChoice& c : eff[i].layers) reverted += c.reverted ? 1 : 0;
    r.low_rank_left = eff[i].has_low_rank() && (reverted == 0 || reverted < m.max_rank.size());
    const std::string label = eff[i].label();
    const bool has_trace = m.traces.count(label) > 0;  // not for a sensitivity design that could not be allocated
    if (failure[i].empty() && has_trace)
      if (const std::string* f = m.failed(eff[i], r.hardware)) failure[i] = *f;
    r.sim_failure = failure[i];
    r.has_accuracy = m.accuracy.count(label) > 0;
    if (r.has_accuracy) {
      r.accuracy = m.accuracy.at(label);
      r.accurate_enough = metric_of(spec, r.accuracy) <= spec.max;
    }
    if (r.sim_failure.empty()) {
      const SimReport& s = m.totals_of(eff[i], r.hardware);
      r.sim = {s.total_cycles, s.dram_read_bytes, s.latency_us, s.pe_utilization};
    }
    if (has_trace) {
      const AccelConfig& config = m.parsed_config(r.hardware);
      auto t = m.parsed_traces.find(label);
      if (t == m.parsed_traces.end())
        t = m.parsed_traces.emplace(label, parse_trace(m.traces.at(label), fmt::format("<trace of {}>", label))).first;
      const UnitPrecisions pairs_of = trace_precisions(t->second, unit_arrays(config));
      r.resources = (device ? estimate_resources(config, pairs_of, *device)
                            : estimate_resources(config, pairs_of, EstimateOptions{}))
                        .total;
      r.fits = device == nullptr || itera::feasible(r.resources, *device, spec.max_utilization);
    }
    r.feasible = r.sim_failure.empty() && r.accurate_enough && r.fits;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<LayerLatency> DesignEvaluator::layers(const PointRecord& p) {
  return layer_split(impl_->report(p.effective, p.hardware), p.effective);
}

}  // namespace itera::dse
