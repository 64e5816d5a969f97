#pragma once
// IEEE 754 binary16 (F16) and bfloat16 (BF16) conversions, round to nearest
// even, with correct handling of subnormals, infinities and NaN.
#include <cstdint>

namespace itera {

uint16_t float_to_f16(float x);
float f16_to_float(uint16_t h);
uint16_t float_to_bf16(float x);
float bf16_to_float(uint16_t b);

// x rounded to the nearest F16 value and back: what storing x at 16 bits keeps.
inline float round_to_f16(float x) { return f16_to_float(float_to_f16(x)); }

}  // namespace itera
