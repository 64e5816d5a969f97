#include "act_weighting.h"

#include <cmath>

#include <fmt/format.h>

#include "error.h"

namespace itera {

const char* weighting_name(WeightingKind k) {
  switch (k) {
    case WeightingKind::None: return "none";
    case WeightingKind::Diagonal: return "diag";
    case WeightingKind::Exact: return "exact";
  }
  return "?";
}

WeightingKind parse_weighting(const std::string& text) {
  if (text == "none") return WeightingKind::None;
  if (text == "diag") return WeightingKind::Diagonal;
  if (text == "exact") return WeightingKind::Exact;
  throw Error(fmt::format("unknown activation weighting '{}'; allowed: none, diag, exact", text));
}

ActWeighting make_weighting(WeightingKind kind, const Eigen::MatrixXd& gram, int64_t count) {
  ActWeighting w;
  w.kind = kind;
  if (kind == WeightingKind::None) return w;
  if (count < 1) throw Error("activation weighting needs calibration activations (none were captured)");
  const Eigen::MatrixXd h = gram / static_cast<double>(count);
  const Eigen::Index n = h.rows();
  const double damp = 1e-2 * std::max(1e-30, h.diagonal().mean());
  if (kind == WeightingKind::Diagonal) {
    const Eigen::VectorXd s = (h.diagonal().array() + damp).sqrt();
    w.t = s.cast<float>().asDiagonal();
    w.t_inv = s.cwiseInverse().cast<float>().asDiagonal();
    return w;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h + damp * Eigen::MatrixXd::Identity(n, n));
  const Eigen::VectorXd ev = eig.eigenvalues().cwiseMax(damp);
  const Eigen::MatrixXd& v = eig.eigenvectors();
  w.t = (v * ev.cwiseSqrt().asDiagonal() * v.transpose()).cast<float>();
  w.t_inv = (v * ev.cwiseSqrt().cwiseInverse().asDiagonal() * v.transpose()).cast<float>();
  return w;
}

double output_rel_error(const Matrix& w, const Matrix& w_hat, const Eigen::MatrixXd& gram) {
  const Eigen::MatrixXd e = (w - w_hat).cast<double>();
  const Eigen::MatrixXd wd = w.cast<double>();
  const double num = (e * gram).cwiseProduct(e).sum();    // tr(E H E^T)
  const double den = (wd * gram).cwiseProduct(wd).sum();  // tr(W H W^T)
  return den > 0 ? std::sqrt(std::max(0.0, num) / den) : 0.0;
}

}  // namespace itera
