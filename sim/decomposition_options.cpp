#include "decomposition_options.h"

#include <fmt/format.h>

#include "error.h"

namespace itera::cli {

void DecompositionArgs::add_to(po::options_description& desc, const std::string& default_method) {
  method = default_method;
  // clang-format off
  desc.add_options()
    ("method", po::value(&method)->default_value(default_method), "rtn | svd | itera | lorc | loftq")
    ("bits", po::value(&bits)->default_value(4), "dense weight bits, 2..8")
    ("factor-bits", po::value(&factor_bits)->default_value(4), "low-rank factor bits, 2..8, or 16 = unquantized (F16)")
    ("rank", po::value(&rank), "rank: R, or R,PATTERN=R,... per layer (longest substring match wins); not for rtn")
    ("granularity", po::value(&granularity)->default_value("", "channel"), "dense scales: tensor | channel | group")
    ("group", po::value(&group)->default_value(0), "group size along the input dimension (implies --granularity group)")
    ("asym", po::bool_switch(&asym), "asymmetric quantization (scale + zero point) instead of symmetric")
    ("factor-group", po::value(&factor_group)->default_value(0), "factor vectors: group size along the vector, 0 = one scale per vector")
    ("form", po::value(&form)->default_value("factorized"), "itera only: factorized (W ~ AB) | compensated (W ~ Q(W) + AB)")
    ("loftq-iters", po::value(&loftq_iters)->default_value(5), "loftq only: alternating steps T, 1..1000")
    ("svd-engine", po::value(&engine)->default_value("fast"), "fast (randomized / warm-started Davidson) | exact (full SVD, reference)");
  // clang-format on
}

ResolvedDecomposition resolve_decomposition(const DecompositionArgs& a, uint64_t seed) {
  ResolvedDecomposition r;
  r.method = make_method(a.method);
  MethodOptions& base = r.options;
  if (a.group < 0) throw Error(fmt::format("--group must be >= 0 (got {})", a.group));
  if (a.factor_group < 0) throw Error(fmt::format("--factor-group must be >= 0 (got {})", a.factor_group));
  base.weight.bits = a.bits;
  base.weight.symmetric = !a.asym;
  if (a.group > 0 && !a.granularity.empty() && a.granularity != "group")
    throw Error(fmt::format("--group {} means group-wise scales, but --granularity is '{}'; give one or the other",
                            a.group, a.granularity));
  base.weight.granularity =
      a.group > 0 ? Granularity::Group : parse_granularity(a.granularity.empty() ? "channel" : a.granularity);
  base.weight.group = a.group;
  if (base.weight.granularity == Granularity::Group && a.group < 1)
    throw Error("--granularity group needs --group G with G >= 1");
  base.factor.bits = a.factor_bits;
  base.factor.symmetric = !a.asym;
  base.factor.granularity = a.factor_group > 0 ? Granularity::Group : Granularity::PerChannel;
  base.factor.group = a.factor_group;
  base.form = parse_form(a.form);
  base.loftq_iters = a.loftq_iters;
  if (a.method == "loftq" && (a.loftq_iters < 1 || a.loftq_iters > kMaxLoftqIters))
    throw Error(fmt::format("--loftq-iters must be in 1..{} (got {})", kMaxLoftqIters, a.loftq_iters));
  base.engine = parse_svd_engine(a.engine);
  base.seed = seed;
  if (r.method->uses_dense(base)) validate_quant_spec(base.weight, "--bits", false);
  if (r.method->uses_rank()) {
    validate_quant_spec(base.factor, "--factor-bits", true);
    if (a.rank.empty()) throw Error(fmt::format("method '{}' needs --rank (R, or R,PATTERN=R,...)", r.method->name()));
  }
  r.ranks = a.rank.empty() ? RankSpec{0, {}} : RankSpec::parse(a.rank);
  return r;
}

LayerRecipe ResolvedDecomposition::recipe_for(const std::string& layer) const {
  LayerRecipe r{method.get(), options};
  r.options.rank = ranks.rank_for(layer);
  if (per_layer) per_layer(layer, r);
  return r;
}

std::vector<AppliedLayer> apply_decomposition(LlamaModel& model, const ResolvedDecomposition& d, bool include_head,
                                              const std::map<std::string, InputGram>* grams, WeightingKind weighting,
                                              std::vector<SavedLayer>* saved) {
  std::vector<NamedMatrix> layers = llama_linear_layers(model.weights());
  if (include_head) layers.push_back({"lm_head.weight", model.weights().classifier(), 1});
  if (weighting != WeightingKind::None && !grams)
    throw Error("activation-aware decomposition needs calibration text (--calib-text)");
  if (weighting != WeightingKind::None && !d.method->supports_weighting())
    throw Error(fmt::format("method '{}' has no activation-aware variant; --act-aware works with svd, lorc and itera",
                            d.method->name()));
  for (const auto& l : layers) {
    const LayerRecipe rc = d.recipe_for(l.name);
    if (rc.method)
      validate_layer_options(l.name, static_cast<int>(l.w.rows()), static_cast<int>(l.w.cols()), *rc.method,
                             rc.options);
  }
  std::vector<AppliedLayer> out;
  for (const auto& l : layers) {
    LayerRecipe rc = d.recipe_for(l.name);
    if (!rc.method) continue;
    MethodOptions& o = rc.options;
    const InputGram* g = nullptr;
    if (grams) {
      auto it = grams->find(l.name);
      if (it == grams->end()) throw Error(fmt::format("no calibration activations were captured for '{}'", l.name));
      g = &it->second;
    }
    const ActWeighting wt = g ? make_weighting(weighting, g->gram, g->count) : ActWeighting{};
    o.weighting = &wt;
    // The same per-layer path as `itera decompose` (per-name seed, validation), without the bound.
    const LayerResult r = decompose_layer(l.name, l.w, 1, *rc.method, o, BoundMode::Off);
    const Matrix w_hat = r.layer.reconstruct();
    AppliedLayer a;
    a.name = l.name;
    a.weight_error = r.rel_error;
    a.storage_bits = r.layer.storage_bits();
    a.params = static_cast<int64_t>(l.w.rows()) * l.w.cols();
    if (g) a.output_error = output_rel_error(l.w, w_hat, g->gram);
    // A quantized-only layer keeps its integer codes: forward() multiplies them directly
    // (the same results as w_hat, which is their dequantization).
    if (r.layer.dense && !r.layer.low_rank && !r.layer.dense->spec.is_float16())
      model.set_linear_quantized(l.name, *r.layer.dense);
    else
      model.set_linear(l.name, w_hat);
    out.push_back(a);
    if (saved) saved->push_back({r.layer, l.repeat});
  }
  return out;
}

}  // namespace itera::cli
