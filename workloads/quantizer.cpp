#include "quantizer.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "error.h"
#include "half.h"

namespace itera {

const char* granularity_name(Granularity g) {
  switch (g) {
    case Granularity::PerTensor: return "tensor";
    case Granularity::PerChannel: return "channel";
    case Granularity::Group: return "group";
  }
  return "?";
}

Granularity parse_granularity(const std::string& text) {
  if (text == "tensor") return Granularity::PerTensor;
  if (text == "channel") return Granularity::PerChannel;
  if (text == "group") return Granularity::Group;
  throw Error(fmt::format("unknown granularity '{}'; allowed: tensor, channel, group", text));
}

int QuantSpec::qmin() const { return symmetric ? -((1 << (bits - 1)) - 1) : 0; }
int QuantSpec::qmax() const { return symmetric ? (1 << (bits - 1)) - 1 : (1 << bits) - 1; }

int QuantSpec::groups_per_row(int cols) const {
  if (granularity != Granularity::Group) return 1;
  return (cols + group - 1) / group;
}

std::string QuantSpec::describe() const {
  if (is_float16()) return "fp16";
  std::string g = granularity == Granularity::Group ? fmt::format("g{}", group) : granularity_name(granularity);
  return fmt::format("{}-bit {} {}", bits, symmetric ? "sym" : "asym", g);
}

void validate_quant_spec(const QuantSpec& spec, const std::string& what, bool allow_fp16) {
  const bool ok_bits = (spec.bits >= 2 && spec.bits <= 8) || (allow_fp16 && spec.bits == 16);
  if (!ok_bits) {
    throw Error(fmt::format("{} = {} is out of range; allowed: 2..8{}", what, spec.bits,
                            allow_fp16 ? ", or 16 for unquantized (F16) factors" : ""));
  }
  if (spec.granularity == Granularity::Group && spec.group < 1) {
    throw Error(fmt::format("{}: group size must be >= 1 (got {})", what, spec.group));
  }
}

size_t QuantizedMatrix::scale_index(int r, int c) const {
  switch (spec.granularity) {
    case Granularity::PerTensor: return 0;
    case Granularity::PerChannel: return static_cast<size_t>(r);
    case Granularity::Group: return static_cast<size_t>(r) * scale_cols + static_cast<size_t>(c / spec.group);
  }
  return 0;
}

namespace {

// A positive scale exactly representable in F16 (never zero, never infinite).
float f16_scale(double s) {
  constexpr float kMinSubnormal = 5.9604645e-08f;  // 2^-24
  constexpr float kMaxF16 = 65504.0f;
  float h = round_to_f16(static_cast<float>(std::min<double>(s, kMaxF16)));
  if (!(h > 0.0f)) h = kMinSubnormal;
  return h;
}

struct ScaleZero {
  float scale;
  int16_t zero;
};

// Scale and zero point for the values w[begin, end) of one row.
ScaleZero choose_scale(const float* w, int n, const QuantSpec& spec) {
  if (spec.symmetric) {
    float amax = 0.0f;
    for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(w[i]));
    const double s = amax > 0.0f ? static_cast<double>(amax) / spec.qmax() : 1.0;
    return {f16_scale(s), 0};
  }
  float lo = 0.0f, hi = 0.0f;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  const double range = static_cast<double>(hi) - lo;
  const float s = f16_scale(range > 0.0 ? range / spec.qmax() : 1.0);
  const double z = std::clamp(std::round(-static_cast<double>(lo) / s), 0.0, static_cast<double>(spec.qmax()));
  return {s, static_cast<int16_t>(z)};
}

int16_t encode(float w, const ScaleZero& sz, const QuantSpec& spec) {
  const double q = std::round(static_cast<double>(w) / sz.scale) + sz.zero;
  return static_cast<int16_t>(std::clamp(q, static_cast<double>(spec.qmin()), static_cast<double>(spec.qmax())));
}

}  // namespace

QuantizedMatrix quantize(const Matrix& w, const QuantSpec& spec) {
  QuantizedMatrix q;
  q.rows = static_cast<int>(w.rows());
  q.cols = static_cast<int>(w.cols());
  q.spec = spec;
  if (spec.is_float16()) {
    q.values = w.unaryExpr([](float x) { return round_to_f16(x); });
    return q;
  }
  q.codes.resize(static_cast<size_t>(q.rows) * q.cols);
  q.scale_cols = spec.groups_per_row(q.cols);
  q.scale_rows = spec.granularity == Granularity::PerTensor ? 1 : q.rows;
  q.scales.resize(static_cast<size_t>(q.scale_rows) * q.scale_cols);
  if (!spec.symmetric) q.zeros.resize(q.scales.size());

  auto encode_range = [&](int r, int c0, int c1, const ScaleZero& sz) {
    for (int c = c0; c < c1; ++c) q.codes[static_cast<size_t>(r) * q.cols + c] = encode(w(r, c), sz, spec);
  };
  auto store = [&](size_t idx, const ScaleZero& sz) {
    q.scales[idx] = sz.scale;
    if (!spec.symmetric) q.zeros[idx] = sz.zero;
  };

  switch (spec.granularity) {
    case Granularity::PerTensor: {
      const ScaleZero sz = choose_scale(w.data(), static_cast<int>(w.size()), spec);
      store(0, sz);
      for (int r = 0; r < q.rows; ++r) encode_range(r, 0, q.cols, sz);
      break;
    }
    case Granularity::PerChannel:
      for (int r = 0; r < q.rows; ++r) {
        const ScaleZero sz = choose_scale(&w(r, 0), q.cols, spec);
        store(static_cast<size_t>(r), sz);
        encode_range(r, 0, q.cols, sz);
      }
      break;
    case Granularity::Group:
      for (int r = 0; r < q.rows; ++r) {
        for (int g = 0; g < q.scale_cols; ++g) {
          const int c0 = g * spec.group, c1 = std::min(q.cols, c0 + spec.group);
          const ScaleZero sz = choose_scale(&w(r, c0), c1 - c0, spec);
          store(static_cast<size_t>(r) * q.scale_cols + g, sz);
          encode_range(r, c0, c1, sz);
        }
      }
      break;
  }
  return q;
}

Matrix QuantizedMatrix::dequantize() const {
  if (spec.is_float16()) return values;
  Matrix out(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const size_t si = scale_index(r, c);
      const int z = zeros.empty() ? 0 : zeros[si];
      out(r, c) = scales[si] * static_cast<float>(code(r, c) - z);
    }
  }
  return out;
}

int64_t QuantizedMatrix::storage_bits() const {
  const int64_t n = static_cast<int64_t>(rows) * cols;
  if (spec.is_float16()) return 16 * n;
  const int64_t groups = static_cast<int64_t>(scales.size());
  return n * spec.bits + groups * 16 + (spec.symmetric ? 0 : groups * spec.bits);
}

Matrix fake_quantize(const Matrix& w, const QuantSpec& spec) { return quantize(w, spec).dequantize(); }

}  // namespace itera
