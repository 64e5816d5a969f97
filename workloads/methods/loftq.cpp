// loftq (Li et al. 2023, LoftQ): alternate T times
//   Q_t = Q_b(W - L_{t-1}),  L_t = Q_f(SVD_r(W - Q_t)),  L_0 = 0,
// and return W^ = Q_T + L_T.
#include "method.h"

namespace itera {
namespace {
class LoftqMethod final : public Method {
 public:
  std::string name() const override { return "loftq"; }
  std::string summary() const override { return "alternating Q_t = Q_b(W - L_{t-1}), L_t = SVD_r(W - Q_t) (LoftQ)"; }
  bool uses_dense(const MethodOptions&) const override { return true; }

 protected:
  CompressedLayer compress_impl(const Matrix& w, const MethodOptions& opts) const override {
    CompressedLayer out;
    out.form = Form::Compensated;
    Matrix low_rank = Matrix::Zero(w.rows(), w.cols());
    for (int t = 0; t < opts.loftq_iters; ++t) {
      out.dense = quantize(w - low_rank, opts.weight);
      const Matrix residual = w - out.dense->dequantize();
      const TruncatedSvd svd = truncated_svd(residual, opts.rank, opts.engine, opts.seed + static_cast<uint64_t>(t));
      out.low_rank = quantized_factors(svd, opts.factor, MethodOptions{});  // loftq is unweighted
      low_rank = out.low_rank->product();
    }
    return out;
  }
};
}  // namespace

std::unique_ptr<Method> make_loftq_method() { return std::make_unique<LoftqMethod>(); }

}  // namespace itera
