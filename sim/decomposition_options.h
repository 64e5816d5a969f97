#pragma once
// The decomposition options shared by `itera decompose`, `itera generate` (and later
// `trace`/`eval`): one definition, so every command spells and defaults them alike.
#include <functional>
#include <map>
#include <memory>
#include <vector>
#include <string>

#include "decompose.h"
#include "calibration.h"
#include "compressed_io.h"
#include "llama_model.h"
#include "method.h"
#include "options_util.h"

namespace itera::cli {

// The most alternating steps --loftq-iters takes (each is a full quantize + SVD).
constexpr int kMaxLoftqIters = 1000;

struct DecompositionArgs {
  std::string method;
  int bits = 4;
  int factor_bits = 4;
  std::string rank;
  int group = 0;
  std::string granularity;  // empty: channel (the default), unless --group is given
  bool asym = false;
  int factor_group = 0;
  std::string form = "factorized";
  int loftq_iters = 5;
  std::string engine = "fast";

  // Adds --method (with this default) and the quantizer/rank options to desc.
  void add_to(po::options_description& desc, const std::string& default_method);
};

// How one layer is compressed: a method and its options (rank included); a null method
// leaves the layer as it is (full precision).
struct LayerRecipe {
  const Method* method = nullptr;
  MethodOptions options;
};

struct ResolvedDecomposition {
  std::unique_ptr<Method> method;
  MethodOptions options;  // rank is per layer: use ranks.rank_for(name)
  RankSpec ranks;
  // Per-layer departures (the DSE's layer plans): given the layer's name and its
  // default recipe, may change it (another method, bits or rank, or none). Unset: every
  // layer takes the default.
  std::function<void(const std::string& layer, LayerRecipe& recipe)> per_layer;
  // The default recipe (method, options, ranks.rank_for(layer)), then per_layer.
  LayerRecipe recipe_for(const std::string& layer) const;
};

// Validates the arguments (bits, groups, form, engine, rank presence) and builds the
// method and its options; throws itera::Error naming the bad option.
ResolvedDecomposition resolve_decomposition(const DecompositionArgs& a, uint64_t seed);

struct AppliedLayer {
  std::string name;
  double weight_error = 0.0;   // ||W - W^|| / ||W||
  double output_error = -1.0;  // ||(W - W^) X^T|| / ||W X^T|| on calibration inputs (-1: none captured)
  int64_t storage_bits = 0;    // every stored bit of the compressed layer (CompressedLayer::storage_bits)
  int64_t params = 0;          // rows x cols of the original weight
};

// Replaces every linear layer of the model (and the classifier when include_head) by
// its decomposition (d.recipe_for: a layer whose recipe has no method is left as is); all layers are validated before any is compressed. With
// calibration grams, reports each layer's output error, and `weighting` selects the
// activation-aware variant (svd, lorc and itera use it). With `saved`, the compressed
// layers are also appended to it, as `itera decompose --save` stores them.
std::vector<AppliedLayer> apply_decomposition(LlamaModel& model, const ResolvedDecomposition& d, bool include_head,
                                              const std::map<std::string, InputGram>* grams = nullptr,
                                              WeightingKind weighting = WeightingKind::None,
                                              std::vector<SavedLayer>* saved = nullptr);

}  // namespace itera::cli
