// Quantizers against a brute-force definition: for every element, the stored code
// must be the grid point nearest to the weight among all 2^b codes, on a grid whose
// scale (and zero point) is recomputed here from the definition in quantizer.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "error.h"
#include "half.h"
#include "quantizer.h"
#include "synthetic.h"
#include "test_support.h"

namespace itera {
namespace {

struct Grid {
  double scale;
  int zero;
  int qmin, qmax;
};

// The grid for the values v[0..n), from the documented rules, written out independently.
Grid reference_grid(const std::vector<float>& v, int bits, bool symmetric) {
  Grid g{};
  if (symmetric) {
    double amax = 0;
    for (float x : v) amax = std::max(amax, std::fabs(static_cast<double>(x)));
    g.qmax = (1 << (bits - 1)) - 1;
    g.qmin = -g.qmax;
    g.scale = amax > 0 ? amax / g.qmax : 1.0;
    g.zero = 0;
  } else {
    double lo = 0, hi = 0;
    for (float x : v) {
      lo = std::min(lo, static_cast<double>(x));
      hi = std::max(hi, static_cast<double>(x));
    }
    g.qmin = 0;
    g.qmax = (1 << bits) - 1;
    g.scale = hi > lo ? (hi - lo) / g.qmax : 1.0;
  }
  g.scale = round_to_f16(static_cast<float>(g.scale));  // stored as F16
  if (!symmetric) g.zero = static_cast<int>(std::clamp(std::round(-(std::min(0.0, static_cast<double>(*std::min_element(v.begin(), v.end())))) / g.scale), 0.0, static_cast<double>(g.qmax)));
  return g;
}

// Brute force: the code whose dequantized value is nearest to x.
int nearest_code(float x, const Grid& g) {
  int best = g.qmin;
  double best_err = std::numeric_limits<double>::infinity();
  for (int q = g.qmin; q <= g.qmax; ++q) {
    const double err = std::fabs(static_cast<double>(x) - g.scale * (q - g.zero));
    if (err < best_err) {
      best_err = err;
      best = q;
    }
  }
  return best;
}

void check_against_brute_force(const Matrix& w, const QuantSpec& spec) {
  const QuantizedMatrix q = quantize(w, spec);
  const Matrix deq = q.dequantize();
  const int rows = static_cast<int>(w.rows()), cols = static_cast<int>(w.cols());
  // Enumerate the groups independently of the implementation's indexing.
  std::vector<std::vector<std::pair<int, int>>> groups;
  if (spec.granularity == Granularity::PerTensor) {
    groups.emplace_back();
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) groups.back().emplace_back(r, c);
  } else {
    const int g = spec.granularity == Granularity::Group ? spec.group : cols;
    for (int r = 0; r < rows; ++r)
      for (int c0 = 0; c0 < cols; c0 += g) {
        groups.emplace_back();
        for (int c = c0; c < std::min(cols, c0 + g); ++c) groups.back().emplace_back(r, c);
      }
  }
  int checked = 0;
  for (const auto& grp : groups) {
    std::vector<float> v;
    for (auto [r, c] : grp) v.push_back(w(r, c));
    const Grid g = reference_grid(v, spec.bits, spec.symmetric);
    for (auto [r, c] : grp) {
      const int expect = nearest_code(w(r, c), g);
      ASSERT_EQ(q.code(r, c), expect) << spec.describe() << " at (" << r << "," << c << ") w=" << w(r, c);
      ASSERT_FLOAT_EQ(deq(r, c), static_cast<float>(g.scale * (expect - g.zero)));
      ++checked;
    }
  }
  EXPECT_EQ(checked, rows * cols);
}

class QuantizerBruteForce : public ::testing::TestWithParam<std::tuple<int, bool, int>> {};

TEST_P(QuantizerBruteForce, CodesAreNearestGridPoints) {
  const auto [bits, symmetric, gran] = GetParam();
  const Matrix w = synthetic_weight(37, 83, 100 + static_cast<uint64_t>(bits));  // 83 columns: ragged groups
  QuantSpec spec;
  spec.bits = bits;
  spec.symmetric = symmetric;
  spec.granularity = gran == 0 ? Granularity::PerTensor : gran == 1 ? Granularity::PerChannel : Granularity::Group;
  spec.group = 16;
  check_against_brute_force(w, spec);
}

INSTANTIATE_TEST_SUITE_P(AllBitsAndGranularities, QuantizerBruteForce,
                         ::testing::Combine(::testing::Range(2, 9), ::testing::Bool(), ::testing::Range(0, 3)));

TEST(Quantizer, AsymmetricHandlesAllPositiveAndConstantRows) {
  Matrix w(3, 5);
  w << 0.1f, 0.2f, 0.3f, 0.4f, 0.5f,  //
      -1, -1, -1, -1, -1,             //
      0, 0, 0, 0, 0;
  QuantSpec spec;
  spec.bits = 3;
  spec.symmetric = false;
  check_against_brute_force(w, spec);
  const Matrix deq = fake_quantize(w, spec);
  EXPECT_NEAR(deq(1, 0), -1.0f, 1e-3f);  // a constant row is represented (0 is in the range)
  EXPECT_EQ(deq(2, 3), 0.0f);
}

// Values exactly half-way between two grid points round away from zero (std::round),
// not to the even code; far-out values clamp to the range.
TEST(Quantizer, TiesRoundAwayFromZero) {
  Matrix w(2, 9);
  // Symmetric 4 bits: amax 7 gives scale 1 (exact in F16), so w / scale is w itself.
  w << 7.0f, 2.5f, -2.5f, 0.5f, -0.5f, 3.5f, 6.5f, -6.5f, 1.5f,  //
      // Asymmetric 4 bits: range [-3, 12] gives scale 1 and zero point 3.
      -3.0f, 12.0f, 0.5f, -0.5f, 2.5f, -2.5f, 8.5f, 11.5f, -1.5f;
  QuantSpec sym;
  sym.bits = 4;
  const QuantizedMatrix qs = quantize(w.topRows(1), sym);
  ASSERT_EQ(qs.scales[0], 1.0f);
  const int expect_sym[] = {7, 3, -3, 1, -1, 4, 7, -7, 2};
  for (int c = 0; c < 9; ++c) EXPECT_EQ(qs.code(0, c), expect_sym[c]) << "w=" << w(0, c);
  QuantSpec asym = sym;
  asym.symmetric = false;
  const QuantizedMatrix qa = quantize(w.bottomRows(1), asym);
  ASSERT_EQ(qa.scales[0], 1.0f);
  ASSERT_EQ(qa.zeros[0], 3);
  const int expect_asym[] = {0, 15, 4, 2, 6, 0, 12, 15, 1};  // round(w) + 3, clamped to 0..15
  for (int c = 0; c < 9; ++c) EXPECT_EQ(qa.code(0, c), expect_asym[c]) << "w=" << w(1, c);
}

TEST(Quantizer, ErrorShrinksByAboutTwoPerBit) {
  // Uniform quantization noise: RMS error ~ scale / sqrt(12), scale halves per extra bit.
  const Matrix w = synthetic_weight(128, 256, 5);
  QuantSpec spec;
  double prev = 0;
  for (int b = 3; b <= 8; ++b) {
    spec.bits = b;
    const double e = (w - fake_quantize(w, spec)).norm();
    if (b > 3) {
      EXPECT_GT(prev / e, 1.6) << b;
      EXPECT_LT(prev / e, 2.5) << b;
    }
    prev = e;
  }
}

TEST(Quantizer, StorageBitsClosedForm) {
  const Matrix w = synthetic_weight(10, 70, 1);
  QuantSpec s;
  s.bits = 4;
  s.granularity = Granularity::Group;
  s.group = 32;  // 3 groups per row (32, 32, 6)
  EXPECT_EQ(quantize(w, s).storage_bits(), 10 * 70 * 4 + 10 * 3 * 16);
  s.symmetric = false;
  EXPECT_EQ(quantize(w, s).storage_bits(), 10 * 70 * 4 + 10 * 3 * (16 + 4));
  s.granularity = Granularity::PerChannel;
  EXPECT_EQ(quantize(w, s).storage_bits(), 10 * 70 * 4 + 10 * (16 + 4));
  s.granularity = Granularity::PerTensor;
  EXPECT_EQ(quantize(w, s).storage_bits(), 10 * 70 * 4 + (16 + 4));
  s.bits = 16;
  EXPECT_EQ(quantize(w, s).storage_bits(), 10 * 70 * 16);
}

TEST(Quantizer, Float16ModeRoundsToHalf) {
  const Matrix w = synthetic_weight(8, 9, 2);
  QuantSpec s;
  s.bits = 16;
  const Matrix d = fake_quantize(w, s);
  for (Eigen::Index i = 0; i < w.size(); ++i) EXPECT_EQ(d.data()[i], f16_to_float(float_to_f16(w.data()[i])));
}

TEST(Quantizer, RejectsOutOfRangeBitsAndGroups) {
  QuantSpec s;
  for (int b : {0, 1, 9, 16, 32}) {
    s.bits = b;
    EXPECT_THROW(validate_quant_spec(s, "--bits", false), Error) << b;
  }
  s.bits = 16;
  EXPECT_NO_THROW(validate_quant_spec(s, "--factor-bits", true));
  s.bits = 4;
  s.granularity = Granularity::Group;
  s.group = 0;
  EXPECT_TRUE(testing::contains_all(testing::error_of([&] { validate_quant_spec(s, "--bits", false); }), {"group"}));
  s.bits = 9;
  EXPECT_TRUE(testing::contains_all(testing::error_of([&] { validate_quant_spec(s, "--bits", false); }), {"2..8"}));
}

}  // namespace
}  // namespace itera
