#pragma once
// Saving and loading compressed layers, so later steps (traces, the simulator's
// functional mode, evaluation) reuse them without recomputing.
//
// The file is a standard safetensors file (readable with the `safetensors` Python
// package). For a layer named L (with D = dense part, A/B = low-rank factors):
//   L.D.codes   I8 (symmetric) or U8 (asymmetric)  [rows][cols]
//   L.D.scales  F16                                [scale_rows][scale_cols]
//   L.D.zeros   U8 (asymmetric only)               [scale_rows][scale_cols]
//   L.A.codes / L.A.scales / L.A.zeros              A transposed: [rank][rows], row k = a_k
//   L.B.codes / L.B.scales / L.B.zeros              [rank][cols], row k = b_k
//   L.A.values / L.B.values  F16                    instead of codes when factors are 16-bit
// W^ = D + At^T B, where D = scale * (code - zero) per group, as in quantizer.h.
// __metadata__ holds "format" = "itera-compressed", "version" = "1", and for each
// layer a key "layer:L" whose value is a JSON object:
//   {"method","form","rows","cols","repeat","rank",
//    "dense": {"bits","symmetric","granularity","group"} or null,
//    "factor": {"bits","symmetric","granularity","group"} or null}
#include <string>
#include <vector>

#include "compressed_layer.h"

namespace itera {

struct SavedLayer {
  CompressedLayer layer;
  int repeat = 1;
};

void save_compressed(const std::string& path, const std::vector<SavedLayer>& layers);
// The file's bytes, for callers that stage several outputs together.
std::string serialize_compressed(const std::vector<SavedLayer>& layers);
// Throws itera::Error naming the file and the problem.
std::vector<SavedLayer> load_compressed(const std::string& path);
// The same for a file's bytes already in memory; `path` names it in messages.
std::vector<SavedLayer> parse_compressed(std::string bytes, const std::string& path);

}  // namespace itera
