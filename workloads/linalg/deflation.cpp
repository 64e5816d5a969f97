#include "deflation.h"

#include "block_products.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace itera {

namespace {

class ExactDeflation final : public DeflationSolver {
 public:
  explicit ExactDeflation(const Matrix& r0) : r_(r0) {}

  Triplet top() override {
    const TruncatedSvd svd = exact_truncated_svd(r_, 1);  // sign-normalised
    Triplet t;
    t.sigma = svd.sigma(0);
    t.u = svd.U.col(0);
    t.v = svd.V.col(0);
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
    // Randomized range finder with power iterations, then a Ritz-ordered reservoir
    // with Y0 = R_0 V0 and Z0 = R_0^T Y0 (wide products: Eigen's GEMM is efficient here).
    ColMatrix v = orthonormal_basis(gaussian_matrix(n_, p, seed));
    ColMatrix y = r0_ * v;
    for (int i = 0; i < opt_.power_iterations; ++i) {
      v = orthonormal_basis(r0_.transpose() * orthonormal_basis(y));
      y = r0_ * v;
    }
    const ColMatrix right = right_singular_vectors(y);
    reservoir_v_ = v * right;
    reservoir_y_ = y * right;
    reservoir_z_ = r0_.transpose() * reservoir_y_;
    stats_.matvecs += static_cast<int64_t>(p) * (2 * opt_.power_iterations + 2);
    const int b = std::min(opt_.block, p);
    vs_ = reservoir_v_.leftCols(b);
    ys_ = reservoir_y_.leftCols(b);
    zs_ = reservoir_z_.leftCols(b);
    next_reservoir_ = b;
    energy_ = r0_.cast<double>().squaredNorm();
    a_.resize(m_, 0);
    b_.resize(n_, 0);
    r0t_a_.resize(n_, 0);
  }

  Triplet top() override {
    refill();
    Triplet t;
    int restarts = 0;
    for (;;) {
      Eigen::MatrixXd g;
      Eigen::VectorXd sig;
      ritz(g, sig);
      if (sig(0) <= 0.0) {  // the residual is zero
        t.sigma = 0.0f;
        t.u = Eigen::VectorXf::Zero(m_);
        t.v = vs_.col(0);
        break;
      }
      // Residuals of the top q Ritz pairs, from Z = R^T R V without any product with R:
      // R^T u_j = Z g_j / sigma_j, residual_j = R^T u_j - sigma_j v_j.
      int q = std::min<int>(opt_.expand, static_cast<int>(sig.size()));
      while (q > 1 && sig(q - 1) <= 0.0) --q;
      const ColMatrix gq = g.leftCols(q).cast<float>();
      ColMatrix rt_u = zs_ * gq;
      ColMatrix resid = -(vs_ * gq);
      for (int j = 0; j < q; ++j) {
        rt_u.col(j) /= static_cast<float>(sig(j));
        resid.col(j) = rt_u.col(j) + static_cast<float>(sig(j)) * resid.col(j);
      }
      // Converged when the top pair's residual is small against sigma, or when the
      // energy this step may still miss is small against the residual's: an eigenvalue
      // of R^T R lies within ||R^T R v - sigma^2 v|| = sigma ||resid|| of the Ritz value
      // sigma^2 (the top one, as the Ritz value approaches it from below), so
      // sigma ||resid|| <= energy_tol ||R_k||_F^2 bounds what the step's term leaves
      // behind by energy_tol of what is left; on a flat spectrum (a quantization
      // residual) this holds long before the vector settles.
      const double rnorm = resid.col(0).norm();
      const bool converged = rnorm <= opt_.tol * sig(0) || sig(0) * rnorm <= opt_.energy_tol * energy_;
      bool give_up = false;
      if (!converged && vs_.cols() + q > opt_.block + opt_.max_expansions) {
        give_up = ++restarts > opt_.max_restarts;
        if (!give_up) {
          keep_best(opt_.block);
          continue;
        }
      }
      if (!converged && !give_up) {
        ++stats_.expansions;
        give_up = add_directions(resid) == 0;
      }
      if (converged || give_up) {
        if (!converged) ++stats_.unconverged;
        // Given the Ritz left vector u, the rank-1 term capturing the most of R is the
        // projection u u^T R = u (R^T u)^T: the right vector is R^T u / ||R^T u||, which
        // never captures less energy than the Ritz pair.
        t.u = ys_ * gq.col(0) / static_cast<float>(sig(0));
        t.sigma = rt_u.col(0).norm();
        t.v = rt_u.col(0) / t.sigma;
        break;
      }
    }
    // Rotate the basis to Ritz vectors so the best survive for the next step.
    keep_best(opt_.block);
    normalize_sign(t.u, t.v);
    ++stats_.steps;
    return t;
  }

  void deflate(const Eigen::VectorXf& a, const Eigen::VectorXf& b) override {
    // R' = R - a b^T:  Y' = Y - a c,  Z' = R'^T Y' = Z - b d - h c + (a.a) b c,
    // with c = b^T V, d = a^T Y, h = R^T a (one mat-vec).
    const Eigen::VectorXf h = apply_t(a);
    // ||R - a b^T||_F^2 = ||R||_F^2 - 2 a^T R b + ||a||^2 ||b||^2, with a^T R b = h . b.
    energy_ += -2.0 * static_cast<double>(h.dot(b)) +
               static_cast<double>(a.squaredNorm()) * static_cast<double>(b.squaredNorm());
    energy_ = std::max(energy_, 0.0);
    const Eigen::RowVectorXf c = b.transpose() * vs_;
    const Eigen::RowVectorXf d = a.transpose() * ys_;
    zs_.noalias() -= b * d;
    zs_.noalias() -= h * c;
    zs_.noalias() += (a.squaredNorm() * b) * c;
    ys_.noalias() -= a * c;
    // R_0^T a = h + sum_j b_j (a_j . a): kept so reservoir refills need no product.
    Eigen::VectorXf r0t_a = h;
    if (a_.cols() > 0) r0t_a.noalias() += b_ * (a_.transpose() * a);
    append_col(a_, a);
    append_col(b_, b);
    append_col(r0t_a_, r0t_a);
  }

  const DeflationStats& stats() const override { return stats_; }

 private:
  static void append_col(ColMatrix& m, const Eigen::VectorXf& x) {
    m.conservativeResize(Eigen::NoChange, m.cols() + 1);
    m.col(m.cols() - 1) = x;
  }

  // R_k^T U = R_0^T U - B (A^T U)
  ColMatrix apply_t(const ColMatrix& u) {
    stats_.matvecs += u.cols();
    ColMatrix z;
    if (u.cols() == 1) {
      z = r0_.transpose() * u.col(0);
    } else {
      multiply_transposed(r0_, u, z);
    }
    if (a_.cols() > 0) z.noalias() -= b_ * (a_.transpose() * u);
    return z;
  }

  // Ritz pairs of the basis, descending: Ritz values sig, coefficient vectors g.
  void ritz(Eigen::MatrixXd& g, Eigen::VectorXd& sig) const {
    eigen_descending((ys_.transpose() * ys_).cast<double>(), g, sig);
    sig = sig.cwiseMax(0.0).cwiseSqrt();
  }

  // Rotates the basis to Ritz vectors (descending) and keeps the best k.
  void keep_best(int k) {
    Eigen::MatrixXd g;
    Eigen::VectorXd sig;
    ritz(g, sig);
    k = std::min<int>(k, static_cast<int>(g.cols()));
    const ColMatrix rot = g.leftCols(k).cast<float>();
    vs_ = vs_ * rot;
    ys_ = ys_ * rot;
    zs_ = zs_ * rot;
  }

  // Orthogonalises x against the basis (classical Gram-Schmidt, twice); false when
  // nothing new is left.
  static bool orthogonalize(Eigen::Ref<Eigen::VectorXf> x, const ColMatrix& basis) {
    const float before = x.norm();
    if (!(before > 0.0f)) return false;
    for (int pass = 0; pass < 2; ++pass) x -= basis * (basis.transpose() * x);
    const float after = x.norm();
    if (!(after > 1e-3f * before)) return false;
    x /= after;
    return true;
  }

  // Adds the new directions among the columns of cand: R X and R^T (R X), one pass over R.
  int add_directions(const ColMatrix& cand) {
    ColMatrix basis = vs_;
    int added = 0;
    for (Eigen::Index j = 0; j < cand.cols(); ++j) {
      Eigen::VectorXf x = cand.col(j);
      if (!orthogonalize(x, basis)) continue;
      append_col(basis, x);
      ++added;
    }
    if (added == 0) return 0;
    // Y = R_k X = R_0 X - A (B^T X) and Z = R_k^T Y = R_0^T Y - B (A^T Y), with
    // R_0 X and R_0^T Y from one pass over R_0.
    const ColMatrix x = basis.rightCols(added);
    const ColMatrix btx = b_.transpose() * x;
    ColMatrix y, z;
    multiply_both(r0_, x, a_, btx, y, z);
    if (a_.cols() > 0) z.noalias() -= b_ * (a_.transpose() * y);
    stats_.matvecs += 2 * added;
    const Eigen::Index s = vs_.cols();
    vs_ = std::move(basis);
    ys_.conservativeResize(Eigen::NoChange, s + added);
    zs_.conservativeResize(Eigen::NoChange, s + added);
    ys_.rightCols(added) = y;
    zs_.rightCols(added) = z;
    return added;
  }

  // One more reservoir direction per step. Its products with R_k follow from the
  // stored R_0 products:  y = R_0 x - A (B^T x),  z = R_k^T y = R_0^T y - B (A^T y),
  // R_0^T y = Z0 x-column - (R_0^T A)(B^T x). No product with R.
  void refill() {
    while (next_reservoir_ < reservoir_v_.cols() && vs_.cols() <= opt_.block) {
      Eigen::VectorXf x = reservoir_v_.col(next_reservoir_);
      Eigen::VectorXf y = reservoir_y_.col(next_reservoir_);
      Eigen::VectorXf z = reservoir_z_.col(next_reservoir_);
      ++next_reservoir_;
      if (a_.cols() > 0) {
        const Eigen::VectorXf btx = b_.transpose() * x;
        y.noalias() -= a_ * btx;
        z.noalias() -= r0t_a_ * btx;
        z.noalias() -= b_ * (a_.transpose() * y);
      }
      // Project the basis out of x and, linearly, out of y = R x and z = R^T R x.
      const float before = x.norm();
      for (int pass = 0; pass < 2; ++pass) {
        const Eigen::VectorXf c = vs_.transpose() * x;
        x.noalias() -= vs_ * c;
        y.noalias() -= ys_ * c;
        z.noalias() -= zs_ * c;
      }
      const float after = x.norm();
      if (!(after > 1e-3f * before)) continue;
      append_col(vs_, x / after);
      append_col(ys_, y / after);
      append_col(zs_, z / after);
    }
  }

  const Matrix& r0_;
  DavidsonOptions opt_;
  int m_, n_;
  ColMatrix reservoir_v_, reservoir_y_, reservoir_z_;
  Eigen::Index next_reservoir_ = 0;
  ColMatrix vs_, ys_, zs_;  // basis V (n x s), Y = R_k V (m x s), Z = R_k^T Y (n x s)
  ColMatrix a_, b_;         // the deflated terms: R_k = R_0 - a_ b_^T
  ColMatrix r0t_a_;         // R_0^T a_
  double energy_ = 0.0;     // ||R_k||_F^2
  DeflationStats stats_;
};

}  // namespace

std::unique_ptr<DeflationSolver> make_deflation_solver(SvdEngine engine, const Matrix& r0, int rank, uint64_t seed,
                                                       const DavidsonOptions& opt) {
  if (engine == SvdEngine::Exact) return std::make_unique<ExactDeflation>(r0);
  return std::make_unique<DavidsonDeflation>(r0, rank, seed, opt);
}

}  // namespace itera
