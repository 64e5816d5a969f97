#pragma once
// Accuracy of a compressed model against its full-precision original, measured the
// way llama.cpp's perplexity tool reports quantization formats: both models see the
// same token windows; for every predicted position we compare the next-token
// distributions P (full precision) and Q (compressed).
//
// Windows: the text's tokens (no BOS) are cut into consecutive chunks of window-1
// tokens; each window is BOS + chunk, and every position of it predicts the next
// chunk token, so a window of W tokens scores W-1 predictions. Evaluation stops once
// max_tokens predictions are scored (a last partial chunk is used as it is).
#include <string>
#include <vector>

#include "llama_model.h"

namespace itera {

struct EvalOptions {
  int window = 256;
  int max_tokens = 16384;
  int threads = 1;  // windows are independent; results are combined in window order
};

struct EvalStats {
  int64_t tokens = 0;
  double kl_mean = 0, kl_median = 0, kl_p99 = 0, kl_max = 0;  // KL(P || Q), nats
  double top1_agreement = 0;                                 // % of positions with argmax P == argmax Q
  double nll_base = 0, nll_quant = 0;                        // mean negative log-likelihood, nats/token
  double ppl_base = 0, ppl_quant = 0, ppl_ratio = 0;
  double mean_delta_p = 0;  // mean of Q(correct) - P(correct)
};

// The text as evaluated: every run of newlines becomes one space (the recipe of
// ../shared/data/README.md; character-level vocabularies such as tok105 have no
// newline piece). With keep_newlines the text is unchanged.
std::string prepare_eval_text(const std::string& text, bool keep_newlines);

// Splits tokens (without BOS) into the evaluation windows described above.
std::vector<std::vector<int>> eval_windows(const std::vector<int>& tokens, const EvalOptions& opt);

// Runs both models over the windows. `base` and `quant` are copied per thread.
EvalStats evaluate(const LlamaModel& base, const LlamaModel& quant, const std::vector<int>& tokens,
                   const EvalOptions& opt);

}  // namespace itera
