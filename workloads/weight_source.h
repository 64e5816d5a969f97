#pragma once
// Where the layers to compress come from: a checkpoint (llama2.c .bin or
// safetensors, possibly sharded), a synthetic matrix, or a catalog shape filled
// with synthetic weights. Layers are loaded one at a time, on demand.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "matrix.h"

namespace itera {

struct LayerRef {
  std::string name;
  int rows = 0;
  int cols = 0;
  int repeat = 1;
  std::function<Matrix()> load;  // validated: finite
};

struct WeightSourceSpec {
  std::string model;      // checkpoint path
  std::string synthetic;  // "ROWSxCOLS"
  std::string shape;      // catalog name
  uint64_t seed = 0;
  bool include_head = false;  // also the classifier (lm_head)
  std::string layer_filter;   // ECMAScript regex on the layer name; empty = all
};

// Exactly one of model / synthetic / shape must be set; throws itera::Error otherwise.
std::vector<LayerRef> resolve_layers(const WeightSourceSpec& spec);

// Linear layers of a safetensors LLaMA checkpoint (file, index or directory), in
// block order q, k, v, o, gate, up, down (and lm_head.weight when asked).
std::vector<LayerRef> safetensors_llama_layers(const std::string& path, bool include_head);

}  // namespace itera
