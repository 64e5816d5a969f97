#include "accuracy_scorer.h"

#include <fmt/format.h>

#include "act_weighting.h"
#include "calibration.h"
#include "decompose.h"
#include "decomposition_options.h"
#include "error.h"
#include "layer_planning.h"
#include "eval_inputs.h"
#include "file_io.h"
#include "llama_hf.h"
#include "method.h"
#include "tokenizer.h"
#include "weight_source.h"

namespace itera::dse {

namespace {

class ModelScorer final : public AccuracyScorer {
 public:
  explicit ModelScorer(const ModelAccuracySpec& spec) : spec_(spec), base_(load_llama(spec.model)) {
    if (spec.window > base_.config().seq_len)
      throw Error(fmt::format("accuracy.window {} is longer than the model's sequence length {}", spec.window,
                              base_.config().seq_len));
    weighting_ = parse_weighting(spec.act_aware);
    if (weighting_ != WeightingKind::None && spec.calib_text.empty())
      throw Error("accuracy.act_aware " + spec.act_aware + " needs accuracy.calib_text");
    const Tokenizer tok = Tokenizer::load(spec.tokenizer, base_.config().vocab_size);
    // As `itera eval` reads them (eval_inputs.h).
    cli::EvalInputs in = cli::load_eval_inputs(base_, tok, spec.text, false, spec.calib_text, spec.calib_tokens,
                                               spec.tokens, spec.window);
    tokens_ = std::move(in.tokens);
    grams_ = std::move(in.grams);
  }

  AccuracyScore score(const Decomposition& d, std::vector<SavedLayer>* saved) const override {
    LlamaModel quant = base_;
    const cli::ResolvedDecomposition r = resolve_design(d, spec_.seed, d.only_type);
    const std::vector<cli::AppliedLayer> applied = cli::apply_decomposition(
        quant, r, spec_.include_head, spec_.calib_text.empty() ? nullptr : &grams_, weighting_, saved);
    EvalOptions opt;
    opt.window = spec_.window;
    opt.max_tokens = spec_.tokens;
    opt.threads = spec_.threads;
    const EvalStats s = evaluate(base_, quant, tokens_, opt);
    AccuracyScore a;
    a.kl_mean = s.kl_mean;
    a.ppl_ratio = s.ppl_ratio;
    a.top1_agreement = s.top1_agreement;
    int64_t bits = 0, params = 0;
    for (const cli::AppliedLayer& l : applied) {
      bits += l.storage_bits;
      params += l.params;
    }
    a.bits_per_weight = params > 0 ? static_cast<double>(bits) / static_cast<double>(params) : 0.0;
    return a;
  }

  std::map<std::string, double> type_errors(const Decomposition& d) const override {
    LlamaModel quant = base_;
    const cli::ResolvedDecomposition r = resolve_design(d, spec_.seed);
    // As score() compresses the layers (act-aware weighting included).
    const std::vector<cli::AppliedLayer> applied = cli::apply_decomposition(
        quant, r, spec_.include_head, spec_.calib_text.empty() ? nullptr : &grams_, weighting_, nullptr);
    std::map<std::string, std::pair<double, int>> sums;
    for (const cli::AppliedLayer& l : applied) {
      auto& [sum, n] = sums[layer_type(l.name)];
      sum += l.weight_error;
      n += 1;
    }
    std::map<std::string, double> out;
    for (const auto& [type, s] : sums) out[type] = s.first / s.second;
    return out;
  }

  std::string describe() const override {
    return fmt::format("kl_mean, ppl_ratio and top1_agreement against the full-precision model on '{}' "
                       "({} tokens, windows of {}{})",
                       spec_.text, spec_.tokens, spec_.window,
                       spec_.act_aware == "none" ? "" : ", act-aware " + spec_.act_aware);
  }

 private:
  ModelAccuracySpec spec_;
  LlamaModel base_;
  std::vector<int> tokens_;
  std::map<std::string, InputGram> grams_;
  WeightingKind weighting_ = WeightingKind::None;
};

class ProxyScorer final : public AccuracyScorer {
 public:
  ProxyScorer(const std::string& shape, uint64_t seed, bool include_head) : shape_(shape), seed_(seed) {
    WeightSourceSpec ws;
    ws.shape = shape;
    ws.seed = seed;
    ws.include_head = include_head;
    for (LayerRef& ref : resolve_layers(ws)) layers_.push_back({ref.name, ref.load(), ref.repeat});
  }

  AccuracyScore score(const Decomposition& d, std::vector<SavedLayer>*) const override {
    const cli::ResolvedDecomposition r = resolve_design(d, 0, d.only_type);
    double error_sum = 0, copies = 0;
    double bits = 0, params = 0;
    for (const NamedMatrix& l : layers_) {
      const cli::LayerRecipe rc = r.recipe_for(l.name);
      if (!rc.method) {  // left at full precision: no error (its bits are not counted)
        copies += l.repeat;
        continue;
      }
      const LayerResult lr = decompose_layer(l.name, l.w, l.repeat, *rc.method, rc.options, BoundMode::Off);
      error_sum += l.repeat * lr.rel_error;
      copies += l.repeat;
      bits += static_cast<double>(l.repeat) * static_cast<double>(lr.layer.storage_bits());
      params += static_cast<double>(l.repeat) * static_cast<double>(l.w.rows()) * static_cast<double>(l.w.cols());
    }
    AccuracyScore a;
    a.proxy = true;
    a.weight_error = error_sum / copies;
    a.bits_per_weight = bits / params;
    return a;
  }

  std::map<std::string, double> type_errors(const Decomposition& d) const override {
    const cli::ResolvedDecomposition r = resolve_design(d, 0);
    std::map<std::string, std::pair<double, double>> sums;
    for (const NamedMatrix& l : layers_) {
      const cli::LayerRecipe rc = r.recipe_for(l.name);
      if (!rc.method) continue;
      const LayerResult lr = decompose_layer(l.name, l.w, l.repeat, *rc.method, rc.options, BoundMode::Off);
      auto& [sum, n] = sums[layer_type(l.name)];
      sum += l.repeat * lr.rel_error;
      n += l.repeat;
    }
    std::map<std::string, double> out;
    for (const auto& [type, s] : sums) out[type] = s.first / s.second;
    return out;
  }

  std::string describe() const override {
    return fmt::format("proxy: mean relative weight error ||W - W^||_F / ||W||_F over the linear layers of catalog "
                       "shape {} with synthetic weights (seed {}); not a model accuracy",
                       shape_, seed_);
  }

 private:
  std::string shape_;
  uint64_t seed_;
  std::vector<NamedMatrix> layers_;
};

}  // namespace

double metric_value(AccuracyMetric metric, const AccuracyScore& a) {
  switch (metric) {
    case AccuracyMetric::KlMean: return a.kl_mean;
    case AccuracyMetric::PplRatio: return a.ppl_ratio;
    case AccuracyMetric::WeightError: return a.weight_error;
  }
  return 0;
}

cli::DecompositionArgs decomposition_args(const Decomposition& d) {
  cli::DecompositionArgs a;
  a.method = d.method;
  a.form = d.form.empty() ? "factorized" : d.form;
  if (d.has_dense()) {
    a.bits = d.bits;
    a.group = d.group;
  }
  if (d.has_low_rank()) {
    a.factor_bits = d.factor_bits;
    a.rank = std::to_string(d.rank);
  }
  return a;
}

std::unique_ptr<AccuracyScorer> make_model_scorer(const ModelAccuracySpec& spec) {
  return std::make_unique<ModelScorer>(spec);
}

std::unique_ptr<AccuracyScorer> make_proxy_scorer(const std::string& shape, uint64_t seed, bool include_head) {
  return std::make_unique<ProxyScorer>(shape, seed, include_head);
}

}  // namespace itera::dse
