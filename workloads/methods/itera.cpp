// itera (ITERA-LLM, Huang et al., FCCM 2025): iterative low-rank decomposition that
// compensates quantization error. Starting from R = W (factorized form) or
// R = W - Q_b(W) (compensated form), for k = 1..r:
//   (sigma, u, v) = top singular triplet of R
//   a_k = Q_f(sqrt(sigma) u),  b_k = Q_f(sqrt(sigma) v)     (each vector its own scale)
//   R <- R - a_k b_k^T                                      (the *quantized* term)
// so later ranks absorb the quantization error of earlier ones. W^ = [Q_b(W) +] A B.
// The top triplet comes from a warm-started Davidson solver (linalg/deflation.h),
// never from a full SVD per step, unless --svd-engine exact asks for the reference.
#include "linalg/deflation.h"
#include "method.h"

namespace itera {
namespace {
class IteraMethod final : public Method {
 public:
  std::string name() const override { return "itera"; }
  std::string summary() const override {
    return "iterative rank-1 SVD, quantize each term, subtract it, repeat (ITERA-LLM)";
  }
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
    auto solver = make_deflation_solver(opts.engine, base, opts.rank, opts.seed);
    Matrix at(opts.rank, rows), b(opts.rank, cols);
    for (int k = 0; k < opts.rank; ++k) {
      const Triplet t = solver->top();
      const float root = std::sqrt(t.sigma);
      at.row(k) = root * t.u.transpose();
      Eigen::VectorXf bk = root * t.v;
      if (opts.weighted()) bk = opts.weighting->t_inv.transpose() * bk;
      b.row(k) = bk.transpose();
      const Eigen::VectorXf qa = fake_quantize_vector(at.row(k).transpose(), opts.factor);
      Eigen::VectorXf qb = fake_quantize_vector(bk, opts.factor);
      if (opts.weighted()) qb = opts.weighting->t.transpose() * qb;
      solver->deflate(qa, qb);
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
