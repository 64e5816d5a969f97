#include "llama_hf.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "file_io.h"
#include "error.h"
#include "safetensors.h"

namespace itera {

namespace fs = std::filesystem;

namespace {

int config_int(const nlohmann::json& cfg, const std::string& key, const std::string& file, int fallback = -1) {
  if (!cfg.contains(key)) {
    if (fallback >= 0) return fallback;
    throw Error(fmt::format("'{}' has no '{}'; a LLaMA config.json needs it", file, key));
  }
  const nlohmann::json& v = cfg[key];
  // nlohmann parses non-negative integers as unsigned; negatives, reals, text are all out.
  const bool in_range = v.is_number_unsigned() && v.get<uint64_t>() >= 1 && v.get<uint64_t>() <= (1u << 30);
  if (!in_range)
    throw Error(fmt::format("'{}': '{}' must be an integer in 1..{} (got {})", file, key, 1 << 30, v.dump()));
  return static_cast<int>(v.get<uint64_t>());
}

// A real number in [lo, hi] (finite), or `fallback` when the key is absent.
float config_real(const nlohmann::json& cfg, const std::string& key, const std::string& file, float fallback,
                  double lo, double hi) {
  if (!cfg.contains(key)) return fallback;
  const nlohmann::json& v = cfg[key];
  const double x = v.is_number() ? v.get<double>() : std::nan("");
  if (!(x >= lo && x <= hi))  // also false for NaN
    throw Error(fmt::format("'{}': '{}' must be a number in [{:g}, {:g}] (got {})", file, key, lo, hi, v.dump()));
  return static_cast<float>(x);
}

bool config_bool(const nlohmann::json& cfg, const std::string& key, const std::string& file, bool fallback) {
  if (!cfg.contains(key)) return fallback;
  if (!cfg[key].is_boolean())
    throw Error(fmt::format("'{}': '{}' must be true or false (got {})", file, key, cfg[key].dump()));
  return cfg[key].get<bool>();
}

Eigen::VectorXf vector_tensor(const SafetensorsCheckpoint& ckpt, const std::string& name, int size) {
  const TensorInfo& info = ckpt.info(name);
  if (info.shape != std::vector<int64_t>{size})
    throw Error(fmt::format("tensor '{}' has the wrong shape; expected [{}]", name, size));
  const std::vector<float> v = ckpt.read_floats(name);
  Eigen::VectorXf out = Eigen::Map<const Eigen::VectorXf>(v.data(), size);
  require_finite(name, Matrix(out.transpose()));
  return out;
}

Matrix matrix_tensor(const SafetensorsCheckpoint& ckpt, const std::string& name, int rows, int cols) {
  if (!ckpt.has(name)) throw Error(fmt::format("the checkpoint has no tensor '{}'", name));
  const TensorInfo& info = ckpt.info(name);
  if (info.shape != std::vector<int64_t>{rows, cols})
    throw Error(fmt::format("tensor '{}' has the wrong shape; expected [{}, {}]", name, rows, cols));
  Matrix w = ckpt.read_matrix(name);
  require_finite(name, w);
  return w;
}

}  // namespace

Matrix hf_to_interleaved_rows(const Matrix& w, int n_heads) {
  const int hs = static_cast<int>(w.rows()) / n_heads, half = hs / 2;
  Matrix out(w.rows(), w.cols());
  for (int h = 0; h < n_heads; ++h)
    for (int side = 0; side < 2; ++side)
      for (int j = 0; j < half; ++j) out.row(h * hs + 2 * j + side) = w.row(h * hs + side * half + j);
  return out;
}

LlamaConfig parse_llama_hf_config(const std::string& json_text, const std::string& cf) {
  nlohmann::json cfg;
  try {
    cfg = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("'{}' is not valid JSON: {}", cf, e.what()));
  }
  if (!cfg.is_object()) throw Error(fmt::format("'{}' must hold a JSON object (got {})", cf, cfg.type_name()));
  LlamaConfig c;
  c.dim = config_int(cfg, "hidden_size", cf);
  c.hidden_dim = config_int(cfg, "intermediate_size", cf);
  c.n_layers = config_int(cfg, "num_hidden_layers", cf);
  c.n_heads = config_int(cfg, "num_attention_heads", cf);
  c.n_kv_heads = config_int(cfg, "num_key_value_heads", cf, c.n_heads);
  c.vocab_size = config_int(cfg, "vocab_size", cf);
  c.seq_len = config_int(cfg, "max_position_embeddings", cf);
  // A positive epsilon below 1 keeps RMSNorm finite; a positive base gives finite RoPE angles.
  c.norm_eps = config_real(cfg, "rms_norm_eps", cf, 1e-6f, 1e-12, 0.5);
  c.rope_theta = config_real(cfg, "rope_theta", cf, 10000.0f, 1.0, 1e9);
  c.shared_classifier = config_bool(cfg, "tie_word_embeddings", cf, false);
  if (c.dim % c.n_heads != 0 || c.n_heads % c.n_kv_heads != 0 || c.head_dim() % 2 != 0)
    throw Error(fmt::format("'{}': hidden_size {} / num_attention_heads {} / num_key_value_heads {} do not give an "
                            "even head size shared by whole KV groups",
                            cf, c.dim, c.n_heads, c.n_kv_heads));
  // LlamaConfig::kv_dim() computes hidden_size * num_key_value_heads in int.
  if (int64_t{c.dim} * c.n_kv_heads > INT_MAX)
    throw Error(fmt::format("'{}': hidden_size {} * num_key_value_heads {} is absurdly large (more than {})", cf, c.dim,
                            c.n_kv_heads, INT_MAX));
  return c;
}

LlamaWeights load_llama_hf(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = fs::is_directory(p) ? p : p.parent_path();
  const fs::path cfg_path = dir / "config.json";
  if (!fs::exists(cfg_path))
    throw Error(fmt::format("'{}' has no config.json beside it; a Hugging Face LLaMA checkpoint needs one", path));
  LlamaWeights w;
  w.config = parse_llama_hf_config(read_file(cfg_path.string()), cfg_path.string());
  const LlamaConfig& c = w.config;

  const SafetensorsCheckpoint ckpt = SafetensorsCheckpoint::open(fs::is_directory(p) ? dir.string() : path);
  const int kv = c.kv_dim();
  w.token_embedding = matrix_tensor(ckpt, "model.embed_tokens.weight", c.vocab_size, c.dim);
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string pre = fmt::format("model.layers.{}.", l);
    LlamaLayer L;
    L.rms_att = vector_tensor(ckpt, pre + "input_layernorm.weight", c.dim);
    L.rms_ffn = vector_tensor(ckpt, pre + "post_attention_layernorm.weight", c.dim);
    L.wq = hf_to_interleaved_rows(matrix_tensor(ckpt, pre + "self_attn.q_proj.weight", c.dim, c.dim), c.n_heads);
    L.wk = hf_to_interleaved_rows(matrix_tensor(ckpt, pre + "self_attn.k_proj.weight", kv, c.dim), c.n_kv_heads);
    L.wv = matrix_tensor(ckpt, pre + "self_attn.v_proj.weight", kv, c.dim);
    L.wo = matrix_tensor(ckpt, pre + "self_attn.o_proj.weight", c.dim, c.dim);
    L.w1 = matrix_tensor(ckpt, pre + "mlp.gate_proj.weight", c.hidden_dim, c.dim);
    L.w3 = matrix_tensor(ckpt, pre + "mlp.up_proj.weight", c.hidden_dim, c.dim);
    L.w2 = matrix_tensor(ckpt, pre + "mlp.down_proj.weight", c.dim, c.hidden_dim);
    w.layers.push_back(std::move(L));
  }
  w.rms_final = vector_tensor(ckpt, "model.norm.weight", c.dim);
  if (!c.shared_classifier) w.wcls = matrix_tensor(ckpt, "lm_head.weight", c.vocab_size, c.dim);
  return w;
}

LlamaWeights load_llama(const std::string& path) {
  const fs::path p(path);
  if (fs::is_directory(p) || p.extension() == ".safetensors" || p.extension() == ".json") return load_llama_hf(path);
  return load_llama2c(path);
}

}  // namespace itera
