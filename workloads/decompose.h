#pragma once
// Compresses one layer with a method and measures the result against the
// Eckart-Young bound for its rank.
//
// The bound: every method's W^ is D + L with D the dense quantized part (or 0) and
// L of rank <= r, so ||W - W^|| >= min_{rank L <= r} ||R - L|| with R = W - D.
// By Eckart-Young-Mirsky that minimum is sqrt(||R||_F^2 - sum_{i<=r} sigma_i(R)^2).
// For factorized forms R = W; for compensated ones R = W - Q_b(W) (or W - Q_T for
// loftq); for rtn (r = 0) the bound equals the error itself.
#include <string>
#include <utility>
#include <vector>

#include "compressed_layer.h"
#include "method.h"
#include "weight_source.h"

namespace itera {

// "64" or "32,mlp=64,k_proj=16": a default and per-layer overrides (a pattern
// matches when the layer name contains it; the longest matching pattern wins).
struct RankSpec {
  int default_rank = -1;  // -1: none given
  std::vector<std::pair<std::string, int>> overrides;
  static RankSpec parse(const std::string& text);
  // Throws itera::Error when no entry applies to the layer.
  int rank_for(const std::string& layer) const;
};

enum class BoundMode { Auto, Exact, Fast, Off };
BoundMode parse_bound_mode(const std::string& text);  // auto | exact | fast | off

struct LayerResult {
  CompressedLayer layer;
  int repeat = 1;
  MethodOptions options;
  bool dense_used = false;
  double rel_error = 0.0;     // ||W - W^||_F / ||W||_F
  double ey_rel_error = -1.0; // the bound over ||W||_F (-1 when not computed)
  bool ey_exact = false;      // computed from a full SVD (else randomized estimate)
  double seconds = 0.0;       // time of the method alone
};

// Checks opts against the layer (rank range, bits) and throws itera::Error naming the layer.
void validate_layer_options(const std::string& layer, int rows, int cols, const Method& method,
                            const MethodOptions& opts);

LayerResult decompose_layer(const std::string& name, const Matrix& w, int repeat, const Method& method,
                            const MethodOptions& opts, BoundMode bound);

// Relative Eckart-Young error of the best rank-r approximation of r_mat, over ref_norm.
double eckart_young_rel_error(const Matrix& r_mat, int rank, double ref_norm, bool exact, uint64_t seed);

}  // namespace itera
