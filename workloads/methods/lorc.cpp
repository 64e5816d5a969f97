// lorc (ZeroQuant-V2, Yao et al. 2023): W^ = Q_b(W) + Q_f(A) Q_f(B), where A B is
// the rank-r truncated SVD of the quantization residual W - Q_b(W), computed once.
#include "method.h"

namespace itera {
namespace {
class LorcMethod final : public Method {
 public:
  std::string name() const override { return "lorc"; }
  std::string summary() const override { return "one-shot SVD of the residual W - Q_b(W) (ZeroQuant-V2 LoRC)"; }
  bool supports_weighting() const override { return true; }
  bool uses_dense(const MethodOptions&) const override { return true; }

 protected:
  CompressedLayer compress_impl(const Matrix& w, const MethodOptions& opts) const override {
    CompressedLayer out;
    out.form = Form::Compensated;
    out.dense = quantize(w, opts.weight);
    const Matrix residual = w - out.dense->dequantize();
    const TruncatedSvd t = truncated_svd(apply_weighting(residual, opts), opts.rank, opts.engine, opts.seed);
    out.low_rank = quantized_factors(t, opts.factor, opts);
    return out;
  }
};
}  // namespace

std::unique_ptr<Method> make_lorc_method() { return std::make_unique<LorcMethod>(); }

}  // namespace itera
