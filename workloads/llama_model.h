#pragma once
// FP32 forward pass of the LLaMA architecture, token by token with a KV cache, as
// llama2.c computes it: RMSNorm (config.norm_eps), rotary embeddings (config.rope_theta,
// pairs of adjacent dimensions within each head: the layout of llama2.c checkpoints;
// Hugging Face q/k weights are permuted into it on load, see llama_hf.h), grouped-query
// attention, SwiGLU MLP, shared or separate classifier.
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "llama2c.h"
#include "matrix.h"

namespace itera {

class LlamaModel {
 public:
  explicit LlamaModel(LlamaWeights weights);

  const LlamaConfig& config() const { return w_.config; }
  const LlamaWeights& weights() const { return w_; }

  // Logits for the next token after `token` at position `pos` (0-based). Positions
  // must be fed in order from 0; the KV cache keeps 0..pos. Throws itera::Error when
  // pos >= seq_len or the token is outside the vocabulary.
  const Eigen::VectorXf& forward(int token, int pos);

  // Replaces one linear layer by name (model.layers.N.self_attn.q_proj.weight, ...,
  // lm_head.weight), e.g. with a decompressed approximation. Shapes must match.
  void set_linear(const std::string& name, const Matrix& w);

  // Called with every linear layer's input vector during forward() (q, k and v share
  // one input, as do gate and up); used to capture calibration activations.
  using InputObserver = std::function<void(const std::string& linear_name, const Eigen::VectorXf& input)>;
  void set_input_observer(InputObserver observer) { observer_ = std::move(observer); }

  // The Hugging Face names of the linear layers: [layer][q, k, v, o, gate, up, down].
  static const std::array<const char*, 7>& linear_kinds();

 private:
  void observe(int layer, std::initializer_list<int> kinds, const Eigen::VectorXf& input) const;
  Matrix* linear(const std::string& name);

  LlamaWeights w_;
  // Activations and cache.
  Eigen::VectorXf x_, xb_, xb2_, q_, hb_, hb2_, att_, logits_;
  std::vector<Matrix> key_cache_, value_cache_;  // per layer [seq_len][kv_dim]
  std::vector<float> rope_cos_, rope_sin_;       // [seq_len][head_dim / 2]
  InputObserver observer_;
  std::vector<std::array<std::string, 7>> names_;  // linear layer names, for the observer
};

// Index of the largest logit (the first on ties): greedy decoding.
int argmax(const Eigen::VectorXf& logits);

// `logits` when every value is finite; otherwise throws itera::Error naming the position
// and which model (`which`) produced them.
const Eigen::VectorXf& require_finite_logits(const Eigen::VectorXf& logits, int pos, const char* which);

}  // namespace itera
