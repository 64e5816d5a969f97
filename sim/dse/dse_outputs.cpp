#include "dse_outputs.h"

#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "text.h"

namespace itera::dse {

namespace {

using nlohmann::json;

std::string real(double x) { return fmt::format("{:.6g}", x); }

const char* metric_columns(const DseResult& r) {
  return r.spec.proxy() ? "weight_error" : "kl_mean,ppl_ratio,top1_agreement";
}

std::string knob_cells(const Decomposition& d) {
  auto opt = [](bool present, int v) { return present ? std::to_string(v) : std::string(); };
  return fmt::format("{},{},{},{},{},{}", d.method, d.form, opt(d.has_dense(), d.bits), opt(d.has_dense(), d.group),
                     opt(d.has_low_rank(), d.factor_bits), opt(d.has_low_rank(), d.rank));
}

std::string hardware_cells(const DseResult& r, size_t h) {
  std::string out;
  const sweep::SweepSpec& hw = r.spec.hardware;
  if (hw.grid.empty()) return out;
  const std::vector<size_t> c = hw.choice(h);
  for (size_t a = 0; a < hw.grid.size(); ++a) out += "," + csv_field(hw.grid[a].values[c[a]].text);
  return out;
}

std::string hardware_header(const DseResult& r) {
  std::string out;
  for (const sweep::GridAxis& a : r.spec.hardware.grid) out += "," + csv_field(a.key);
  return out;
}

std::string accuracy_cells(const DseResult& r, const PointRecord& p) {
  if (r.spec.proxy()) return real(p.accuracy.weight_error);
  return fmt::format("{},{},{}", real(p.accuracy.kl_mean), real(p.accuracy.ppl_ratio),
                     real(p.accuracy.top1_agreement));
}

// The hardware-aware options' columns (only when one is on): rank_allocation,
// layer_plan (the effective design's per-type departures), padding, reverting.
bool hardware_aware(const DseSpec& s) { return s.hardware_aware(); }

std::string plan_header(const DseResult& r) {
  return hardware_aware(r.spec) ? ",rank_allocation,layer_plan,padding,reverting" : "";
}

std::string plan_cells(const DseResult& r, const PointRecord& p) {
  if (!hardware_aware(r.spec)) return "";
  auto or_dash = [](const std::string& x) { return x.empty() ? std::string("-") : x; };
  return fmt::format(",{},{},{},{}", r.space.designs[p.design].allocation, csv_field(or_dash(p.effective.plan_text())),
                     csv_field(or_dash(p.padding)), csv_field(or_dash(p.reverting)));
}

std::string header(const DseResult& r) {
  return fmt::format("point,method,form,bits,group,factor_bits,rank{}{},bits_per_weight,{},total_cycles,latency_us,"
                     "pe_utilization,dram_read_bytes,dsp,bram36,uram,lut,feasible,pareto\n",
                     plan_header(r), hardware_header(r), metric_columns(r));
}

// A point that does not run on its hardware has empty simulation cells (and, without a
// trace, empty resources).
std::string row(const DseResult& r, const PointRecord& p) {
  const bool ran = p.sim_failure.empty();
  const std::string sim = ran ? fmt::format("{},{},{},{}", p.sim.total_cycles, real(p.sim.latency_us),
                                            real(p.sim.pe_utilization), p.sim.dram_read_bytes)
                              : std::string(",,,");
  const bool sized = p.resources.dsp > 0 || p.resources.lut > 0;
  const std::string res = sized ? fmt::format("{},{},{},{}", p.resources.dsp, p.resources.bram36, p.resources.uram,
                                              p.resources.lut)
                                : std::string(",,,");
  return fmt::format("{},{}{}{},{},{},{},{},{},{}\n", p.point, knob_cells(r.space.designs[p.design]), plan_cells(r, p),
                     hardware_cells(r, p.hardware), p.has_accuracy ? real(p.accuracy.bits_per_weight) : "",
                     accuracy_cells(r, p), sim, res, p.feasible ? 1 : 0, p.pareto ? 1 : 0);
}

json point_json(const DseResult& r, const PointRecord& p) {
  const Decomposition& d = p.effective;
  json dec = {{"method", d.method}};
  if (!d.form.empty()) dec["form"] = d.form;
  if (d.has_dense()) {
    dec["bits"] = d.bits;
    dec["group"] = d.group;
  }
  if (d.has_low_rank()) {
    dec["factor_bits"] = d.factor_bits;
    dec["rank"] = d.rank;
  }
  if (hardware_aware(r.spec)) {
    dec["rank_allocation"] = d.allocation;
    json plan = json::object();
    for (const LayerChoice& c : d.layers)
      plan[c.type] = c.reverted ? json{{"method", "rtn"}, {"bits", c.bits}} : json{{"rank", c.rank}};
    dec["layer_plan"] = plan;
    dec["padding"] = p.padding;
    dec["reverting"] = p.reverting;
  }
  json hw = json::object();
  const sweep::SweepSpec& spec = r.spec.hardware;
  if (!spec.grid.empty()) {
    const std::vector<size_t> c = spec.choice(p.hardware);
    for (size_t a = 0; a < spec.grid.size(); ++a) hw[spec.grid[a].key] = spec.grid[a].values[c[a]].text;
  }
  json acc = {{"bits_per_weight", p.accuracy.bits_per_weight}};
  if (r.spec.proxy()) {
    acc["weight_error"] = p.accuracy.weight_error;
  } else {
    acc["kl_mean"] = p.accuracy.kl_mean;
    acc["ppl_ratio"] = p.accuracy.ppl_ratio;
    acc["top1_agreement"] = p.accuracy.top1_agreement;
  }
  return {{"point", p.point},
          {"label", d.label()},
          {"decomposition", dec},
          {"hardware", hw},
          {"accuracy", acc},
          {"total_cycles", p.sim.total_cycles},
          {"latency_us", p.sim.latency_us},
          {"pe_utilization", p.sim.pe_utilization},
          {"dram_read_bytes", p.sim.dram_read_bytes},
          {"resources",
           {{"dsp", p.resources.dsp}, {"bram36", p.resources.bram36}, {"uram", p.resources.uram},
            {"lut", p.resources.lut}}},
          {"fits_device", p.fits}};
}

json layers_json(const DseResult& r, const PointRecord& p) {
  json out = json::array();
  const auto it = r.layers.find(p.point);
  if (it == r.layers.end()) return out;
  for (const LayerLatency& l : it->second) {
    json j = {{"layer", l.layer}, {"method", l.method}};
    j["bits"] = l.dense_bits > 0 ? json(l.dense_bits) : json();
    j["rank"] = l.rank;
    j["reverted"] = l.reverted;
    j["dense_cycles"] = l.dense_cycles;
    j["low_rank_cycles"] = l.low_rank_cycles;
    j["stall_cycles"] = l.stall_cycles;
    out.push_back(j);
  }
  return out;
}

json headline_point(const DseResult& r, long index) {
  if (index < 0) return json();
  const PointRecord& p = r.points[static_cast<size_t>(index)];
  json j = point_json(r, p);
  j["layers"] = layers_json(r, p);
  return j;
}

// What the hardware-aware options did, and sensitivity against uniform ranks.
std::string hardware_aware_section(const DseResult& r) {
  if (!hardware_aware(r.spec)) return "";
  std::string out = "\n## Hardware-aware options\n\n";
  auto tally = [&](const char* what, std::string PointRecord::*field) {
    std::map<std::string, size_t> n;
    for (const PointRecord& p : r.points)
      if (!(p.*field).empty()) ++n[(p.*field).rfind("refused", 0) == 0 ? "refused (not faster or less accurate)" : p.*field];
    std::string line = fmt::format("- {}:", what);
    if (n.empty()) return line + " no point applies\n";
    bool first = true;
    for (const auto& [k, v] : n) {
      line += fmt::format("{} {} {}", first ? "" : ",", v, k);
      first = false;
    }
    return line + "\n";
  };
  if (r.spec.rank_padding) out += tally("rank padding (points)", &PointRecord::padding);
  if (r.spec.layer_reverting) out += tally("layer reverting (points)", &PointRecord::reverting);
  if (r.spec.rank_allocation == RankAllocation::Sensitivity) {
    const char* metric = to_string(r.spec.metric);
    out += fmt::format("\nRank allocation, the fastest feasible low-rank point of each ({} <= {}):\n\n",
                       metric, real(r.spec.max));
    out += fmt::format("| allocation | point | design | {} | latency (us) | cycles |\n|---|---|---|---|---|---|\n",
                       metric);
    for (const auto& [name, index] : {std::pair<const char*, long>{"uniform", r.headline.best_uniform},
                                      std::pair<const char*, long>{"sensitivity", r.headline.best_sensitivity}}) {
      if (index < 0) {
        out += fmt::format("| {} | - | no feasible point | - | - | - |\n", name);
        continue;
      }
      const PointRecord& p = r.points[static_cast<size_t>(index)];
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", name, p.point, p.effective.label(),
                         real(r.accuracy_of(p)), real(p.sim.latency_us), p.sim.total_cycles);
    }
    if (r.headline.best_uniform >= 0 && r.headline.best_sensitivity >= 0) {
      const double u = r.points[static_cast<size_t>(r.headline.best_uniform)].sim.latency_us;
      const double v = r.points[static_cast<size_t>(r.headline.best_sensitivity)].sim.latency_us;
      out += fmt::format("\nSensitivity allocation is {:.1f}% {} than uniform ranks.\n", std::abs(100.0 * (1 - v / u)),
                         v <= u ? "faster" : "slower");
    }
  }
  return out;
}

}  // namespace

std::string points_csv(const DseResult& r) {
  std::string out = header(r);
  for (const PointRecord& p : r.points) out += row(r, p);
  return out;
}

std::string pareto_csv(const DseResult& r, bool with_dsp) {
  std::string out = header(r);
  for (const PointRecord& p : r.points)
    if (with_dsp ? p.pareto_dsp : p.pareto) out += row(r, p);
  return out;
}

json summary_json(const DseResult& r) {
  const Headline& h = r.headline;
  size_t feasible = 0, accurate = 0;
  for (const PointRecord& p : r.points) {
    feasible += p.feasible ? 1 : 0;
    accurate += p.accurate_enough ? 1 : 0;
  }
  json j;
  j["accuracy_metric"] = to_string(r.spec.metric);
  j["accuracy_is_proxy"] = r.spec.proxy();
  j["accuracy_budget"] = r.spec.max;
  j["device"] = {{"name", r.spec.device}, {"max_utilization", r.spec.max_utilization}};
  size_t not_run = 0;
  for (const PointRecord& p : r.points) not_run += p.sim_failure.empty() ? 0 : 1;
  j["design_space"] = {{"decompositions", r.space.designs.size()},
                       {"not_runnable", not_run},
                       {"grid_combinations", r.space.combinations},
                       {"merged_combinations", r.space.merged},
                       {"skipped_combinations", r.space.skipped},
                       {"hardware_points", r.spec.hardware_points()},
                       {"points", r.total_points},
                       {"evaluated", r.points.size()},
                       {"within_budget", accurate},
                       {"feasible", feasible}};
  j["baseline"] = headline_point(r, h.baseline);
  j["best"] = headline_point(r, h.best);
  j["best_low_rank"] = headline_point(r, h.best_low_rank);
  j["latency_reduction_pct"] = h.best < 0 ? json() : json(h.reduction_pct);
  if (r.spec.rank_allocation == RankAllocation::Sensitivity)
    j["rank_allocation"] = {{"uniform", headline_point(r, h.best_uniform)},
                            {"sensitivity", headline_point(r, h.best_sensitivity)}};
  return j;
}

std::string report_markdown(const DseResult& r) {
  const Headline& h = r.headline;
  const char* metric = to_string(r.spec.metric);
  std::string out = "# itera dse report\n\n";
  // The spec's file name only: a merged run reads the spec from another path.
  out += fmt::format("Spec: `{}`. Accuracy: {} (budget: {} <= {}){}.\n\n",
                     std::filesystem::path(r.spec.file).filename().string(), metric, metric,
                     real(r.spec.max), r.spec.proxy() ? "; a weight-error **proxy** on synthetic weights, not a model "
                                                        "accuracy"
                                                      : "");
  const json s = summary_json(r);
  out += fmt::format("{} decompositions x {} hardware points = {} points; {} evaluated, {} within the accuracy budget, "
                     "{} feasible.\n\n",
                     r.space.designs.size(), r.spec.hardware_points(), r.total_points, r.points.size(),
                     s["design_space"]["within_budget"].get<size_t>(), s["design_space"]["feasible"].get<size_t>());
  const PointRecord* first_failure = nullptr;
  size_t failures = 0;
  for (const PointRecord& p : r.points)
    if (!p.sim_failure.empty()) {
      ++failures;
      if (!first_failure) first_failure = &p;
    }
  if (first_failure)
    out += fmt::format("{} point(s) do not run on their hardware and are infeasible (points.csv leaves their cycles "
                       "empty); e.g. point {} ({}): {}\n\n",
                       failures, first_failure->point, first_failure->effective.label(), first_failure->sim_failure);
  auto line = [&](const char* role, const PointRecord& p) {
    return fmt::format("| {} | {} | {} | {} | {} | {} |\n", role, p.point, p.effective.label(),
                       real(r.accuracy_of(p)), real(p.sim.latency_us), p.sim.total_cycles);
  };
  if (h.baseline < 0) {
    out += "**No feasible quantization-only (rtn) design**: there is no baseline to compare against.\n";
    return out;
  }
  const PointRecord& base = r.points[static_cast<size_t>(h.baseline)];
  out += fmt::format("| role | point | design | {} | latency (us) | cycles |\n|---|---|---|---|---|---|\n", metric);
  out += line("baseline (quantization only)", base);
  out += line("best at matched accuracy", r.points[static_cast<size_t>(h.best)]);
  if (h.best_low_rank >= 0 && h.best_low_rank != h.best)
    out += line("best low-rank design", r.points[static_cast<size_t>(h.best_low_rank)]);
  out += "\n";
  if (h.best_low_rank < 0) {
    out += fmt::format("**No low-rank design reaches the baseline's accuracy** ({} <= {}).\n", metric,
                       real(r.accuracy_of(base)));
  } else {
    const PointRecord& lr = r.points[static_cast<size_t>(h.best_low_rank)];
    const double cut = 100.0 * (1.0 - lr.sim.latency_us / base.sim.latency_us);
    if (cut > 0)
      out += fmt::format("**Latency cut at matched accuracy: {:.1f}%** ({} us -> {} us, {} {} vs {}).\n", cut,
                         real(base.sim.latency_us), real(lr.sim.latency_us), metric, real(r.accuracy_of(lr)),
                         real(r.accuracy_of(base)));
    else if (lr.sim.latency_us == base.sim.latency_us)
      out += fmt::format("**No low-rank design beats quantization alone**: at matched accuracy the fastest low-rank "
                         "design only ties it ({} us).\n",
                         real(lr.sim.latency_us));
    else
      out += fmt::format("**No low-rank design beats quantization alone**: at matched accuracy the fastest low-rank "
                         "design is {:.1f}% slower ({} us vs {} us).\n",
                         -cut, real(lr.sim.latency_us), real(base.sim.latency_us));
  }
  out += hardware_aware_section(r);
  return out;
}

}  // namespace itera::dse
