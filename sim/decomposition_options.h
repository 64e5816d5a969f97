#pragma once
// The decomposition options shared by `itera decompose`, `itera generate` (and later
// `trace`/`eval`): one definition, so every command spells and defaults them alike.
#include <memory>
#include <string>

#include "decompose.h"
#include "llama_model.h"
#include "method.h"
#include "options_util.h"

namespace itera::cli {

struct DecompositionArgs {
  std::string method;
  int bits = 4;
  int factor_bits = 4;
  std::string rank;
  int group = 0;
  std::string granularity = "channel";
  bool asym = false;
  int factor_group = 0;
  std::string form = "factorized";
  int loftq_iters = 5;
  std::string engine = "fast";

  // Adds --method (with this default) and the quantizer/rank options to desc.
  void add_to(po::options_description& desc, const std::string& default_method);
};

struct ResolvedDecomposition {
  std::unique_ptr<Method> method;
  MethodOptions options;  // rank is per layer: use ranks.rank_for(name)
  RankSpec ranks;
};

// Validates the arguments (bits, groups, form, engine, rank presence) and builds the
// method and its options; throws itera::Error naming the bad option.
ResolvedDecomposition resolve_decomposition(const DecompositionArgs& a, uint64_t seed);

// Replaces every linear layer of the model (and the classifier when include_head) by
// its decomposition; all layers are validated before any is compressed.
void apply_decomposition(LlamaModel& model, const ResolvedDecomposition& d, bool include_head);

}  // namespace itera::cli
