#include "half.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace {

using itera::bf16_to_float;
using itera::f16_to_float;
using itera::float_to_bf16;
using itera::float_to_f16;

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint32_t to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

bool f16_is_nan(uint16_t h) { return (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0; }
bool bf16_is_nan(uint16_t b) { return (b & 0x7F80u) == 0x7F80u && (b & 0x7Fu) != 0; }

// The value of an F16 bit pattern computed from the IEEE definition, independent
// of the implementation under test.
double f16_reference_value(uint16_t h) {
  const int sign = (h & 0x8000) ? -1 : 1;
  const int exp = (h >> 10) & 0x1F;
  const int mant = h & 0x3FF;
  if (exp == 0) return sign * std::ldexp(static_cast<double>(mant), -24);
  if (exp == 31) return mant ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  return sign * std::ldexp(static_cast<double>(1024 + mant), exp - 25);
}

TEST(Half, F16KnownBitPatterns) {
  EXPECT_EQ(float_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(float_to_f16(-2.0f), 0xC000);
  EXPECT_EQ(float_to_f16(0.5f), 0x3800);
  EXPECT_EQ(float_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(float_to_f16(-65504.0f), 0xFBFF);
  EXPECT_EQ(float_to_f16(0.0f), 0x0000);
  EXPECT_EQ(float_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_f16(std::ldexp(1023.0f, -24)), 0x03FF);  // largest subnormal
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(float_to_f16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(float_to_f16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(float_to_f16(1e30f), 0x7C00);
  EXPECT_EQ(float_to_f16(-1e30f), 0xFC00);
  EXPECT_EQ(float_to_f16(std::numeric_limits<float>::max()), 0x7C00);
}

TEST(Half, F16RoundToNearestEven) {
  // Overflow: 65520 is the midpoint between 65504 (odd mantissa) and 2^16 -> inf.
  EXPECT_EQ(float_to_f16(65520.0f), 0x7C00);
  EXPECT_EQ(float_to_f16(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
  EXPECT_EQ(float_to_f16(65519.0f), 0x7BFF);
  // Ties at 1.0: ulp is 2^-10, so 1 + 2^-11 is a tie -> even (0x3C00).
  EXPECT_EQ(float_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  EXPECT_EQ(float_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // tie between 0x3C01, 0x3C02
  EXPECT_EQ(float_to_f16(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3C01);
  EXPECT_EQ(float_to_f16(std::nextafter(1.0f + std::ldexp(1.0f, -11), 0.0f)), 0x3C00);
  EXPECT_EQ(float_to_f16(-(1.0f + 3 * std::ldexp(1.0f, -11))), 0xBC02);
  // Subnormal ties: 2^-25 is half the smallest subnormal -> 0; 3*2^-25 -> 2 (even).
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(float_to_f16(-std::ldexp(1.0f, -25)), 0x8000);
  EXPECT_EQ(float_to_f16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(float_to_f16(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(float_to_f16(std::ldexp(5.0f, -25)), 0x0002);
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -40)), 0x0000);
  EXPECT_EQ(float_to_f16(from_bits(0x00000001u)), 0x0000);  // float subnormal
  // Largest subnormal + half ulp ties to the even neighbour, the smallest normal.
  EXPECT_EQ(float_to_f16(std::ldexp(2047.0f, -25)), 0x0400);
  EXPECT_EQ(float_to_f16(std::ldexp(2045.0f, -25)), 0x03FE);
}

TEST(Half, F16NaN) {
  const float qnan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(f16_is_nan(float_to_f16(qnan)));
  EXPECT_TRUE(f16_is_nan(float_to_f16(-qnan)));
  EXPECT_EQ(float_to_f16(-qnan) & 0x8000, 0x8000);
  // A payload only in the low float bits must not turn into infinity.
  EXPECT_TRUE(f16_is_nan(float_to_f16(from_bits(0x7F800001u))));
  EXPECT_TRUE(f16_is_nan(float_to_f16(from_bits(0xFF800001u))));
  EXPECT_TRUE(std::isnan(f16_to_float(0x7C01)));
  EXPECT_TRUE(std::isnan(f16_to_float(0xFE00)));
  EXPECT_TRUE(std::isinf(f16_to_float(0x7C00)));
}

TEST(Half, F16ExhaustiveRoundTrip) {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float f = f16_to_float(h);
    const double ref = f16_reference_value(h);
    if (f16_is_nan(h)) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << i;
      const uint16_t back = float_to_f16(f);
      ASSERT_TRUE(f16_is_nan(back)) << std::hex << i;
      ASSERT_EQ(back & 0x8000, h & 0x8000) << std::hex << i;
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), ref) << std::hex << i;
    ASSERT_EQ(std::signbit(f), (h & 0x8000) != 0) << std::hex << i;
    ASSERT_EQ(float_to_f16(f), h) << std::hex << i;
  }
}

// Brute force: the nearest F16 among all of them, ties to the even pattern.
// 0x7C00 stands for 2^16 here, per IEEE overflow rounding.
uint16_t brute_force_f16(float x, const std::vector<double>& magnitudes) {
  const double a = std::fabs(static_cast<double>(x));
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (a > 65536.0) return static_cast<uint16_t>(sign | 0x7C00);
  uint16_t best = 0;
  double best_d = HUGE_VAL;
  for (uint16_t i = 0; i < magnitudes.size(); ++i) {
    const double d = std::fabs(magnitudes[i] - a);
    if (d < best_d || (d == best_d && (i & 1) == 0)) {
      best = i;
      best_d = d;
    }
  }
  return static_cast<uint16_t>(sign | best);
}

TEST(Half, F16NearestBruteForce) {
  std::vector<double> magnitudes;
  for (uint32_t i = 0; i < 0x7C00; ++i) magnitudes.push_back(f16_reference_value(static_cast<uint16_t>(i)));
  magnitudes.push_back(65536.0);  // index 0x7C00
  std::mt19937_64 gen(12345);
  std::uniform_real_distribution<float> wide(-70000.0f, 70000.0f);
  std::uniform_real_distribution<float> unit(-2.0f, 2.0f);
  std::uniform_int_distribution<uint32_t> bits(0x30000000u, 0x47FFFFFFu);  // 2^-31 .. 2^17
  for (int k = 0; k < 3000; ++k) {
    float x;
    switch (k % 3) {
      case 0: x = wide(gen); break;
      case 1: x = unit(gen); break;
      default: x = from_bits(bits(gen) | ((k & 8) ? 0x80000000u : 0u)); break;
    }
    ASSERT_EQ(float_to_f16(x), brute_force_f16(x, magnitudes)) << x << " bits " << std::hex << to_bits(x);
  }
}

TEST(Half, BF16KnownBitPatterns) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(float_to_bf16(-2.0f), 0xC000);
  EXPECT_EQ(float_to_bf16(0.0f), 0x0000);
  EXPECT_EQ(float_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(float_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(bf16_to_float(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_float(0x4049), 3.140625f);
  EXPECT_EQ(float_to_bf16(3.14159265f), 0x4049);
  // Round to nearest even: the bf16 ulp at 1.0 is 2^-7.
  EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);              // tie -> even
  EXPECT_EQ(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);          // tie -> even
  EXPECT_EQ(float_to_bf16(from_bits(0x3F808001u)), 0x3F81);                    // above tie
  EXPECT_EQ(float_to_bf16(from_bits(0x3F807FFFu)), 0x3F80);                    // below tie
  EXPECT_EQ(float_to_bf16(from_bits(0x3F80FFFFu)), 0x3F81);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7F80);        // overflows to inf
  EXPECT_EQ(float_to_bf16(from_bits(0x7F7F7FFFu)), 0x7F7F);                    // largest finite
  EXPECT_EQ(float_to_bf16(from_bits(0x00008000u)), 0x0000);                    // subnormal tie -> even
  EXPECT_EQ(float_to_bf16(from_bits(0x00018000u)), 0x0002);
}

TEST(Half, BF16NaN) {
  EXPECT_TRUE(bf16_is_nan(float_to_bf16(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(bf16_is_nan(float_to_bf16(from_bits(0x7F800001u))));  // would round to inf if naive
  EXPECT_TRUE(bf16_is_nan(float_to_bf16(from_bits(0x7FFFFFFFu))));  // would carry into sign if naive
  EXPECT_EQ(float_to_bf16(from_bits(0xFF800001u)) & 0x8000, 0x8000);
  EXPECT_TRUE(std::isnan(bf16_to_float(0x7FC0)));
}

TEST(Half, BF16ExhaustiveRoundTrip) {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto b = static_cast<uint16_t>(i);
    const float f = bf16_to_float(b);
    ASSERT_EQ(to_bits(f), i << 16) << std::hex << i;
    if (bf16_is_nan(b)) {
      ASSERT_TRUE(bf16_is_nan(float_to_bf16(f))) << std::hex << i;
    } else {
      ASSERT_EQ(float_to_bf16(f), b) << std::hex << i;
    }
  }
}

TEST(Half, BF16NearestRandom) {
  std::mt19937_64 gen(777);
  std::uniform_int_distribution<uint32_t> any(0u, 0xFFFFFFFFu);
  for (int k = 0; k < 20000; ++k) {
    const uint32_t u = any(gen);
    const float x = from_bits(u);
    if (std::isnan(x)) continue;
    // The two bf16 neighbours of x (truncation and the next pattern away from 0).
    const uint16_t lo = static_cast<uint16_t>(u >> 16);
    const uint16_t hi = static_cast<uint16_t>(lo + 1);
    const double dx = static_cast<double>(x);
    const double dlo = std::fabs(static_cast<double>(bf16_to_float(lo)) - dx);
    // Pattern hi may be inf (0x7F80): IEEE overflow treats it as 2^128.
    const double vhi = ((hi & 0x7FFF) == 0x7F80) ? std::copysign(std::ldexp(1.0, 128), dx)
                                                 : static_cast<double>(bf16_to_float(hi));
    if ((lo & 0x7FFF) == 0x7F80) {  // x is already inf
      EXPECT_EQ(float_to_bf16(x), lo);
      continue;
    }
    const double dhi = std::fabs(vhi - dx);
    const uint16_t expect = dlo < dhi ? lo : dhi < dlo ? hi : ((lo & 1) == 0 ? lo : hi);
    ASSERT_EQ(float_to_bf16(x), expect) << std::hex << u;
  }
}

}  // namespace
