// rtn: quantization only. W^ = Q_b(W).
#include "method.h"

namespace itera {
namespace {
class RtnMethod final : public Method {
 public:
  std::string name() const override { return "rtn"; }
  std::string summary() const override { return "round-to-nearest quantization only: W ~ Q_b(W)"; }
  bool uses_rank() const override { return false; }
  bool uses_dense(const MethodOptions&) const override { return true; }

 protected:
  CompressedLayer compress_impl(const Matrix& w, const MethodOptions& opts) const override {
    CompressedLayer out;
    out.form = Form::Compensated;
    out.dense = quantize(w, opts.weight);
    return out;
  }
};
}  // namespace

std::unique_ptr<Method> make_rtn_method() { return std::make_unique<RtnMethod>(); }

}  // namespace itera
