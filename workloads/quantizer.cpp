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
// The extremes run in 8 independent lanes (which the compiler vectorises) and are
// combined at the end: a maximum or minimum does not depend on the order.
constexpr int kLanes = 8;

ScaleZero choose_scale(const float* w, int n, const QuantSpec& spec) {
  int i = 0;
  if (spec.symmetric) {
    float m[kLanes] = {};
    for (; i + kLanes <= n; i += kLanes)
      for (int k = 0; k < kLanes; ++k) m[k] = std::max(m[k], std::fabs(w[i + k]));
    float amax = 0.0f;
    for (; i < n; ++i) amax = std::max(amax, std::fabs(w[i]));
    for (int k = 0; k < kLanes; ++k) amax = std::max(amax, m[k]);
    const double s = amax > 0.0f ? static_cast<double>(amax) / spec.qmax() : 1.0;
    return {f16_scale(s), 0};
  }
  float l[kLanes] = {}, h[kLanes] = {};
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      l[k] = std::min(l[k], w[i + k]);
      h[k] = std::max(h[k], w[i + k]);
    }
  float lo = 0.0f, hi = 0.0f;
  for (; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  for (int k = 0; k < kLanes; ++k) {
    lo = std::min(lo, l[k]);
    hi = std::max(hi, h[k]);
  }
  const double range = static_cast<double>(hi) - lo;
  const float s = f16_scale(range > 0.0 ? range / spec.qmax() : 1.0);
  const double z = std::clamp(std::round(-static_cast<double>(lo) / s), 0.0, static_cast<double>(spec.qmax()));
  return {s, static_cast<int16_t>(z)};
}

// Codes of w[0, n) under one scale and zero point: clamp(round(w / s) + z, qmin, qmax),
// in double, round() being half away from zero. Written without branches or calls
// (rounding by adding and subtracting 2^52) so that the compiler vectorises it; the
// codes are those of std::round.
void encode_run(const float* w, int n, const ScaleZero& sz, const QuantSpec& spec, int16_t* out) {
  constexpr double kTwo52 = 4503599627370496.0, kTwo51 = 2251799813685248.0;
  const double s = sz.scale, z = sz.zero;
  const double lo = spec.qmin(), hi = spec.qmax();
  for (int i = 0; i < n; ++i) {
    const double x = static_cast<double>(w[i]) / s;
    double a = std::fabs(x);
    a = a > kTwo51 ? kTwo51 : a;        // far outside the code range either way
    double r = (a + kTwo52) - kTwo52;   // nearest integer, ties to even
    r = a - r == 0.5 ? r + 1.0 : r;     // ties away from zero
    double c = std::copysign(r, x) + z;
    c = c < lo ? lo : c;
    c = c > hi ? hi : c;
    out[i] = static_cast<int16_t>(static_cast<int>(c));
  }
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
    encode_run(&w(r, c0), c1 - c0, sz, spec, q.codes.data() + static_cast<size_t>(r) * q.cols + c0);
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
  // Runs of one scale: a whole row (per tensor or channel) or one group of it.
  const int run = std::max(1, spec.granularity == Granularity::Group ? spec.group : cols);
  for (int r = 0; r < rows; ++r) {
    const int16_t* cr = codes.data() + static_cast<size_t>(r) * cols;
    float* o = out.data() + static_cast<size_t>(r) * cols;
    for (int c0 = 0; c0 < cols; c0 += run) {
      const int c1 = std::min(cols, c0 + run);
      const size_t si = scale_index(r, c0);
      const float s = scales[si];
      const int z = zeros.empty() ? 0 : zeros[si];
      for (int c = c0; c < c1; ++c) o[c] = s * static_cast<float>(cr[c] - z);
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
