// itera (ITERA-LLM, Huang et al., FCCM 2025): iterative low-rank decomposition that
// compensates quantization error. Starting from R = W (factorized form) or
// R = W - Q_b(W) (compensated form), for k = 1..r:
//   (sigma, u, v) = top singular triplet of R
//   a_k = Q_f(sqrt(sigma) u),  b_k = Q_f(sqrt(sigma) v)     (each vector its own scale)
//   R <- R - a_k b_k^T                                      (the *quantized* term)
// so later ranks absorb the quantization error of earlier ones. W^ = [Q_b(W) +] A B.
// The top triplet comes from a warm-started Davidson solver (linalg/deflation.h),
// never from a full SVD per step, unless --svd-engine exact asks for the reference.
#include <vector>

#include "linalg/deflation.h"
#include "method.h"

namespace itera {
namespace {

// Rebase when the top singular value falls below this fraction of the one at the last
// (re)start: float keeps ~7 digits, and Z = R^T R V is quadratic in the residual.
constexpr float kRebaseRatio = 1e-2f;

class IteraMethod final : public Method {
 public:
  std::string name() const override { return "itera"; }
  std::string summary() const override {
    return "iterative rank-1 SVD, quantize each term, subtract it, repeat (ITERA-LLM)";
  }
  bool supports_weighting() const override { return true; }
  bool uses_dense(const MethodOptions& opts) const override { return opts.form == Form::Compensated; }

 protected:
  CompressedLayer compress_impl(const Matrix& w, const MethodOptions& opts) const override {
    CompressedLayer out;
    out.form = opts.form;
    const int rows = static_cast<int>(w.rows()), cols = static_cast<int>(w.cols());
    Matrix r0;
    if (opts.form == Form::Compensated) {
      out.dense = quantize(w, opts.weight);
      r0 = w - out.dense->dequantize();
    }
    // Activation-aware: iterate on R T; each right vector is mapped back, b = T^-T b_T,
    // quantized in the original space, and its term subtracted as qa (T^T qb)^T.
    const Matrix& unweighted = opts.form == Form::Compensated ? r0 : w;
    Matrix scaled;
    if (opts.weighted()) scaled = apply_weighting(unweighted, opts);
    const Matrix& base = opts.weighted() ? scaled : unweighted;
    // The fast solver updates R^T R V incrementally in float, which loses precision once
    // the residual is far below R_0 (nearly low-rank inputs): then the residual is
    // formed explicitly and a fresh solver continues from it ("rebase").
    const Matrix* current = &base;
    Matrix rebased;
    auto solver = make_deflation_solver(opts.engine, *current, opts.rank, opts.seed);
    std::vector<Eigen::VectorXf> pending_a, pending_b;  // terms subtracted since the last rebase
    float sigma_ref = -1.0f;
    Matrix at(opts.rank, rows), b(opts.rank, cols);
    for (int k = 0; k < opts.rank; ++k) {
      Triplet t = solver->top();
      if (sigma_ref < 0.0f) {
        sigma_ref = t.sigma;
      } else if (opts.engine == SvdEngine::Fast && t.sigma > 0.0f && t.sigma < kRebaseRatio * sigma_ref) {
        Matrix next = *current;
        for (size_t j = 0; j < pending_a.size(); ++j) next.noalias() -= pending_a[j] * pending_b[j].transpose();
        rebased = std::move(next);
        current = &rebased;
        pending_a.clear();
        pending_b.clear();
        solver = make_deflation_solver(opts.engine, *current, opts.rank - k, opts.seed + static_cast<uint64_t>(k));
        t = solver->top();
        sigma_ref = t.sigma;
      }
      const float root = std::sqrt(t.sigma);
      at.row(k) = root * t.u.transpose();
      Eigen::VectorXf bk = root * t.v;
      if (opts.weighted()) bk = opts.weighting->t_inv.transpose() * bk;
      b.row(k) = bk.transpose();
      const Eigen::VectorXf qa = fake_quantize_vector(at.row(k).transpose(), opts.factor);
      Eigen::VectorXf qb = fake_quantize_vector(bk, opts.factor);
      if (opts.weighted()) qb = opts.weighting->t.transpose() * qb;
      solver->deflate(qa, qb);
      pending_a.push_back(qa);
      pending_b.push_back(qb);
    }
    // Per-vector quantization of whole factor matrices gives the same codes as the
    // per-step quantization above, since each row has its own scales.
    out.low_rank = LowRankFactors{quantize(at, opts.factor), quantize(b, opts.factor)};
    return out;
  }
};
}  // namespace

std::unique_ptr<Method> make_itera_method() { return std::make_unique<IteraMethod>(); }

}  // namespace itera
