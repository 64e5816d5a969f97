#include "method.h"

#include <functional>
#include <utility>

#include <fmt/format.h>

#include "error.h"

namespace itera {

// Each method's file defines its factory; the registry lists them explicitly so
// that static linking can never drop one.
std::unique_ptr<Method> make_rtn_method();
std::unique_ptr<Method> make_svd_method();
std::unique_ptr<Method> make_itera_method();
std::unique_ptr<Method> make_lorc_method();
std::unique_ptr<Method> make_loftq_method();

namespace {
using Factory = std::unique_ptr<Method> (*)();
const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> r = {
      {"rtn", make_rtn_method},     {"svd", make_svd_method},     {"itera", make_itera_method},
      {"lorc", make_lorc_method},   {"loftq", make_loftq_method},
  };
  return r;
}
}  // namespace

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& [name, f] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<Method> make_method(const std::string& name) {
  for (const auto& [n, f] : registry())
    if (n == name) return f();
  throw Error(fmt::format("unknown method '{}'; known methods: {}", name, fmt::join(method_names(), ", ")));
}

CompressedLayer Method::compress(const Matrix& w, const MethodOptions& opts) const {
  CompressedLayer out = compress_impl(w, opts);
  out.rows = static_cast<int>(w.rows());
  out.cols = static_cast<int>(w.cols());
  out.method = name();
  return out;
}

LowRankFactors quantized_factors(const TruncatedSvd& t, const QuantSpec& spec, const MethodOptions& opts) {
  const Eigen::VectorXf root = t.sigma.cwiseSqrt();
  const Matrix at = (t.U * root.asDiagonal()).transpose();  // r x rows
  Matrix b = root.asDiagonal() * t.V.transpose();           // r x cols
  if (opts.weighted()) b = b * opts.weighting->t_inv;
  return LowRankFactors{quantize(at, spec), quantize(b, spec)};
}

Matrix apply_weighting(const Matrix& r, const MethodOptions& opts) {
  if (!opts.weighted()) return r;
  return r * opts.weighting->t;
}

Eigen::VectorXf fake_quantize_vector(const Eigen::VectorXf& x, const QuantSpec& spec) {
  const Matrix row = x.transpose();
  return fake_quantize(row, spec).transpose();
}

}  // namespace itera
