#pragma once
// How accurate a decomposition is, scored once per distinct decomposition (a design
// point's accuracy depends only on its decomposition, never on the hardware).
//   * With a real model (llama2.c .bin or a Hugging Face directory) the figures are
//     those `itera eval` prints for the same options and text: KL divergence, perplexity
//     ratio and top-1 agreement against the full-precision model (eval.h).
//   * With a catalog shape the weights are synthetic (synthetic.h, as `itera decompose
//     --shape`), and the figure is a proxy: the mean relative weight error
//     ||W - W^||_F / ||W||_F over the model's linear layers (each catalog layer counted
//     once per repeat). It is labelled "weight_error" wherever it appears.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compressed_io.h"
#include "decomposition_options.h"
#include "design_space.h"
#include "dse_spec.h"
#include "eval.h"
#include "llama_model.h"
#include "matrix.h"

namespace itera::dse {

struct AccuracyScore {
  bool proxy = false;
  double bits_per_weight = 0;  // every stored bit over the original weights (all linear layers)
  // Real model:
  double kl_mean = 0, ppl_ratio = 0, top1_agreement = 0;
  // Catalog shape (proxy):
  double weight_error = 0;
};

// The figure of `metric` in a score (lower is better).
double metric_value(AccuracyMetric metric, const AccuracyScore& a);

// What the accuracy of a real model is measured on (as `itera eval` takes it).
struct ModelAccuracySpec {
  std::string model, tokenizer, text;
  int tokens = 16384;  // scored positions (eval --max-tokens)
  int window = 256;
  std::string calib_text;          // empty: none
  int calib_tokens = 4096;
  std::string act_aware = "none";  // none | diag | exact
  bool include_head = false;
  uint64_t seed = 0;  // randomized SVDs
  int threads = 1;
};

class AccuracyScorer {
 public:
  virtual ~AccuracyScorer() = default;
  // With `saved`, also the compressed layers (real models only; as `itera decompose --save`).
  virtual AccuracyScore score(const Decomposition& d, std::vector<SavedLayer>* saved = nullptr) const = 0;
  // The mean relative weight error ||W - W^||_F / ||W||_F of each layer type (over its
  // layers and repeats), without evaluating the model (layer_planning.h).
  virtual std::map<std::string, double> type_errors(const Decomposition& d) const = 0;
  // "kl_mean, ppl_ratio, top1_agreement on FILE (N tokens)" / "proxy: mean relative weight error ...".
  virtual std::string describe() const = 0;
};

// Loads the model, tokenizer and text (and calibration activations) once.
std::unique_ptr<AccuracyScorer> make_model_scorer(const ModelAccuracySpec& spec);
// Synthetic weights of catalog shape `shape` (seeded), each distinct layer generated once.
std::unique_ptr<AccuracyScorer> make_proxy_scorer(const std::string& shape, uint64_t seed, bool include_head);

// The `itera decompose` / `eval` / `trace` options that make `d`.
cli::DecompositionArgs decomposition_args(const Decomposition& d);

}  // namespace itera::dse
