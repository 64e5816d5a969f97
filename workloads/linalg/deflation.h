#pragma once
// Top singular triplet of a residual that shrinks by one rank-1 term at a time:
//   R_0 given,  R_k = R_0 - sum_{j<=k} a_j b_j^T.
// The iterative (ITERA) decomposition asks for top(R_k), subtracts a quantized
// rank-1 term, and asks again. Two solvers:
//
// ExactDeflation:    materialises R_k and runs a full BDCSVD every step (the test
//                    reference; O(r m n min(m,n))).
// DavidsonDeflation: never forms R_k. A randomized range finder on R_0 gives a
//                    reservoir of p = rank + block + oversample approximate singular
//                    directions; a small active basis V (block vectors, with
//                    Y = R_k V kept up to date by rank-1 corrections) yields Ritz
//                    triplets. The top Ritz triplet (sigma, u, v) is checked against
//                    the true residual ||R_k^T u - sigma v|| <= tol * sigma with one
//                    mat-vec; if it fails, the residual vector is orthogonalised and
//                    added to the basis (a Davidson expansion, two mat-vecs). After
//                    each step the basis keeps its best `block` Ritz vectors and
//                    takes one more from the reservoir, so every step is warm-started
//                    from the previous one.
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
  int block = 16;           // active Ritz vectors kept between steps
  int max_expansions = 32;  // basis may grow to block + this before a restart
  int max_restarts = 8;
  int oversample = 16;
  int power_iterations = 2;
  // Converged when ||R^T u - sigma v|| <= tol * sigma. The captured energy sigma^2 is
  // accurate to second order in the residual, so 1e-2 keeps the decomposition error
  // within 0.1% of the exact-SVD algorithm (tests/test_itera.cpp) at a fraction of the cost.
  double tol = 1e-2;
};

// `r0` must outlive the solver. `rank` is how many steps will be taken (sizes the reservoir).
std::unique_ptr<DeflationSolver> make_deflation_solver(SvdEngine engine, const Matrix& r0, int rank, uint64_t seed,
                                                       const DavidsonOptions& opt = {});

}  // namespace itera
