#pragma once
// The per-layer report of `itera decompose`: a readable table and JSON.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decompose.h"

namespace itera {

struct DecomposeRun {
  std::string source;  // what was compressed, e.g. "shape llama2-7b (synthetic weights, seed 0)"
  std::vector<LayerResult> layers;
  std::vector<double> weight_norms;  // ||W||_F per layer, for totals
  bool timing = true;
};

std::string decompose_table(const DecomposeRun& run);
nlohmann::json decompose_json(const DecomposeRun& run);

}  // namespace itera
