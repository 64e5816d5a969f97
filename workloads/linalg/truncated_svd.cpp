#include "truncated_svd.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "block_products.h"
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

void eigen_descending(const Eigen::MatrixXd& sym, Eigen::MatrixXd& vectors, Eigen::VectorXd& values) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(sym);
  vectors = eig.eigenvectors().rowwise().reverse();
  values = eig.eigenvalues().reverse();
}

ColMatrix right_singular_vectors(const ColMatrix& y) {
  Eigen::BDCSVD<ColMatrix> svd(y, Eigen::ComputeThinV);
  return svd.matrixV();
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

TruncatedSvd davidson_truncated_svd(const Matrix& r, int k, uint64_t seed, const DavidsonSvdOptions& opt) {
  const int m = static_cast<int>(r.rows()), n = static_cast<int>(r.cols()), mn = std::min(m, n);
  const int p = std::min(k + opt.oversample, mn);
  const int smax = std::min(mn, p + opt.max_extra);
  // Basis V (n x s) with Y = R V and Z = R^T Y.
  ColMatrix v = orthonormal_basis(gaussian_matrix(n, p, seed));
  ColMatrix y = r * v;
  ColMatrix z = r.transpose() * y;
  const double total = r.cast<double>().squaredNorm();
  const ColMatrix no_terms(m, 0);
  Eigen::MatrixXd g;
  Eigen::VectorXd theta;
  auto ritz = [&] {
    eigen_descending((y.transpose() * y).cast<double>(), g, theta);
    theta = theta.cwiseMax(0.0);
  };
  TruncatedSvd out;
  double prev_energy = -1.0;
  for (int it = 1;; ++it) {
    ritz();
    out.iterations = it;
    const double energy = theta.head(k).sum();
    const double sigma1 = std::sqrt(theta(0));
    if (!(sigma1 > 0.0)) break;
    // Residuals of the top k Ritz pairs: R^T u_j - sigma_j v_j = Z g_j / sigma_j - sigma_j V g_j.
    const ColMatrix gk = g.leftCols(k).cast<float>();
    ColMatrix resid = z * gk;
    const ColMatrix vg = v * gk;
    std::vector<Eigen::Index> open;
    for (int j = 0; j < k; ++j) {
      const float sj = static_cast<float>(std::sqrt(theta(j)));
      if (!(sj > 0.0f)) break;
      resid.col(j) = resid.col(j) / sj - sj * vg.col(j);
      if (resid.col(j).norm() > opt.tol * sigma1) open.push_back(j);
    }
    const bool settled = prev_energy >= 0.0 && energy - prev_energy <= opt.energy_tol * std::max(0.0, total - energy);
    prev_energy = energy;
    if (open.empty() || settled || it > opt.max_expansions) break;
    if (v.cols() + opt.block > smax) {  // thick restart: keep the best p Ritz vectors
      const ColMatrix rot = g.leftCols(p).cast<float>();
      v = v * rot;
      y = y * rot;
      z = z * rot;
    }
    // New directions: the open residuals, orthogonalised against the basis and each
    // other (classical Gram-Schmidt, twice); ones with nothing new left are dropped.
    const int cand = std::min<int>(opt.block, static_cast<int>(open.size()));
    ColMatrix x(n, cand);
    Eigen::VectorXf before(cand);
    for (int j = 0; j < cand; ++j) {
      x.col(j) = resid.col(open[static_cast<size_t>(j)]);
      before(j) = x.col(j).norm();
    }
    for (int pass = 0; pass < 2; ++pass) x -= v * (v.transpose() * x);
    int q = 0;
    for (int j = 0; j < cand; ++j) {
      Eigen::VectorXf c = x.col(j);
      for (int pass = 0; pass < 2 && q > 0; ++pass) c -= x.leftCols(q) * (x.leftCols(q).transpose() * c);
      const float after = c.norm();
      if (!(after > 1e-3f * before(j))) continue;
      x.col(q++) = c / after;
    }
    if (q == 0) break;
    x.conservativeResize(Eigen::NoChange, q);
    ColMatrix yx, zx;
    multiply_both(r, x, no_terms, ColMatrix(0, q), yx, zx);
    const Eigen::Index s = v.cols();
    v.conservativeResize(Eigen::NoChange, s + q);
    y.conservativeResize(Eigen::NoChange, s + q);
    z.conservativeResize(Eigen::NoChange, s + q);
    v.rightCols(q) = x;
    y.rightCols(q) = yx;
    z.rightCols(q) = zx;
  }
  // Rayleigh-Ritz on the top k: Y G = Uy S H^T, so u_j = Uy_j, v_j = V G H_j.
  const ColMatrix gk = g.leftCols(k).cast<float>();
  Eigen::BDCSVD<ColMatrix> small(ColMatrix(y * gk), Eigen::ComputeThinU | Eigen::ComputeThinV);
  out.sigma = small.singularValues();
  out.U = small.matrixU();
  out.V = v * gk * small.matrixV();
  for (int j = 0; j < k; ++j) normalize_sign(out.U.col(j), out.V.col(j));
  return out;
}

TruncatedSvd truncated_svd(const Matrix& r, int k, SvdEngine engine, uint64_t seed) {
  const int mn = static_cast<int>(std::min(r.rows(), r.cols()));
  if (engine == SvdEngine::Exact || mn <= 64 || 4 * k > mn) return exact_truncated_svd(r, k);
  return davidson_truncated_svd(r, k, seed);
}

}  // namespace itera
