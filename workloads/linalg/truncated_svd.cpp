#include "truncated_svd.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "error.h"
#include "rng.h"

namespace itera {

const char* svd_engine_name(SvdEngine e) { return e == SvdEngine::Fast ? "fast" : "exact"; }

SvdEngine parse_svd_engine(const std::string& text) {
  if (text == "fast") return SvdEngine::Fast;
  if (text == "exact") return SvdEngine::Exact;
  throw Error(fmt::format("unknown SVD engine '{}'; allowed: fast, exact", text));
}

void normalize_sign(Eigen::Ref<Eigen::VectorXf> u, Eigen::Ref<Eigen::VectorXf> v) {
  Eigen::Index imax = 0;
  v.cwiseAbs().maxCoeff(&imax);
  if (v(imax) < 0.0f) {
    u = -u;
    v = -v;
  }
}

ColMatrix orthonormal_basis(const ColMatrix& y) {
  Eigen::HouseholderQR<ColMatrix> qr(y);
  return qr.householderQ() * ColMatrix::Identity(y.rows(), y.cols());
}

ColMatrix gaussian_matrix(int n, int k, uint64_t seed) {
  Rng rng(seed);
  ColMatrix g(n, k);
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = 0; i < g.rows(); ++i) g(i, j) = static_cast<float>(rng.normal());
  return g;
}

TruncatedSvd exact_truncated_svd(const Matrix& r, int k) {
  Eigen::BDCSVD<ColMatrix> svd(ColMatrix(r), Eigen::ComputeThinU | Eigen::ComputeThinV);
  TruncatedSvd out;
  out.sigma = svd.singularValues().head(k);
  out.U = svd.matrixU().leftCols(k);
  out.V = svd.matrixV().leftCols(k);
  for (int j = 0; j < k; ++j) normalize_sign(out.U.col(j), out.V.col(j));
  return out;
}

Eigen::VectorXf singular_values(const Matrix& r) {
  const ColMatrix copy = r;
  Eigen::BDCSVD<ColMatrix> svd(copy);
  return svd.singularValues();
}

TruncatedSvd randomized_truncated_svd(const Matrix& r, int k, uint64_t seed, const RandomizedOptions& opt) {
  const int m = static_cast<int>(r.rows()), n = static_cast<int>(r.cols());
  const int p = std::min(k + opt.oversample, std::min(m, n));
  ColMatrix v = orthonormal_basis(gaussian_matrix(n, p, seed));
  ColMatrix y = r * v;
  Eigen::VectorXf prev = Eigen::VectorXf::Zero(k);
  TruncatedSvd out;
  Eigen::BDCSVD<ColMatrix> small;
  for (int it = 1;; ++it) {
    // One step of subspace iteration on R R^T: Q = orth(R V), V = orth(R^T Q), Y = R V.
    const ColMatrix q = orthonormal_basis(y);
    v = orthonormal_basis(r.transpose() * q);
    y = r * v;
    small.compute(y, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Eigen::VectorXf s = small.singularValues().head(k);
    const double change = (s - prev).cwiseAbs().maxCoeff() / std::max(1e-30f, s(0));
    prev = s;
    out.iterations = it;
    if ((it >= opt.min_iterations && change <= opt.tol) || it >= opt.max_iterations) break;
  }
  // Rayleigh-Ritz: Y = R V = Uy S Gy^T, so R V Gy = Uy S: u_j = Uy_j, v_j = V Gy_j.
  out.sigma = small.singularValues().head(k);
  out.U = small.matrixU().leftCols(k);
  out.V = v * small.matrixV().leftCols(k);
  for (int j = 0; j < k; ++j) normalize_sign(out.U.col(j), out.V.col(j));
  return out;
}

TruncatedSvd truncated_svd(const Matrix& r, int k, SvdEngine engine, uint64_t seed) {
  const int mn = static_cast<int>(std::min(r.rows(), r.cols()));
  if (engine == SvdEngine::Exact || mn <= 64 || 4 * k > mn) return exact_truncated_svd(r, k);
  return randomized_truncated_svd(r, k, seed);
}

}  // namespace itera
