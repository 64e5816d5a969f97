// A Hugging Face export of stories260K, written by this test (config.json, q/k rows
// permuted to HF's rotate-half layout, sharded safetensors), must load to the same
// weights and give the same logits as the llama2.c checkpoint.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llama_hf.h"
#include "llama_model.h"
#include "safetensors.h"
#include "test_support.h"

namespace itera {
namespace {

using testing::TempDir;

// llama2.c (interleaved pairs) -> HF (halves), written independently of the loader.
Matrix to_hf_rows(const Matrix& w, int n_heads) {
  const int hs = static_cast<int>(w.rows()) / n_heads;
  Matrix out(w.rows(), w.cols());
  for (int h = 0; h < n_heads; ++h)
    for (int r = 0; r < hs; ++r) {
      const int pair = r / 2, side = r % 2;  // interleaved row r = 2*pair + side
      out.row(h * hs + side * (hs / 2) + pair) = w.row(h * hs + r);
    }
  return out;
}

void export_hf(const LlamaWeights& w, const TempDir& dir) {
  const LlamaConfig& c = w.config;
  nlohmann::json cfg = {{"hidden_size", c.dim},         {"intermediate_size", c.hidden_dim},
                        {"num_hidden_layers", c.n_layers}, {"num_attention_heads", c.n_heads},
                        {"num_key_value_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size},
                        {"max_position_embeddings", c.seq_len}, {"rms_norm_eps", 1e-5},
                        {"tie_word_embeddings", true}};
  testing::write_file(dir.file("config.json"), cfg.dump(2));
  SafetensorsWriter a, b;
  nlohmann::json index;
  auto put = [&](const std::string& name, const Matrix& m, bool first) {
    (first ? a : b).add_matrix(name, m, DType::F32);
    index["weight_map"][name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  };
  put("model.embed_tokens.weight", w.token_embedding, true);
  for (int l = 0; l < c.n_layers; ++l) {
    const LlamaLayer& L = w.layers[static_cast<size_t>(l)];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const bool first = l < 2;
    // 1-D norms are stored as [dim] tensors.
    (first ? a : b).add_raw(p + "input_layernorm.weight", DType::F32, {c.dim},
                            std::string(reinterpret_cast<const char*>(L.rms_att.data()), 4 * c.dim));
    index["weight_map"][p + "input_layernorm.weight"] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    (first ? a : b).add_raw(p + "post_attention_layernorm.weight", DType::F32, {c.dim},
                            std::string(reinterpret_cast<const char*>(L.rms_ffn.data()), 4 * c.dim));
    index["weight_map"][p + "post_attention_layernorm.weight"] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    put(p + "self_attn.q_proj.weight", to_hf_rows(L.wq, c.n_heads), first);
    put(p + "self_attn.k_proj.weight", to_hf_rows(L.wk, c.n_kv_heads), first);
    put(p + "self_attn.v_proj.weight", L.wv, first);
    put(p + "self_attn.o_proj.weight", L.wo, first);
    put(p + "mlp.gate_proj.weight", L.w1, first);
    put(p + "mlp.up_proj.weight", L.w3, first);
    put(p + "mlp.down_proj.weight", L.w2, first);
  }
  b.add_raw("model.norm.weight", DType::F32, {c.dim},
            std::string(reinterpret_cast<const char*>(w.rms_final.data()), 4 * c.dim));
  index["weight_map"]["model.norm.weight"] = "model-00002-of-00002.safetensors";
  a.write(dir.file("model-00001-of-00002.safetensors"));
  b.write(dir.file("model-00002-of-00002.safetensors"));
  testing::write_file(dir.file("model.safetensors.index.json"), index.dump());
}

TEST(LlamaHf, ExportOfStories260KGivesIdenticalLogits) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const LlamaWeights ref = load_llama2c(path);
  TempDir dir;
  export_hf(ref, dir);
  const LlamaWeights hf = load_llama(dir.path());
  EXPECT_EQ(hf.config.dim, 64);
  EXPECT_EQ(hf.config.n_kv_heads, 4);
  EXPECT_TRUE(hf.config.shared_classifier);
  EXPECT_EQ((hf.layers[3].wq - ref.layers[3].wq).norm(), 0.0f);
  EXPECT_EQ((hf.layers[3].wk - ref.layers[3].wk).norm(), 0.0f);
  LlamaModel a(ref), b(hf);
  int tok = 1;
  for (int pos = 0; pos < 40; ++pos) {
    const Eigen::VectorXf la = a.forward(tok, pos);
    const Eigen::VectorXf& lb = b.forward(tok, pos);
    ASSERT_EQ((la - lb).norm(), 0.0f) << pos;
    tok = argmax(la);
  }
}

TEST(LlamaHf, MissingConfigAndBadKeysAreErrors) {
  TempDir dir;
  EXPECT_TRUE(testing::contains_all(testing::error_of([&] { load_llama_hf(dir.path()); }), {"config.json"}));
  testing::write_file(dir.file("config.json"), R"({"hidden_size": 64, "intermediate_size": -3})");
  EXPECT_TRUE(testing::contains_all(testing::error_of([&] { load_llama_hf(dir.path()); }), {"intermediate_size"}));
}

}  // namespace
}  // namespace itera
