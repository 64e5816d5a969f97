// The synthetic generator: seeded, the documented RMS, outlier input channels, and a
// spectrum whose head follows the documented power law.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "error.h"
#include "rng.h"
#include "stable_hash.h"
#include "synthetic.h"

namespace itera {
namespace {

TEST(Synthetic, SeedFixesTheMatrix) {
  const Matrix a = synthetic_weight(64, 48, 7), b = synthetic_weight(64, 48, 7), c = synthetic_weight(64, 48, 8);
  EXPECT_EQ((a - b).norm(), 0.0f);
  EXPECT_GT((a - c).norm(), 0.1f * a.norm());
}

TEST(Synthetic, RmsMatchesOption) {
  SyntheticOptions o;
  o.rms = 0.05;
  const Matrix w = synthetic_weight(100, 300, 1, o);
  EXPECT_NEAR(std::sqrt(w.squaredNorm() / static_cast<double>(w.size())), 0.05, 1e-6);
}

TEST(Synthetic, OutlierColumnsStandOut) {
  SyntheticOptions o;
  o.outliers = 3;
  o.outlier_gain = 10.0;
  const Matrix w = synthetic_weight(256, 512, 2, o);
  std::vector<float> norms(512);
  for (int c = 0; c < 512; ++c) norms[c] = w.col(c).norm();
  std::vector<float> sorted = norms;
  std::sort(sorted.begin(), sorted.end());
  const float median = sorted[256];
  int big = 0;
  for (float n : norms) big += n > 5.0f * median;
  EXPECT_EQ(big, 3);
}

TEST(Synthetic, HeadFollowsPowerLaw) {
  // Without bulk noise or outliers, sigma_i / sigma_j ~ ((j+1)/(i+1))^alpha, up to the
  // random factors being only nearly orthonormal (~1/sqrt(rows) deviations).
  SyntheticOptions o;
  o.head_energy = 1.0;
  o.outliers = 0;
  o.alpha = 0.7;
  o.head_rank = 32;
  const Matrix w = synthetic_weight(1024, 1024, 3, o);
  Eigen::JacobiSVD<Eigen::MatrixXf> svd(Eigen::MatrixXf(w.topLeftCorner(1024, 1024)));
  const Eigen::VectorXf s = svd.singularValues();
  for (int i : {1, 3, 7, 15}) EXPECT_NEAR(s(0) / s(i), std::pow(i + 1.0, 0.7), 0.2 * std::pow(i + 1.0, 0.7)) << i;
  EXPECT_LT(s(32), 1e-3f * s(0));  // rank h exactly
}

TEST(Synthetic, ParseShape) {
  EXPECT_EQ(parse_shape("4096x11008"), std::make_pair(4096, 11008));
  EXPECT_EQ(parse_shape("3X5"), std::make_pair(3, 5));
  for (const char* bad : {"", "12", "12x", "x3", "0x4", "4x0", "12by3", "-3x4", "1.5x2"})
    EXPECT_THROW(parse_shape(bad), Error) << bad;
}

TEST(Rng, NormalMomentsAndDeterminism) {
  Rng a(123), b(123);
  double s1 = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = a.normal();
    EXPECT_EQ(x, b.normal());
    s1 += x;
    s2 += x * x;
  }
  EXPECT_NEAR(s1 / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL);  // FNV-1a offset basis
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
}

}  // namespace
}  // namespace itera
