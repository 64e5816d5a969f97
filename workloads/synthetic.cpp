#include "synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <regex>
#include <vector>

#include <fmt/format.h>

#include "error.h"
#include "rng.h"

namespace itera {

Matrix synthetic_weight(int rows, int cols, uint64_t seed, const SyntheticOptions& opt) {
  if (rows < 1 || cols < 1) throw Error(fmt::format("synthetic shape {}x{} must be positive", rows, cols));
  Rng rng(seed);
  const int h = std::min({rows, cols, std::max(1, opt.head_rank)});
  ColMatrix x(rows, h), y(cols, h);
  const double sx = 1.0 / std::sqrt(static_cast<double>(rows)), sy = 1.0 / std::sqrt(static_cast<double>(cols));
  for (Eigen::Index j = 0; j < h; ++j) {
    const double s = std::pow(static_cast<double>(j + 1), -opt.alpha);
    for (Eigen::Index i = 0; i < rows; ++i) x(i, j) = static_cast<float>(rng.normal() * sx * s);
  }
  for (Eigen::Index j = 0; j < h; ++j)
    for (Eigen::Index i = 0; i < cols; ++i) y(i, j) = static_cast<float>(rng.normal() * sy);
  Matrix w = x * y.transpose();
  const double head2 = static_cast<double>(w.squaredNorm());

  Matrix noise(rows, cols);
  for (Eigen::Index i = 0; i < noise.size(); ++i) noise.data()[i] = static_cast<float>(rng.normal());
  const double e = std::clamp(opt.head_energy, 0.0, 1.0);
  if (e < 1.0) {
    // ||noise||^2 should be head2 * (1 - e) / e (or the whole matrix when e == 0).
    const double target = e > 0.0 ? head2 * (1.0 - e) / e : 1.0;
    w += noise * static_cast<float>(std::sqrt(target / static_cast<double>(noise.squaredNorm())));
    if (e == 0.0) w = noise;
  }

  const int n_out = opt.outliers >= 0 ? std::min(opt.outliers, cols) : std::max(1, cols / 512);
  std::vector<int> idx(static_cast<size_t>(cols));
  std::iota(idx.begin(), idx.end(), 0);
  for (int i = 0; i < n_out; ++i) {  // partial Fisher-Yates: the first n_out are a uniform sample
    const auto j = static_cast<size_t>(i) + static_cast<size_t>(rng.below(static_cast<uint64_t>(cols - i)));
    std::swap(idx[static_cast<size_t>(i)], idx[j]);
    w.col(idx[static_cast<size_t>(i)]) *= static_cast<float>(opt.outlier_gain);
  }

  const double rms_now = std::sqrt(static_cast<double>(w.squaredNorm()) / static_cast<double>(w.size()));
  if (rms_now > 0.0) w *= static_cast<float>(opt.rms / rms_now);
  return w;
}

std::pair<int, int> parse_shape(const std::string& text) {
  static const std::regex re(R"(^\s*(\d{1,6})\s*[xX]\s*(\d{1,6})\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw Error(fmt::format("bad shape '{}'; expected ROWSxCOLS with positive integers, e.g. 4096x4096", text));
  const int r = std::stoi(m[1]), c = std::stoi(m[2]);
  if (r < 1 || c < 1) throw Error(fmt::format("bad shape '{}': rows and cols must be >= 1", text));
  return {r, c};
}

}  // namespace itera
