// The same model through different weight sources gives the same layers: stories260K
// read from its llama2.c checkpoint, and re-exported by this test as Hugging Face
// safetensors (F32, F16, BF16; single file and sharded with an index).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "half.h"
#include "llama2c.h"
#include "safetensors.h"
#include "test_support.h"
#include "weight_source.h"

namespace itera {
namespace {

using testing::TempDir;

float bf16_round(float x) { return bf16_to_float(float_to_bf16(x)); }

void write_shards(const std::vector<NamedMatrix>& layers, DType dtype, const TempDir& dir, int shards) {
  nlohmann::json index;
  index["metadata"] = nlohmann::json::object();
  std::vector<SafetensorsWriter> writers(static_cast<size_t>(shards));
  for (size_t i = 0; i < layers.size(); ++i) {
    const size_t s = i % static_cast<size_t>(shards);
    writers[s].add_matrix(layers[i].name, layers[i].w, dtype);
    index["weight_map"][layers[i].name] = "model-0000" + std::to_string(s + 1) + ".safetensors";
  }
  // A tensor that is not a linear layer must be ignored.
  writers[0].add_matrix("model.norm.weight", Matrix::Ones(1, 4), dtype);
  index["weight_map"]["model.norm.weight"] = "model-00001.safetensors";
  for (int s = 0; s < shards; ++s) writers[static_cast<size_t>(s)].write(dir.file("model-0000" + std::to_string(s + 1) + ".safetensors"));
  testing::write_file(dir.file("model.safetensors.index.json"), index.dump());
}

TEST(WeightSources, SafetensorsExportOfStories260KMatchesCheckpoint) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const std::vector<NamedMatrix> ref = llama_linear_layers(load_llama2c(path));
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    for (int shards : {1, 3}) {
      TempDir dir;
      write_shards(ref, dtype, dir, shards);
      WeightSourceSpec spec;
      spec.model = shards == 1 ? dir.file("model-00001.safetensors") : dir.path();
      const std::vector<LayerRef> layers = resolve_layers(spec);
      ASSERT_EQ(layers.size(), ref.size()) << dtype_name(dtype) << " shards " << shards;
      for (size_t i = 0; i < ref.size(); ++i) {
        // Block order q, k, v, o, gate, up, down, as llama_linear_layers gives it.
        EXPECT_EQ(layers[i].name, ref[i].name);
        const Matrix w = layers[i].load();
        ASSERT_EQ(w.rows(), ref[i].w.rows());
        ASSERT_EQ(w.cols(), ref[i].w.cols());
        for (Eigen::Index k = 0; k < w.size(); ++k) {
          const float x = ref[i].w.data()[k];
          const float expect = dtype == DType::F32 ? x : dtype == DType::F16 ? round_to_f16(x) : bf16_round(x);
          ASSERT_EQ(w.data()[k], expect) << ref[i].name << " [" << k << "]";
        }
      }
    }
  }
}

TEST(WeightSources, Llama2cIncludeHeadAddsTheSharedClassifier) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  WeightSourceSpec spec;
  spec.model = path;
  spec.include_head = true;
  const auto layers = resolve_layers(spec);
  ASSERT_EQ(layers.size(), 36u);
  EXPECT_EQ(layers.back().name, "lm_head.weight");
  const LlamaWeights w = load_llama2c(path);
  EXPECT_EQ((layers.back().load() - w.token_embedding).norm(), 0.0f);  // shared classifier
}

TEST(WeightSources, LayerFilterAndCatalog) {
  WeightSourceSpec spec;
  spec.shape = "llama2-7b";
  spec.layer_filter = "mlp";
  const auto layers = resolve_layers(spec);
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[2].name, "model.layers.*.mlp.down_proj");
  EXPECT_EQ(layers[2].rows, 4096);
  EXPECT_EQ(layers[2].cols, 11008);
  EXPECT_EQ(layers[2].repeat, 32);
}

}  // namespace
}  // namespace itera
