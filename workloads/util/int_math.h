#pragma once
// Integer helpers shared by the tiling, timing and layout code.
#include <cstdint>

namespace itera {

// ceil(a / b) for a >= 0, b > 0.
constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
// The smallest multiple of `a` (> 0) that is >= v.
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// a / b, or 0 when b is not positive (a rate over an empty interval).
constexpr double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

}  // namespace itera
