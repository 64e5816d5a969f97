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
