#pragma once
// Calibration activations: runs a model over calibration tokens and accumulates,
// for every linear layer, the Gram matrix H = X^T X of its input vectors (what the
// activation-aware methods and the output-error measure need; see act_weighting.h).
#include <map>
#include <string>
#include <vector>

#include "llama_model.h"

namespace itera {

struct InputGram {
  Eigen::MatrixXd gram;  // cols x cols
  int64_t count = 0;     // input vectors accumulated
};

// Windows of `window` tokens (BOS + window-1 calibration tokens), up to max_tokens
// tokens in all. The model is copied; its weights are not changed.
std::map<std::string, InputGram> collect_input_grams(const LlamaModel& model, const std::vector<int>& tokens,
                                                     int window, int max_tokens);

}  // namespace itera
