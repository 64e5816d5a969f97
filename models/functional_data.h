#pragma once
// The data of functional mode (`itera simulate --functional`): the operands carry real
// integer codes. Weight codes come from a saved decomposition, activation codes from a
// seeded generator; functional_model.h packs them into the DRAM image tile by tile,
// they travel to the SRAMs in the TLM payloads, and the model multiplies what the
// buffers received, fold by fold as the array computes. The finished accumulators are
// recorded per op, for comparison with an Eigen integer product.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace itera::hw {

struct FunctionalOp {
  bool enabled = false;
  int m = 0, k = 0, n = 0;
  int wbits = 8, abits = 8;
  bool w_signed = true;  // symmetric codes are signed; asymmetric ones are unsigned (zero point apart)
  std::vector<int16_t> w;  // N x K codes, row-major (W as in Y = X W^T)
  std::vector<int16_t> x;  // M x K codes, row-major
  std::vector<int64_t> y;  // M x N accumulators, filled by the simulation
};

struct FunctionalData {
  std::vector<FunctionalOp> ops;  // indexed like the trace's ops
};

// Packs values as `bits`-bit two's complement fields, least significant bit first.
std::vector<uint8_t> pack_codes(const std::vector<int16_t>& values, int bits);
std::vector<int16_t> unpack_codes(const uint8_t* bytes, size_t count, int bits, bool is_signed);

}  // namespace itera::hw
