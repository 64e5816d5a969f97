#pragma once
// Reading SCALE-Sim GEMM topology files (scale-sim-v2, topologies/GEMM_mnk/*.csv),
// so that workloads written for SCALE-Sim run on this simulator unchanged.
//
// The file is CSV: a header `Layer Name, M, N, K,` (or `Layer, M, N, K`), then one
// row `name, M, N, K,` per GEMM: an M x K by K x N product with an M x N result.
// Spaces around fields and a trailing comma are allowed; header names compare
// case-insensitively. Convolution topologies (IFMAP Height, ...) are not read.
//
// Each row becomes a dense op with the same M, K and N, 8-bit weights and
// activations, per-channel scales, repeat 1. Whitespace inside a layer name (e.g.
// "Test 1") becomes '_', since trace names are single words.
#include <string>

#include "trace.h"

namespace itera {

// Throws itera::Error naming the file and line: bad header (showing the expected
// one), wrong field count, a value that is not an integer >= 1, duplicate names.
Trace parse_scalesim_topology(const std::string& text, const std::string& filename);
Trace read_scalesim_topology(const std::string& path);

}  // namespace itera
