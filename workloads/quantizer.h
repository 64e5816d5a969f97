#pragma once
// Uniform round-to-nearest quantization of a matrix, with integer codes,
// scales and zero points kept so that later stages (traces, the simulator's
// functional mode) can compute with exactly what would be stored.
//
// Symmetric, b bits:  qmax = 2^(b-1) - 1, s = absmax / qmax,
//                     code = clamp(round(w / s), -qmax, qmax),  w^ = s * code.
//   (the restricted range [-qmax, qmax] keeps the grid symmetric; at b = 2 it is ternary)
// Asymmetric, b bits: the range [min(w,0), max(w,0)] is mapped onto 0 .. 2^b - 1:
//                     s = (hi - lo) / (2^b - 1), z = clamp(round(-lo / s), 0, 2^b - 1),
//                     code = clamp(round(w / s) + z, 0, 2^b - 1),  w^ = s * (code - z).
// Scales are stored as IEEE half precision (the value is rounded to F16 before the
// codes are computed, so codes match the stored scale); zero points take b bits.
// round() is round-half-away-from-zero.
//
// Granularity: one scale per tensor, per output channel (row), or per group of
// `group` consecutive input channels (columns) within a row; the last group of a
// row is shorter when cols is not a multiple of the group size.
//
// bits == 16 means "not quantized": values are stored as F16, no scales.
#include <cstdint>
#include <string>
#include <vector>

#include "matrix.h"

namespace itera {

enum class Granularity { PerTensor, PerChannel, Group };

const char* granularity_name(Granularity g);
Granularity parse_granularity(const std::string& text);  // tensor | channel | group

struct QuantSpec {
  int bits = 8;
  bool symmetric = true;
  Granularity granularity = Granularity::PerChannel;
  int group = 0;  // used when granularity == Group

  bool is_float16() const { return bits == 16; }
  int qmin() const;
  int qmax() const;
  // Number of scale groups in one row of a matrix with `cols` columns.
  int groups_per_row(int cols) const;
  // "4-bit sym g128", "8-bit asym per-channel", "fp16"
  std::string describe() const;
};

// Throws itera::Error when bits is outside 2..8 (or 16 when allow_fp16), or a group size is < 1.
void validate_quant_spec(const QuantSpec& spec, const std::string& what, bool allow_fp16);

struct QuantizedMatrix {
  int rows = 0;
  int cols = 0;
  QuantSpec spec;
  // Integer codes, row-major, rows*cols (empty when spec.is_float16()).
  std::vector<int16_t> codes;
  // Scales, row-major [scale_rows][groups]: per tensor 1x1, per channel rows x 1,
  // group-wise rows x groups_per_row. Values are exactly representable in F16.
  std::vector<float> scales;
  std::vector<int16_t> zeros;  // same layout as scales; empty when symmetric
  int scale_rows = 0;
  int scale_cols = 0;
  // F16-rounded values when spec.is_float16().
  Matrix values;

  int16_t code(int r, int c) const { return codes[static_cast<size_t>(r) * cols + c]; }
  // Index into scales/zeros of the group holding element (r, c).
  size_t scale_index(int r, int c) const;
  Matrix dequantize() const;
  // Storage cost: codes at spec.bits, F16 scales, zero points at spec.bits (or F16 values).
  int64_t storage_bits() const;
};

QuantizedMatrix quantize(const Matrix& w, const QuantSpec& spec);

// Dequantized matrix only: quantize(w, spec).dequantize().
Matrix fake_quantize(const Matrix& w, const QuantSpec& spec);

}  // namespace itera
