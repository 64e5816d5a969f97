#pragma once
// Built-in catalog of well-known LLM architectures: every linear layer's shape
// (out x in, the PyTorch nn.Linear weight layout) and how many times it repeats.
// The numbers are the public configurations; each model cites its source.
#include <string>
#include <vector>

namespace itera {

struct CatalogLayer {
  std::string name;  // Hugging Face module name, "*" for the block index
  int rows = 0;      // output features
  int cols = 0;      // input features
  int repeat = 1;    // identical copies (transformer blocks)
  bool in_block = true;  // false for the classifier (lm_head)
};

struct CatalogModel {
  std::string name;
  std::string family;  // llama | opt | gpt2
  int hidden = 0;
  int intermediate = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int vocab = 0;
  int max_seq_len = 0;
  std::string source;  // where the numbers come from
  std::vector<CatalogLayer> layers;

  int head_dim() const { return hidden / n_heads; }
  long long block_params() const;  // weights of the linear layers in all blocks
};

const std::vector<CatalogModel>& catalog();
std::vector<std::string> catalog_names();
// Throws itera::Error listing the known names.
const CatalogModel& find_catalog_model(const std::string& name);

}  // namespace itera
