#pragma once
// A compressed linear layer: an optional quantized dense part Q and optional
// quantized low-rank factors A (rows x r), B (r x cols):
//   factorized form:   W^ = A B
//   compensated form:  W^ = Q + A B
//   quantization only: W^ = Q
// A is kept transposed (At, r x rows) so that each rank-1 vector a_k is one row
// and is quantized with its own scale(s), exactly like each row b_k of B.
#include <cstdint>
#include <optional>
#include <string>

#include "matrix.h"
#include "quantizer.h"

namespace itera {

enum class Form { Factorized, Compensated };
const char* form_name(Form f);
Form parse_form(const std::string& text);  // factorized | compensated

struct LowRankFactors {
  QuantizedMatrix at;  // r x rows: row k is a_k
  QuantizedMatrix b;   // r x cols: row k is b_k
  int rank() const { return at.rows; }
  Matrix product() const;  // A B = At^T B, rows x cols
  int64_t storage_bits() const { return at.storage_bits() + b.storage_bits(); }
};

struct CompressedLayer {
  std::string name;
  int rows = 0;
  int cols = 0;
  std::string method;
  Form form = Form::Compensated;
  std::optional<QuantizedMatrix> dense;
  std::optional<LowRankFactors> low_rank;

  int rank() const { return low_rank ? low_rank->rank() : 0; }
  Matrix reconstruct() const;
  int64_t storage_bits() const;
  // Every stored bit (codes, F16 scales, zero points, factors) over rows * cols.
  double bits_per_weight() const;
};

}  // namespace itera
