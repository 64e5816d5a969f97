#include "functional_data.h"

namespace itera::hw {

std::vector<uint8_t> pack_codes(const std::vector<int16_t>& values, int bits) {
  std::vector<uint8_t> out((values.size() * static_cast<size_t>(bits) + 7) / 8, 0);
  const uint32_t mask = (1u << bits) - 1u;
  size_t bit = 0;
  for (int16_t v : values) {
    const uint32_t field = static_cast<uint32_t>(static_cast<int32_t>(v)) & mask;
    for (int i = 0; i < bits; ++i, ++bit)
      if ((field >> i) & 1u) out[bit / 8] = static_cast<uint8_t>(out[bit / 8] | (1u << (bit % 8)));
  }
  return out;
}

std::vector<int16_t> unpack_codes(const uint8_t* bytes, size_t count, int bits, bool is_signed) {
  std::vector<int16_t> out(count);
  size_t bit = 0;
  for (size_t j = 0; j < count; ++j) {
    uint32_t field = 0;
    for (int i = 0; i < bits; ++i, ++bit)
      if ((bytes[bit / 8] >> (bit % 8)) & 1u) field |= 1u << i;
    if (is_signed && ((field >> (bits - 1)) & 1u)) field |= ~((1u << bits) - 1u);  // sign-extend
    out[j] = static_cast<int16_t>(static_cast<int32_t>(field));
  }
  return out;
}

}  // namespace itera::hw

namespace itera::hw {

int32_t wrap_accumulator(int64_t value) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(value)));
}

int32_t add_read_back(int32_t acc, int16_t code, int shift) {
  // In unsigned 64-bit arithmetic, so that neither the shift nor the sum can overflow.
  const uint64_t shifted = static_cast<uint64_t>(static_cast<int64_t>(code)) << shift;
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(static_cast<int64_t>(acc)) + shifted));
}

int16_t requantize(int32_t acc, int shift, int bits) {
  int64_t v = acc;
  if (shift > 0) v = (v + (int64_t{1} << (shift - 1))) >> shift;  // arithmetic shift: floor, after adding half
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -hi - 1;
  return static_cast<int16_t>(v < lo ? lo : v > hi ? hi : v);
}

int requant_shift(int64_t k, int wbits, bool w_signed, int abits, int out_bits) {
  const auto ceil_log2 = [](uint64_t v) {
    int log2 = 0;
    while ((uint64_t{1} << log2) < v) ++log2;
    return log2;
  };
  const uint64_t w_max = w_signed ? uint64_t{1} << (wbits - 1) : (uint64_t{1} << wbits) - 1;
  // log2 of sqrt(K) x max|w| x max|x|, each factor rounded up to a power of two.
  const int scale = (ceil_log2(static_cast<uint64_t>(k)) + 1) / 2 + ceil_log2(w_max) + (abits - 1);
  return scale > out_bits - 1 ? scale - (out_bits - 1) : 0;
}

}  // namespace itera::hw
