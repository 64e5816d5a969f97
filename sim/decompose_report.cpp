#include "decompose_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace itera {

namespace {

struct Totals {
  double params = 0.0, bits = 0.0, err2 = 0.0, norm2 = 0.0, seconds = 0.0;
};

Totals totals(const DecomposeRun& run) {
  Totals t;
  for (size_t i = 0; i < run.layers.size(); ++i) {
    const LayerResult& r = run.layers[i];
    const double n = static_cast<double>(r.layer.rows) * r.layer.cols * r.repeat;
    const double norm2 = run.weight_norms[i] * run.weight_norms[i] * r.repeat;
    t.params += n;
    t.bits += static_cast<double>(r.layer.storage_bits()) * r.repeat;
    t.norm2 += norm2;
    t.err2 += r.rel_error * r.rel_error * norm2;
    t.seconds += r.seconds;
  }
  return t;
}

std::string bits_text(const LayerResult& r) { return r.dense_used ? fmt::format("{}", r.options.weight.bits) : "-"; }
std::string fbits_text(const LayerResult& r) {
  return r.layer.low_rank ? fmt::format("{}", r.options.factor.bits) : "-";
}
std::string group_text(const LayerResult& r) {
  if (!r.dense_used) return "-";
  const QuantSpec& s = r.options.weight;
  return s.granularity == Granularity::Group ? fmt::format("{}", s.group) : granularity_name(s.granularity);
}

}  // namespace

std::string decompose_table(const DecomposeRun& run) {
  std::string out = fmt::format("itera decompose: {}\n", run.source);
  if (!run.layers.empty()) {
    const LayerResult& r0 = run.layers.front();
    out += fmt::format("method {}{}, weights {}, factors {}, SVD engine {}\n", r0.layer.method,
                       r0.layer.method == "itera" ? fmt::format(" ({})", form_name(r0.options.form)) : "",
                       r0.dense_used ? r0.options.weight.describe() : "-",
                       r0.layer.low_rank ? r0.options.factor.describe() : "-", svd_engine_name(r0.options.engine));
  }
  out += "\n";
  size_t name_w = 5;
  for (const auto& r : run.layers) name_w = std::max(name_w, r.layer.name.size());
  std::string header = fmt::format("{:<{}} {:>12} {:>4} {:<7} {:>4} {:>5} {:>7} {:>5} {:>7} {:>9} {:>9} {:>6}",
                                   "layer", name_w, "shape", "x", "method", "bits", "fbits", "group", "rank", "bpw",
                                   "rel_err", "EY_bound", "eff");
  if (run.timing) header += fmt::format(" {:>8}", "time_s");
  out += header + "\n" + std::string(header.size(), '-') + "\n";
  for (const auto& r : run.layers) {
    const std::string ey = r.ey_rel_error < 0 ? "-" : fmt::format("{:.5f}{}", r.ey_rel_error, r.ey_exact ? "" : "~");
    const std::string eff = r.ey_rel_error < 0 || r.rel_error <= 0 ? "-" : fmt::format("{:.4f}", r.ey_rel_error / r.rel_error);
    std::string line = fmt::format(
        "{:<{}} {:>12} {:>4} {:<7} {:>4} {:>5} {:>7} {:>5} {:>7.3f} {:>9.5f} {:>9} {:>6}", r.layer.name, name_w,
        fmt::format("{}x{}", r.layer.rows, r.layer.cols), r.repeat, r.layer.method, bits_text(r), fbits_text(r),
        group_text(r), r.layer.rank(), r.layer.bits_per_weight(), r.rel_error, ey, eff);
    if (run.timing) line += fmt::format(" {:>8.3f}", r.seconds);
    out += line + "\n";
  }
  const Totals t = totals(run);
  out += std::string(header.size(), '-') + "\n";
  out += fmt::format("total: {:.0f} weights (with repeats), {:.4f} bits/weight, relative error {:.5f}", t.params,
                     t.params > 0 ? t.bits / t.params : 0.0, t.norm2 > 0 ? std::sqrt(t.err2 / t.norm2) : 0.0);
  if (run.timing) out += fmt::format(", {:.2f} s", t.seconds);
  out += "\n";
  bool any_estimate = false;
  for (const auto& r : run.layers) any_estimate |= r.ey_rel_error >= 0 && !r.ey_exact;
  out += "EY_bound: error of the best rank-r approximation of the method's residual (Eckart-Young); "
         "eff = EY_bound / rel_err (1 = optimal).\n";
  if (any_estimate) out += "~: bound estimated with a randomized SVD (use --bound exact for a full SVD).\n";
  return out;
}

nlohmann::json decompose_json(const DecomposeRun& run) {
  using nlohmann::json;
  json layers = json::array();
  for (const auto& r : run.layers) {
    json l;
    l["name"] = r.layer.name;
    l["rows"] = r.layer.rows;
    l["cols"] = r.layer.cols;
    l["repeat"] = r.repeat;
    l["method"] = r.layer.method;
    l["form"] = form_name(r.layer.form);
    l["bits"] = r.dense_used ? json(r.options.weight.bits) : json(nullptr);
    l["symmetric"] = r.options.weight.symmetric;
    l["granularity"] = r.dense_used ? json(granularity_name(r.options.weight.granularity)) : json(nullptr);
    l["group"] = r.dense_used && r.options.weight.granularity == Granularity::Group ? json(r.options.weight.group)
                                                                                    : json(nullptr);
    l["factor_bits"] = r.layer.low_rank ? json(r.options.factor.bits) : json(nullptr);
    l["factor_group"] = r.layer.low_rank && r.options.factor.granularity == Granularity::Group
                            ? json(r.options.factor.group)
                            : json(nullptr);
    l["rank"] = r.layer.rank();
    l["storage_bits"] = r.layer.storage_bits();
    l["bits_per_weight"] = r.layer.bits_per_weight();
    l["rel_error"] = r.rel_error;
    l["ey_rel_error"] = r.ey_rel_error < 0 ? json(nullptr) : json(r.ey_rel_error);
    l["ey_exact"] = r.ey_exact;
    l["efficiency"] = r.ey_rel_error < 0 || r.rel_error <= 0 ? json(nullptr) : json(r.ey_rel_error / r.rel_error);
    l["svd_engine"] = svd_engine_name(r.options.engine);
    if (run.timing) l["seconds"] = r.seconds;
    layers.push_back(std::move(l));
  }
  const Totals t = totals(run);
  json out;
  out["tool"] = "itera decompose";
  out["source"] = run.source;
  out["layers"] = std::move(layers);
  out["total"] = {{"weights", t.params},
                  {"bits_per_weight", t.params > 0 ? t.bits / t.params : 0.0},
                  {"rel_error", t.norm2 > 0 ? std::sqrt(t.err2 / t.norm2) : 0.0}};
  if (run.timing) out["total"]["seconds"] = t.seconds;
  return out;
}

}  // namespace itera
