// svd: truncated rank-r SVD W ~ A B with A = U sqrt(S), B = sqrt(S) V^T; then A and
// B are quantized at the factor bit width. No dense part.
#include "method.h"

namespace itera {
namespace {
class SvdMethod final : public Method {
 public:
  std::string name() const override { return "svd"; }
  std::string summary() const override { return "truncated SVD, then quantize the factors: W ~ Q_f(A) Q_f(B)"; }
  bool supports_weighting() const override { return true; }
  bool uses_dense(const MethodOptions&) const override { return false; }

 protected:
  CompressedLayer compress_impl(const Matrix& w, const MethodOptions& opts) const override {
    CompressedLayer out;
    out.form = Form::Factorized;
    const TruncatedSvd t = truncated_svd(apply_weighting(w, opts), opts.rank, opts.engine, opts.seed);
    out.low_rank = quantized_factors(t, opts.factor, opts);
    return out;
  }
};
}  // namespace

std::unique_ptr<Method> make_svd_method() { return std::make_unique<SvdMethod>(); }

}  // namespace itera
