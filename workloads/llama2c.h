#pragma once
// llama2.c checkpoints (Karpathy's legacy "version 0" export):
//   7 x int32 header: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//   (vocab_size > 0: the classifier shares the token embedding; < 0: a separate
//   wcls follows, and |vocab_size| is the vocabulary), then float32 tensors:
//   token_embedding[vocab][dim], rms_att[L][dim], wq[L][dim][dim],
//   wk[L][kv_dim][dim], wv[L][kv_dim][dim], wo[L][dim][dim], rms_ffn[L][dim],
//   w1[L][hidden][dim], w2[L][dim][hidden], w3[L][hidden][dim], rms_final[dim],
//   freq_cis_real[seq_len][head_dim/2], freq_cis_imag[seq_len][head_dim/2],
//   [wcls[vocab][dim]].   kv_dim = dim * n_kv_heads / n_heads.
#include <cstdint>
#include <string>
#include <vector>

#include "matrix.h"

namespace itera {

struct LlamaConfig {
  int dim = 0;
  int hidden_dim = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int vocab_size = 0;  // always positive here
  int seq_len = 0;
  bool shared_classifier = true;
  float norm_eps = 1e-5f;       // RMSNorm epsilon (llama2.c: 1e-5; HF configs give rms_norm_eps)
  float rope_theta = 10000.0f;  // rotary base
  int head_dim() const { return dim / n_heads; }
  int kv_dim() const { return dim * n_kv_heads / n_heads; }
};

struct LlamaLayer {
  Vector rms_att, rms_ffn;
  Matrix wq, wk, wv, wo;  // [out][in]
  Matrix w1, w2, w3;      // gate [hidden][dim], down [dim][hidden], up [hidden][dim]
};

struct LlamaWeights {
  LlamaConfig config;
  Matrix token_embedding;  // [vocab][dim]
  std::vector<LlamaLayer> layers;
  Vector rms_final;
  Matrix wcls;  // empty when the classifier is shared
  const Matrix& classifier() const { return config.shared_classifier ? token_embedding : wcls; }
};

// Exact byte size a checkpoint with this header must have.
uint64_t llama2c_expected_bytes(const LlamaConfig& c);

// Validates the header (positive sizes, dim % n_heads == 0, n_heads % n_kv_heads == 0,
// even head_dim), the exact file size, and that every weight is finite.
// Throws itera::Error naming the file, the expected and the actual byte counts.
LlamaWeights load_llama2c(const std::string& path);
// The same for a checkpoint's bytes already in memory; `name` stands for the file in
// messages (which are those of load_llama2c).
LlamaWeights parse_llama2c(const std::string& bytes, const std::string& name);

// The seven linear layers of every block, under Hugging Face LLaMA names:
// model.layers.N.self_attn.{q,k,v,o}_proj.weight, model.layers.N.mlp.{gate,up,down}_proj.weight.
std::vector<NamedMatrix> llama_linear_layers(const LlamaWeights& w);

}  // namespace itera
