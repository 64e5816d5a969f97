#include "half.h"

#include <cstring>

namespace itera {

namespace {

uint32_t float_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

float bits_float(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

}  // namespace

uint16_t float_to_f16(float x) {
  const uint32_t bits = float_bits(x);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t abs = bits & 0x7FFFFFFFu;

  if (abs >= 0x7F800000u) {                        // inf or NaN
    if (abs == 0x7F800000u) return static_cast<uint16_t>(sign | 0x7C00u);
    // NaN: keep the top payload bits and force the quiet bit so that a payload
    // living only in the low float bits cannot collapse into infinity.
    return static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
  }
  if (abs >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65536: overflow

  if (abs >= 0x38800000u) {  // normal F16 range (>= 2^-14)
    // Rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to
    // nearest even; a carry out of the mantissa correctly bumps the exponent,
    // up to 0x7C00 (infinity) for values >= 65520.
    const uint32_t m = abs - 0x38000000u;
    const uint32_t h = (m + 0x0FFFu + ((m >> 13) & 1u)) >> 13;
    return static_cast<uint16_t>(sign | h);
  }

  // Subnormal F16 (or zero): the result is round(|x| * 2^24).
  const uint32_t e = abs >> 23;  // biased float exponent, <= 112 here
  if (e < 102) return static_cast<uint16_t>(sign);  // |x| < 2^-25: rounds to zero
  const uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126u - e;  // in [14, 24]
  uint32_t h = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (h & 1u))) ++h;  // may carry into 0x0400, the smallest normal
  return static_cast<uint16_t>(sign | h);
}

float f16_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x3FFu;
  if (exp == 0x1Fu) return bits_float(sign | 0x7F800000u | (mant << 13));  // inf / NaN
  if (exp != 0) return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0) return bits_float(sign);  // signed zero
  // Subnormal: mant * 2^-24; normalise into a float.
  uint32_t m = mant;
  uint32_t e = 113;  // biased float exponent of 2^-14
  while ((m & 0x400u) == 0) {
    m <<= 1;
    --e;
  }
  return bits_float(sign | (e << 23) | ((m & 0x3FFu) << 13));
}

uint16_t float_to_bf16(float x) {
  const uint32_t bits = float_bits(x);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
    // NaN: truncate and force the quiet bit so the result stays a NaN.
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  }
  // Round to nearest even; overflow carries into the exponent and yields inf.
  const uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(rounded >> 16);
}

float bf16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

}  // namespace itera
