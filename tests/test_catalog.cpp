// Tests for the built-in catalog of LLM layer shapes. The independent
// expectation is the published total parameter count of each model: the test
// rebuilds it from the catalog's linear-layer shapes plus the non-linear
// parameters (embeddings, norms, biases) computed here from the published
// architecture, so a wrong shape, repeat count or in_block flag shows up as a
// mismatch against the number Hugging Face reports.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog.h"
#include "test_support.h"

namespace itera {
namespace {

// ---- helpers -------------------------------------------------------------------------

struct LinearSums {
  int64_t block_weights = 0;  // rows * cols * repeat over in-block layers
  int64_t block_outputs = 0;  // rows * repeat over in-block layers (one bias per output feature)
  int64_t head_weights = 0;   // the classifier (in_block == false)
  int head_rows = 0;
  int head_cols = 0;
  int heads_found = 0;
};

LinearSums sum_linears(const CatalogModel& m) {
  LinearSums s;
  for (const auto& l : m.layers) {
    if (l.in_block) {
      s.block_weights += static_cast<int64_t>(l.rows) * l.cols * l.repeat;
      s.block_outputs += static_cast<int64_t>(l.rows) * l.repeat;
    } else {
      ++s.heads_found;
      s.head_weights += static_cast<int64_t>(l.rows) * l.cols * l.repeat;
      s.head_rows = l.rows;
      s.head_cols = l.cols;
      EXPECT_EQ(l.name, "lm_head") << m.name;
      EXPECT_EQ(l.repeat, 1) << m.name;
    }
  }
  return s;
}

const CatalogLayer* find_layer(const CatalogModel& m, const std::string& suffix) {
  for (const auto& l : m.layers) {
    if (l.name.size() >= suffix.size() && l.name.compare(l.name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return &l;
  }
  return nullptr;
}

// Published architecture (Hugging Face config.json), written here independently of the catalog.
struct Arch {
  const char* name;
  int64_t hidden;
  int64_t layers;
  int64_t vocab;
};

// The catalog model named `a.name`, with its size fields checked against `a`.
const CatalogModel& find_arch(const Arch& a) {
  const CatalogModel& m = find_catalog_model(a.name);
  EXPECT_EQ(m.hidden, a.hidden) << a.name;
  EXPECT_EQ(m.n_layers, a.layers) << a.name;
  EXPECT_EQ(m.vocab, a.vocab) << a.name;
  return m;
}

// sum_linears, with one classifier of vocab x hidden.
LinearSums sum_linears_with_head(const CatalogModel& m, const Arch& a) {
  const LinearSums s = sum_linears(m);
  EXPECT_EQ(s.heads_found, 1) << m.name;
  EXPECT_EQ(s.head_rows, a.vocab) << m.name << ": lm_head is vocab x hidden";
  EXPECT_EQ(s.head_cols, a.hidden) << m.name;
  return s;
}

// ---- LLaMA family: untied lm_head, RMSNorm (weight only), no biases ------------------

// total = block linears + token embedding (vocab*hidden) + untied lm_head (vocab*hidden)
//       + RMSNorm weights: 2 per block (input, post-attention) + 1 final, each `hidden`.
int64_t llama_total(const CatalogModel& m, const Arch& a) {
  const LinearSums s = sum_linears_with_head(m, a);
  const int64_t embedding = a.vocab * a.hidden;
  const int64_t norms = (2 * a.layers + 1) * a.hidden;
  return s.block_weights + embedding + s.head_weights + norms;
}

TEST(CatalogParams, Llama2_7bMatchesPublishedTotal) {
  const Arch a{"llama2-7b", 4096, 32, 32000};
  const CatalogModel& m = find_arch(a);
  EXPECT_EQ(m.family, "llama");
  EXPECT_EQ(llama_total(m, a), int64_t{6'738'415'616});  // meta-llama/Llama-2-7b-hf
}

TEST(CatalogParams, TinyLlamaMatchesPublishedTotal) {
  const Arch a{"tinyllama-1.1b", 2048, 22, 32000};
  const CatalogModel& m = find_arch(a);
  EXPECT_EQ(llama_total(m, a), int64_t{1'100'048'384});  // TinyLlama/TinyLlama-1.1B-Chat-v1.0
}

TEST(CatalogParams, Llama2_13bMatchesPublishedTotal) {
  const Arch a{"llama2-13b", 5120, 40, 32000};
  const CatalogModel& m = find_arch(a);
  EXPECT_EQ(llama_total(m, a), int64_t{13'015'864'320});  // meta-llama/Llama-2-13b-hf
}

// ---- OPT: biases everywhere, LayerNorm (weight + bias), learned positions, tied head ---

// total = block linear weights + biases (q, k, v, out_proj: hidden each; fc1: ffn; fc2: hidden)
//       + LayerNorm (2 per block + final), weight + bias = 2*hidden each
//       + token embedding 50272*hidden + learned positions 2050*hidden (2048 + offset 2);
//       lm_head is tied to the token embedding and not counted again.
int64_t opt_total(const CatalogModel& m, const Arch& a, int64_t ffn) {
  const LinearSums s = sum_linears_with_head(m, a);
  const int64_t biases = a.layers * (4 * a.hidden + ffn + a.hidden);
  // The bias count from the architecture must equal one bias per output feature of the catalog's layers.
  EXPECT_EQ(biases, s.block_outputs) << m.name;
  const int64_t layer_norms = (2 * a.layers + 1) * 2 * a.hidden;
  const int64_t embedding = a.vocab * a.hidden;
  const int64_t positions = 2050 * a.hidden;
  return s.block_weights + biases + layer_norms + embedding + positions;
}

TEST(CatalogParams, Opt125mMatchesPublishedTotal) {
  const Arch a{"opt-125m", 768, 12, 50272};
  const CatalogModel& m = find_arch(a);
  EXPECT_EQ(m.family, "opt");
  EXPECT_EQ(m.intermediate, 3072);
  EXPECT_EQ(opt_total(m, a, 3072), int64_t{125'239'296});  // facebook/opt-125m
}

TEST(CatalogParams, Opt1_3bMatchesPublishedTotal) {
  const Arch a{"opt-1.3b", 2048, 24, 50272};
  const CatalogModel& m = find_arch(a);
  EXPECT_EQ(m.intermediate, 8192);
  EXPECT_EQ(opt_total(m, a, 8192), int64_t{1'315'758'080});  // facebook/opt-1.3b
}

// ---- GPT-2 small -----------------------------------------------------------------------

// total = block linears + biases (c_attn 3*768, attn c_proj 768, c_fc 3072, mlp c_proj 768 per block)
//       + LayerNorms (2 per block + final, 2*768 each) + wte 50257*768 + wpe 1024*768; lm_head tied.
TEST(CatalogParams, Gpt2MatchesPublishedTotal) {
  const Arch a{"gpt2", 768, 12, 50257};
  const CatalogModel& m = find_arch(a);
  EXPECT_EQ(m.family, "gpt2");
  const LinearSums s = sum_linears_with_head(m, a);
  const int64_t biases = a.layers * (3 * 768 + 768 + 3072 + 768);
  EXPECT_EQ(biases, s.block_outputs);
  const int64_t layer_norms = (2 * a.layers + 1) * 2 * a.hidden;
  const int64_t wte = a.vocab * a.hidden;
  const int64_t wpe = 1024 * a.hidden;
  EXPECT_EQ(s.block_weights + biases + layer_norms + wte + wpe, int64_t{124'439'808});  // openai-community/gpt2
}

TEST(CatalogParams, BlockParamsIsTheSumOfInBlockLinears) {
  for (const auto& m : catalog()) {
    EXPECT_EQ(m.block_params(), sum_linears(m).block_weights) << m.name;
  }
}

// ---- shapes and lookup ---------------------------------------------------------------

TEST(CatalogShapes, GroupedQueryAttentionKProj) {
  const CatalogLayer* tiny = find_layer(find_catalog_model("tinyllama-1.1b"), "self_attn.k_proj");
  ASSERT_NE(tiny, nullptr);
  EXPECT_EQ(tiny->rows, 256);  // 4 KV heads x head_dim 64
  EXPECT_EQ(tiny->cols, 2048);
  EXPECT_EQ(tiny->repeat, 22);
  const CatalogLayer* big = find_layer(find_catalog_model("llama2-70b"), "self_attn.k_proj");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->rows, 1024);  // 8 KV heads x head_dim 128
  EXPECT_EQ(big->cols, 8192);
  EXPECT_EQ(big->repeat, 80);
}

TEST(CatalogLookup, UnknownNameThrowsListingKnownNames) {
  const std::string msg = testing::error_of([] { find_catalog_model("llama-9000"); });
  EXPECT_TRUE(testing::contains_all(msg, {"llama-9000", "llama2-7b", "opt-125m", "gpt2", "tinyllama-1.1b"}));
  EXPECT_TRUE(testing::contains_all(msg, catalog_names()));
}

TEST(CatalogLookup, NamesAreUniqueAndEveryModelCitesASource) {
  const std::vector<std::string> names = catalog_names();
  ASSERT_EQ(names.size(), catalog().size());
  ASSERT_FALSE(names.empty());
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = i + 1; j < names.size(); ++j) EXPECT_NE(names[i], names[j]);
    const CatalogModel& m = find_catalog_model(names[i]);
    EXPECT_EQ(m.name, names[i]);
    EXPECT_FALSE(m.source.empty()) << m.name;
    EXPECT_FALSE(m.layers.empty()) << m.name;
    for (const auto& l : m.layers) {
      EXPECT_GT(l.rows, 0) << m.name << " " << l.name;
      EXPECT_GT(l.cols, 0) << m.name << " " << l.name;
      EXPECT_GE(l.repeat, 1) << m.name << " " << l.name;
    }
  }
}

}  // namespace
}  // namespace itera
