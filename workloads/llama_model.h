#pragma once
// FP32 forward pass of the LLaMA architecture, token by token with a KV cache, as
// llama2.c computes it: RMSNorm (config.norm_eps), rotary embeddings (config.rope_theta,
// pairs of adjacent dimensions within each head: the layout of llama2.c checkpoints;
// Hugging Face q/k weights are permuted into it on load, see llama_hf.h), grouped-query
// attention, SwiGLU MLP, shared or separate classifier.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "forward_kernels.h"
#include "llama2c.h"
#include "matrix.h"
#include "quantizer.h"

namespace itera {

class LlamaModel {
 public:
  explicit LlamaModel(LlamaWeights weights);

  const LlamaConfig& config() const { return w_.config; }
  const LlamaWeights& weights() const { return w_; }

  // Logits for the next token after `token` at position `pos` (0-based). Positions
  // must be fed in order from 0; the KV cache keeps 0..pos. Throws itera::Error when
  // pos >= seq_len or the token is outside the vocabulary.
  // With AVX-512 (uses_kernels()), computed by the kernels of forward_kernels.h, which
  // give forward_reference()'s logits bit for bit; otherwise it is forward_reference().
  const Eigen::VectorXf& forward(int token, int pos);

  // The same logits from plain Eigen expressions, the definition of forward()'s numerics
  // (kept to check the kernels against). It has its own KV cache, also fed from 0.
  const Eigen::VectorXf& forward_reference(int token, int pos);

  // True when forward() runs the AVX-512 kernels.
  static bool uses_kernels();

  // Replaces one linear layer by name (model.layers.N.self_attn.q_proj.weight, ...,
  // lm_head.weight), e.g. with a decompressed approximation. Shapes must match.
  void set_linear(const std::string& name, const Matrix& w);

  // Replaces one linear layer by a quantized matrix (2..8-bit codes): the layer's weight
  // becomes q.dequantize(), and forward() multiplies the integer codes directly (a byte
  // per weight read instead of four) with the same results, bit for bit. Group-wise
  // scales need a group size that is a multiple of 16 for the code path; otherwise, and
  // without the AVX-512 kernels, forward() uses the dequantized matrix.
  void set_linear_quantized(const std::string& name, const QuantizedMatrix& q);
  // How many linear layers forward() computes from integer codes.
  int quantized_linear_count() const;

  // Called with every linear layer's input vector during forward() (q, k and v share
  // one input, as do gate and up); used to capture calibration activations.
  using InputObserver = std::function<void(const std::string& linear_name, const Eigen::VectorXf& input)>;
  void set_input_observer(InputObserver observer) { observer_ = std::move(observer); }

  // The Hugging Face names of the linear layers: [layer][q, k, v, o, gate, up, down].
  static const std::array<const char*, 7>& linear_kinds();

 private:
  void observe(int layer, std::initializer_list<int> kinds, const Eigen::VectorXf& input) const;
  void check_input(int token, int pos) const;
  // Index of a linear layer: layer * 7 + kind, or n_layers * 7 for lm_head.weight; -1 if unknown.
  int linear_index(const std::string& name) const;
  Matrix* linear(int index);
  Matrix* linear(const std::string& name);
  void multiply(int index, const Matrix& w, const float* x, float* y) const;

  LlamaWeights w_;
  // Activations.
  Eigen::VectorXf x_, xb_, xb2_, q_, k_, hb_, hb2_, logits_;
  // forward()'s cache (kernels): keys transposed, per layer [kv_dim][stride_] (stride_ =
  // seq_len rounded up to 16); values per layer [seq_len][kv_dim]; softmax rows
  // [n_heads][stride_].
  int stride_ = 0;
  std::vector<float> key_t_, value_, att_rows_;
  // forward_reference()'s cache, allocated on first use: per layer [seq_len][kv_dim].
  Eigen::VectorXf att_;
  std::vector<Matrix> key_cache_, value_cache_;
  std::vector<float> rope_cos_, rope_sin_;  // [seq_len][head_dim / 2]
  // Integer codes of quantized linear layers, by linear_index() (null: use the matrix);
  // immutable, so copies of the model share them.
  std::vector<std::shared_ptr<const fwd::PackedCodes>> codes_;
  InputObserver observer_;
  std::vector<std::array<std::string, 7>> names_;  // linear layer names, for the observer
};

// Index of the largest logit (the first on ties): greedy decoding.
int argmax(const Eigen::VectorXf& logits);

// `logits` when every value is finite; otherwise throws itera::Error naming the position
// and which model (`which`) produced them.
const Eigen::VectorXf& require_finite_logits(const Eigen::VectorXf& logits, int pos, const char* which);

}  // namespace itera
