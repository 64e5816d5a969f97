#pragma once
// Decomposition methods, chosen by name from a registry. All methods share one
// set of options, so that comparisons between them are like for like.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "act_weighting.h"
#include "compressed_layer.h"
#include "linalg/truncated_svd.h"
#include "quantizer.h"

namespace itera {

struct MethodOptions {
  QuantSpec weight;          // the dense quantizer Q_b
  QuantSpec factor;          // the factor quantizer (bits 16 = F16, unquantized); per vector or grouped
  int rank = 0;              // r
  Form form = Form::Factorized;  // itera only
  int loftq_iters = 5;       // loftq only: T
  SvdEngine engine = SvdEngine::Fast;
  uint64_t seed = 0;
  // Activation-aware variants of svd, lorc and itera decompose R T instead of R and
  // map B back with T^-1 (see act_weighting.h); null or kind None = unweighted.
  const ActWeighting* weighting = nullptr;
  bool weighted() const { return weighting && weighting->kind != WeightingKind::None; }
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  virtual bool uses_rank() const { return true; }
  // svd, lorc and itera have activation-aware variants (MethodOptions::weighting).
  virtual bool supports_weighting() const { return false; }
  // True when the method quantizes a dense part at opts.weight.
  virtual bool uses_dense(const MethodOptions& opts) const = 0;
  // Compresses w; the result carries rows, cols and the method name (not the layer name).
  CompressedLayer compress(const Matrix& w, const MethodOptions& opts) const;

 protected:
  virtual CompressedLayer compress_impl(const Matrix& w, const MethodOptions& opts) const = 0;
};

// Registered method names, in registry order.
std::vector<std::string> method_names();
// Throws itera::Error listing the known methods when `name` is unknown.
std::unique_ptr<Method> make_method(const std::string& name);

// Shared building blocks of the methods.
// Factors from a truncated SVD, with sqrt(sigma) on each side, quantized by `spec`.
// With a weighting, t is the SVD of R T and B is mapped back as B_T T^-1.
LowRankFactors quantized_factors(const TruncatedSvd& t, const QuantSpec& spec, const MethodOptions& opts);
// r T when the options are weighted, else r.
Matrix apply_weighting(const Matrix& r, const MethodOptions& opts);
// Quantize-dequantize one vector as a single row under `spec` (per-vector scale).
Eigen::VectorXf fake_quantize_vector(const Eigen::VectorXf& x, const QuantSpec& spec);

}  // namespace itera
