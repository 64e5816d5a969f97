#include "deflation.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace itera {

namespace {

class ExactDeflation final : public DeflationSolver {
 public:
  explicit ExactDeflation(const Matrix& r0) : r_(r0) {}

  Triplet top() override {
    Eigen::BDCSVD<ColMatrix> svd(ColMatrix(r_), Eigen::ComputeThinU | Eigen::ComputeThinV);
    Triplet t;
    t.sigma = svd.singularValues()(0);
    t.u = svd.matrixU().col(0);
    t.v = svd.matrixV().col(0);
    normalize_sign(t.u, t.v);
    ++stats_.steps;
    return t;
  }

  void deflate(const Eigen::VectorXf& a, const Eigen::VectorXf& b) override { r_.noalias() -= a * b.transpose(); }
  const DeflationStats& stats() const override { return stats_; }

 private:
  Matrix r_;
  DeflationStats stats_;
};

class DavidsonDeflation final : public DeflationSolver {
 public:
  DavidsonDeflation(const Matrix& r0, int rank, uint64_t seed, const DavidsonOptions& opt)
      : r0_(r0), opt_(opt), m_(static_cast<int>(r0.rows())), n_(static_cast<int>(r0.cols())) {
    const int mn = std::min(m_, n_);
    const int p = std::min(mn, rank + opt_.block + opt_.oversample);
    // Randomized range finder with power iterations, then Ritz-ordered reservoir.
    ColMatrix v = orthonormal_basis(gaussian_matrix(n_, p, seed));
    ColMatrix y = r0_ * v;
    for (int i = 0; i < opt_.power_iterations; ++i) {
      v = orthonormal_basis(r0_.transpose() * orthonormal_basis(y));
      y = r0_ * v;
    }
    stats_.matvecs += static_cast<int64_t>(p) * (2 * opt_.power_iterations + 1);
    Eigen::BDCSVD<ColMatrix> svd(y, Eigen::ComputeThinV);
    reservoir_v_ = v * svd.matrixV();
    reservoir_y_ = y * svd.matrixV();  // = R_0 * reservoir_v_
    const int b = std::min(opt_.block, p);
    vs_ = reservoir_v_.leftCols(b);
    ys_ = reservoir_y_.leftCols(b);
    next_reservoir_ = b;
  }

  Triplet top() override {
    refill();
    Eigen::VectorXd g;
    double sigma = 0.0;
    int restarts = 0;
    for (;;) {
      ritz(g, sigma);
      Eigen::VectorXf v = vs_ * g.cast<float>();
      Eigen::VectorXf u = ys_ * g.cast<float>() / static_cast<float>(sigma);
      Eigen::VectorXf w = apply_t(u);
      Eigen::VectorXf resid = w - static_cast<float>(sigma) * v;
      const double rnorm = resid.norm();
      if (rnorm <= opt_.tol * sigma || sigma == 0.0) break;
      if (vs_.cols() >= opt_.block + opt_.max_expansions) {
        if (++restarts > opt_.max_restarts) {
          ++stats_.unconverged;
          break;
        }
        keep_best(opt_.block);
        continue;
      }
      if (!expand(resid)) {
        ++stats_.unconverged;
        break;
      }
    }
    // Rotate the basis to Ritz vectors so the best survive for the next step.
    keep_best(opt_.block);
    Triplet t;
    t.sigma = static_cast<float>(sigma);
    t.v = vs_.col(0);
    t.u = ys_.col(0) / t.sigma;
    if (sigma == 0.0) t.u = Eigen::VectorXf::Zero(m_);
    normalize_sign(t.u, t.v);
    ++stats_.steps;
    return t;
  }

  void deflate(const Eigen::VectorXf& a, const Eigen::VectorXf& b) override {
    as_.push_back(a);
    bs_.push_back(b);
    // Y = R V changes by -a (b^T V).
    ys_.noalias() -= a * (b.transpose() * vs_);
  }

  const DeflationStats& stats() const override { return stats_; }

 private:
  // R_k x
  Eigen::VectorXf apply(const Eigen::VectorXf& x) {
    ++stats_.matvecs;
    Eigen::VectorXf y = r0_ * x;
    for (size_t j = 0; j < as_.size(); ++j) y -= as_[j] * bs_[j].dot(x);
    return y;
  }
  // R_k^T u
  Eigen::VectorXf apply_t(const Eigen::VectorXf& u) {
    ++stats_.matvecs;
    Eigen::VectorXf y = r0_.transpose() * u;
    for (size_t j = 0; j < as_.size(); ++j) y -= bs_[j] * as_[j].dot(u);
    return y;
  }

  // Top eigenpair of G = Y^T Y: sigma^2 and its eigenvector.
  void ritz(Eigen::VectorXd& g, double& sigma) {
    const Eigen::MatrixXd gram = (ys_.transpose() * ys_).cast<double>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    const Eigen::Index last = gram.rows() - 1;
    g = eig.eigenvectors().col(last);
    sigma = std::sqrt(std::max(0.0, eig.eigenvalues()(last)));
  }

  // Rotates the basis to Ritz vectors (descending) and keeps the best k.
  void keep_best(int k) {
    const Eigen::MatrixXd gram = (ys_.transpose() * ys_).cast<double>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    const int s = static_cast<int>(gram.rows());
    k = std::min(k, s);
    ColMatrix rot(s, k);
    for (int j = 0; j < k; ++j) rot.col(j) = eig.eigenvectors().col(s - 1 - j).cast<float>();
    vs_ = vs_ * rot;
    ys_ = ys_ * rot;
  }

  // Adds the component of x orthogonal to the basis; false if nothing new is left.
  bool add_direction(Eigen::VectorXf x, const Eigen::VectorXf* y_known) {
    const float before = x.norm();
    Eigen::VectorXf known_y;
    if (y_known) known_y = *y_known;
    for (int pass = 0; pass < 2; ++pass) {  // classical Gram-Schmidt, twice (DGKS)
      const Eigen::VectorXf c = vs_.transpose() * x;
      x -= vs_ * c;
      if (y_known) known_y -= ys_ * c;
    }
    const float after = x.norm();
    if (!(after > 1e-5f * before) || after == 0.0f) return false;
    x /= after;
    const Eigen::Index s = vs_.cols();
    vs_.conservativeResize(Eigen::NoChange, s + 1);
    ys_.conservativeResize(Eigen::NoChange, s + 1);
    vs_.col(s) = x;
    ys_.col(s) = y_known ? Eigen::VectorXf(known_y / after) : apply(x);
    return true;
  }

  bool expand(const Eigen::VectorXf& resid) {
    ++stats_.expansions;
    return add_direction(resid, nullptr);
  }

  // One more reservoir direction per step; its product with R_k costs no mat-vec.
  void refill() {
    while (next_reservoir_ < reservoir_v_.cols() && vs_.cols() <= opt_.block) {
      const Eigen::VectorXf x = reservoir_v_.col(next_reservoir_);
      Eigen::VectorXf y = reservoir_y_.col(next_reservoir_);
      for (size_t j = 0; j < as_.size(); ++j) y -= as_[j] * bs_[j].dot(x);
      ++next_reservoir_;
      add_direction(x, &y);
    }
  }

  const Matrix& r0_;
  DavidsonOptions opt_;
  int m_, n_;
  ColMatrix reservoir_v_, reservoir_y_;
  Eigen::Index next_reservoir_ = 0;
  ColMatrix vs_, ys_;
  std::vector<Eigen::VectorXf> as_, bs_;
  DeflationStats stats_;
};

}  // namespace

std::unique_ptr<DeflationSolver> make_deflation_solver(SvdEngine engine, const Matrix& r0, int rank, uint64_t seed,
                                                       const DavidsonOptions& opt) {
  if (engine == SvdEngine::Exact) return std::make_unique<ExactDeflation>(r0);
  return std::make_unique<DavidsonDeflation>(r0, rank, seed, opt);
}

}  // namespace itera
