#pragma once
// Top singular triplet of a residual that shrinks by one rank-1 term at a time:
//   R_0 given,  R_k = R_0 - sum_{j<=k} a_j b_j^T.
// The iterative (ITERA) decomposition asks for top(R_k), subtracts a quantized
// rank-1 term, and asks again. Two solvers:
//
// ExactDeflation:    materialises R_k and runs a full BDCSVD every step (the test
//                    reference; O(r m n min(m,n))).
// DavidsonDeflation: never forms R_k. A randomized range finder on R_0 gives a
//                    reservoir of p = rank + block + oversample directions. An active
//                    basis V (n x s) is kept with Y = R_k V and Z = R_k^T Y, both
//                    updated exactly by rank-1 corrections when a term is deflated
//                    (one mat-vec, R^T a). Ritz pairs come from Y^T Y; their residuals
//                    R^T u - sigma v = Z g / sigma - sigma V g cost no product with R.
//                    Until the top pair has converged (below), the residuals of the
//                    top `expand` pairs are orthogonalised into the basis (a block
//                    Davidson expansion: R X and R^T R X from one pass over R_0, see
//                    block_products.h). After each step the basis keeps its best
//                    `block` Ritz vectors and takes one more from the reservoir, so
//                    every step is warm-started from the previous one.
//                    Convergence: the residual below tol * sigma, or the energy the
//                    step may still miss below energy_tol of the residual's energy
//                    ||R_k||_F^2 (tracked exactly through the deflations). The top
//                    eigenvalue of R^T R lies within sigma ||R^T u - sigma v|| of the
//                    Ritz value sigma^2, so that product bounds the miss. A quantization
//                    residual W - Q(W) has a flat spectrum: there its top vector is
//                    poorly determined and takes many expansions, while the energy a
//                    term captures, which is all the decomposition's error depends on,
//                    settles far sooner.
#include <cstdint>
#include <memory>

#include "matrix.h"
#include "truncated_svd.h"

namespace itera {

struct Triplet {
  float sigma = 0.0f;
  Eigen::VectorXf u;  // unit, length m
  Eigen::VectorXf v;  // unit, length n
};

struct DeflationStats {
  int steps = 0;
  int64_t matvecs = 0;      // products with R_0 or R_0^T (single vectors)
  int64_t expansions = 0;   // Davidson expansions
  int unconverged = 0;      // steps that hit the expansion limit
};

class DeflationSolver {
 public:
  virtual ~DeflationSolver() = default;
  // Top triplet of the current residual (sign-normalised as in truncated_svd.h).
  virtual Triplet top() = 0;
  // R <- R - a b^T.
  virtual void deflate(const Eigen::VectorXf& a, const Eigen::VectorXf& b) = 0;
  virtual const DeflationStats& stats() const = 0;
};

struct DavidsonOptions {
  int block = 32;           // Ritz vectors kept between steps
  int max_expansions = 48;  // the basis may grow to block + this before a restart
  int max_restarts = 8;
  int expand = 8;           // Ritz pairs whose residuals are added per expansion (one pass)
  int oversample = 16;      // reservoir size: rank + block + oversample
  int power_iterations = 0; // of the range finder that fills the reservoir
  // Converged when ||R^T u - sigma v|| <= tol * sigma, or when sigma ||R^T u - sigma v||
  // (a bound on the energy the step's term may miss) <= energy_tol ||R_k||_F^2: over
  // r steps the terms miss at most r * energy_tol of ||R_0||_F^2 in all (rank 64:
  // 6.4e-4). tests/test_methods.cpp holds the result within 0.1% of the exact-SVD run.
  double tol = 1e-4;
  double energy_tol = 1e-5;
};

// `r0` must outlive the solver. `rank` is how many steps will be taken (sizes the reservoir).
std::unique_ptr<DeflationSolver> make_deflation_solver(SvdEngine engine, const Matrix& r0, int rank, uint64_t seed,
                                                       const DavidsonOptions& opt = {});

}  // namespace itera
