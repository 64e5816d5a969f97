#pragma once
// Truncated singular value decompositions R ~ U diag(sigma) V^T of a weight-sized
// matrix, the top k triplets only.
//
// exact:      Eigen's BDCSVD of the whole matrix, then the first k triplets. The
//             reference the tests compare against; O(m n min(m,n)).
// randomized: subspace iteration (Halko, Martinsson, Tropp 2011, Alg. 4.4) with
//             block k + oversample, iterated until the top-k Ritz values change by
//             less than `tol` (relative) between iterations, then Rayleigh-Ritz.
//             O(m n (k + p)) per iteration.
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

TruncatedSvd exact_truncated_svd(const Matrix& r, int k);
TruncatedSvd randomized_truncated_svd(const Matrix& r, int k, uint64_t seed, const RandomizedOptions& opt = {});
// Chooses by engine; the fast engine uses exact SVD when min(m, n) <= 64 or k is
// more than a quarter of min(m, n), where the randomized method saves nothing.
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
