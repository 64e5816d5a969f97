#pragma once
// LLaMA checkpoints in Hugging Face layout: config.json plus safetensors weights
// (model.safetensors, or shards listed in model.safetensors.index.json), F32/F16/BF16.
//
// config.json keys read: hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads (default: num_attention_heads), vocab_size,
// max_position_embeddings, rms_norm_eps (default 1e-6), rope_theta (default 10000),
// tie_word_embeddings (default false).
// Tensors: model.embed_tokens.weight, model.layers.N.{input_layernorm,
// post_attention_layernorm}.weight, model.layers.N.self_attn.{q,k,v,o}_proj.weight,
// model.layers.N.mlp.{gate,up,down}_proj.weight, model.norm.weight, lm_head.weight
// (absent when tied).
//
// Rotary layout: HF rotates dimension i with i + head_dim/2 ("rotate_half"); llama2.c
// rotates adjacent pairs (2j, 2j+1). Row half*head_dim/2 + j of each head of q_proj
// and k_proj is moved to row 2j + half, which makes the two computations identical.
#include <string>

#include "llama2c.h"

namespace itera {

// `path`: a directory holding config.json, or a .safetensors / index file with
// config.json beside it. Throws itera::Error naming the file and key on bad input.
LlamaWeights load_llama_hf(const std::string& path);
// The config.json step of load_llama_hf: its text to a LlamaConfig (with the checks
// and messages above); `file` names the config file in messages.
LlamaConfig parse_llama_hf_config(const std::string& json_text, const std::string& file);

// llama2.c checkpoint (.bin) or Hugging Face layout, by the path's form.
LlamaWeights load_llama(const std::string& path);

// Row permutation of q_proj/k_proj from HF (half) to llama2.c (interleaved) layout.
Matrix hf_to_interleaved_rows(const Matrix& w, int n_heads);

}  // namespace itera
