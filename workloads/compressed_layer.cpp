#include "compressed_layer.h"

#include <fmt/format.h>

#include "error.h"

namespace itera {

const char* form_name(Form f) { return f == Form::Factorized ? "factorized" : "compensated"; }

Form parse_form(const std::string& text) {
  if (text == "factorized") return Form::Factorized;
  if (text == "compensated") return Form::Compensated;
  throw Error(fmt::format("unknown form '{}'; allowed: factorized, compensated", text));
}

Matrix LowRankFactors::product() const {
  const Matrix at_hat = at.dequantize();
  const Matrix b_hat = b.dequantize();
  return at_hat.transpose() * b_hat;
}

Matrix CompressedLayer::reconstruct() const {
  Matrix w = dense ? dense->dequantize() : Matrix::Zero(rows, cols);
  if (low_rank) w += low_rank->product();
  return w;
}

int64_t CompressedLayer::storage_bits() const {
  return (dense ? dense->storage_bits() : 0) + (low_rank ? low_rank->storage_bits() : 0);
}

double CompressedLayer::bits_per_weight() const {
  return static_cast<double>(storage_bits()) / (static_cast<double>(rows) * cols);
}

}  // namespace itera
