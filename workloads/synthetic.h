#pragma once
// Synthetic weight matrices with an LLM-like spectrum, for benchmarks and demos.
//
// W = c * (H + N) * diag(g), where
//   H = X diag(s) Y^T      a decaying "head": X (rows x h), Y (cols x h) have i.i.d.
//                          N(0, 1/rows) and N(0, 1/cols) entries (nearly orthonormal
//                          columns), h = min(rows, cols, head_rank), and
//                          s_i = (i + 1)^(-alpha), i = 0..h-1 (a power-law decay);
//   N                      an i.i.d. Gaussian "bulk" (a Marchenko-Pastur noise floor),
//                          scaled so that ||H||_F^2 / (||H||_F^2 + ||N||_F^2) = head_energy;
//   g                      per-input-channel gains: 1, except `outliers` randomly chosen
//                          input channels (columns) with gain outlier_gain, mimicking
//                          the few large-magnitude input channels of trained LLMs;
//   c                      sets the root-mean-square weight to `rms`.
// Everything is drawn from itera::Rng(seed), so a seed fixes the matrix on any platform.
#include <cstdint>
#include <string>

#include "matrix.h"

namespace itera {

struct SyntheticOptions {
  double alpha = 0.5;
  int head_rank = 256;
  double head_energy = 0.5;
  int outliers = -1;  // -1: max(1, cols / 512)
  double outlier_gain = 3.0;
  double rms = 0.02;
};

Matrix synthetic_weight(int rows, int cols, uint64_t seed, const SyntheticOptions& opt = {});

// Parses "ROWSxCOLS" (e.g. "4096x4096"); throws itera::Error on anything else.
std::pair<int, int> parse_shape(const std::string& text);

}  // namespace itera
