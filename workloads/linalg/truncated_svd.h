#pragma once
// Truncated singular value decompositions R ~ U diag(sigma) V^T of a weight-sized
// matrix, the top k triplets only.
//
// exact:      Eigen's BDCSVD of the whole matrix, then the first k triplets. The
//             reference the tests compare against; O(m n min(m,n)).
// randomized: subspace iteration (Halko, Martinsson, Tropp 2011, Alg. 4.4) with
//             block k + oversample, iterated until the top-k Ritz values change by
//             less than `tol` (relative) between iterations, then Rayleigh-Ritz.
//             O(m n (k + p)) per iteration. Used for the fast Eckart-Young bound.
// davidson:   block Davidson with thick restart (below); the fast engine of the
//             methods. Far fewer products than subspace iteration on flat spectra.
//
// Every triplet is sign-normalised: the entry of v with the largest magnitude is
// positive (u flips with it), so fast and exact results are comparable.
#include <cstdint>
#include <string>

#include "matrix.h"

namespace itera {

enum class SvdEngine { Fast, Exact };
const char* svd_engine_name(SvdEngine e);
SvdEngine parse_svd_engine(const std::string& text);  // fast | exact

struct TruncatedSvd {
  Eigen::VectorXf sigma;  // descending, length k
  ColMatrix U;            // m x k, orthonormal columns
  ColMatrix V;            // n x k, orthonormal columns
  int iterations = 0;     // subspace iterations used (0 for exact)
};

struct RandomizedOptions {
  int oversample = 16;
  int min_iterations = 2;
  int max_iterations = 30;
  double tol = 1e-5;
};

// Block Davidson (thick-restarted block Krylov on R^T R) for the top k triplets:
// a random start of k + oversample directions, then each expansion adds the
// residuals R^T u_j - sigma_j v_j of the top `block` unconverged Ritz pairs (one pass
// over R per 4 directions, block_products.h). It stops when every one of the top k
// residuals is below tol * sigma_1, or when the captured energy sum_j sigma_j^2
// grew by less than energy_tol times the energy left, ||R||_F^2 - sum_j sigma_j^2,
// in the last expansion: the error of the rank-k approximation has then settled
// (on a flat spectrum, e.g. a quantization residual, far sooner than the vectors).
struct DavidsonSvdOptions {
  int oversample = 16;
  int block = 16;         // directions added per expansion
  int max_extra = 64;     // the basis grows to k + oversample + this, then restarts
  double tol = 1e-4;      // residual, relative to sigma_1
  double energy_tol = 1e-5;
  int max_expansions = 200;
};

TruncatedSvd exact_truncated_svd(const Matrix& r, int k);
// All right singular vectors of y (thin, BDCSVD), in descending order of singular value.
// Every BDCSVD of the project is compiled in truncated_svd.cpp (a minute of compile
// time per file that instantiates it).
ColMatrix right_singular_vectors(const ColMatrix& y);
// Eigenvalues of a symmetric matrix, descending, and their unit eigenvectors (columns).
void eigen_descending(const Eigen::MatrixXd& sym, Eigen::MatrixXd& vectors, Eigen::VectorXd& values);
TruncatedSvd davidson_truncated_svd(const Matrix& r, int k, uint64_t seed, const DavidsonSvdOptions& opt = {});
TruncatedSvd randomized_truncated_svd(const Matrix& r, int k, uint64_t seed, const RandomizedOptions& opt = {});
// Chooses by engine; the fast engine (davidson_truncated_svd) uses exact SVD when
// min(m, n) <= 64 or k is more than a quarter of min(m, n), where it saves nothing.
TruncatedSvd truncated_svd(const Matrix& r, int k, SvdEngine engine, uint64_t seed);

// All singular values of r (exact, values only), descending.
Eigen::VectorXf singular_values(const Matrix& r);

// Flips (u, v) so the largest-magnitude entry of v is positive.
void normalize_sign(Eigen::Ref<Eigen::VectorXf> u, Eigen::Ref<Eigen::VectorXf> v);

// Orthonormal basis of the columns of y (thin Householder QR).
ColMatrix orthonormal_basis(const ColMatrix& y);

// An n x k matrix of independent standard normals from the seed.
ColMatrix gaussian_matrix(int n, int k, uint64_t seed);

}  // namespace itera
