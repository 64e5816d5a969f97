#pragma once
// The data of functional mode (`itera simulate --functional`): the operands carry real
// integer codes. Weight codes come from a saved decomposition, the layer input X from
// a seeded generator; functional_model.h packs them into the DRAM image tile by tile,
// they travel to the SRAMs in the TLM payloads, and the model multiplies what the
// buffers received, fold by fold as the array computes. Results travel on along the
// path the timing model gives them: a low-rank lr_down's result stays on chip as the
// rank-r intermediate T that its lr_up multiplies; every other result leaves for DRAM,
// where an op that accumulates onto it reads it back. What each stage produced is
// recorded per op, and the final contents of every output region are read from the
// DRAM after the run, for comparison with an Eigen integer reference of the chain.
//
// The integer datapath (the same rules in the model and the reference):
//  * accumulators are 32-bit two's complement (kAccumulatorBytes in tile_plan.h) and
//    wrap on overflow: every product and every read-back is added modulo 2^32;
//  * a result leaves the output buffer as requantize(acc, shift, bits): an arithmetic
//    shift right by `shift` rounding to nearest (ties toward +infinity), then
//    saturation to the signed `bits` range [-2^(bits-1), 2^(bits-1) - 1];
//  * `bits` is the op's abits, except for an lr_down, whose result (T) is requantized
//    to its lr_up's abits;
//  * `shift` is requant_shift(): the smallest s >= 0 that brings sqrt(K) x max|weight
//    code| x max|activation code| (each factor rounded up to a power of two) down to
//    2^(bits-1). A sum of K products of uncorrelated zero-mean operands grows like
//    sqrt(K), so results keep most of the output range (the worst case, K x ..., would
//    leave a few codes); larger accumulators saturate;
//  * an op that accumulates onto an earlier op's output (the compensated lr_up) reads
//    that output's codes back from DRAM, adds code x 2^shift (its own shift) to its
//    accumulators, and requantizes the sum with its own shift, so that the code it
//    writes is saturate(read-back + round(own accumulator / 2^shift)).
// Weight scales and zero points are not applied (their bytes in the image are 0): the
// shifts stand in for the scales, and the check is of data movement and integer
// arithmetic, not of the model's float numerics.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace itera::hw {

// Test hooks (`--inject-fault`) that break the chain on purpose, to prove the check
// sees it: corrupt one element of the first lr_down's intermediate T on its way to
// the lr_up, or let accumulating ops ignore what they read back.
enum class FunctionalFault { None, CorruptIntermediate, DropReadBack };

struct FunctionalOp {
  bool enabled = false;
  int m = 0, k = 0, n = 0;
  int wbits = 8, abits = 8;
  bool w_signed = true;  // symmetric codes are signed; asymmetric ones are unsigned (zero point apart)
  int out_bits = 8;      // bits of the codes the result leaves as (see above)
  int shift = 0;         // requantization shift of the result (requant_shift())
  int input_op = -1;       // the op whose output this op reads (an lr_up's lr_down); -1: the layer input X
  int accumulate_op = -1;  // the op whose output this op adds into; -1: a fresh output
  int layer = -1;          // the op owning the DRAM output region this op's result ends in (its own index
                           // for a layer's first writer); for an lr_down, its lr_up's layer
  std::vector<int16_t> w;  // N x K codes, row-major (W as in Y = X W^T)
  std::vector<int16_t> x;  // M x K codes of the layer input X (input_op < 0); empty otherwise

  // Filled by the simulation (M x N, row-major):
  std::vector<int32_t> acc;        // the op's own final accumulators (before any read-back is added)
  std::vector<int16_t> read_back;  // accumulating ops: the codes read back from DRAM
  std::vector<int16_t> out;        // the codes the result left as: T on chip (lr_down), or written to DRAM
  std::vector<int16_t> final_out;  // layer owners: their output region as the DRAM holds it after the run
  // Accumulating ops whose output tiles differ from the tiles the region's owner laid
  // out: the timed read-back and write of a tile (one contiguous transfer at the op's
  // own tile-major address) do not hold the tile's elements, so the model moved them
  // element by element at the owner's addresses in the DRAM image (functional_model.h).
  bool gathered = false;
};

struct FunctionalData {
  std::vector<FunctionalOp> ops;  // indexed like the trace's ops
  FunctionalFault fault = FunctionalFault::None;
};

// Packs values as `bits`-bit two's complement fields, least significant bit first.
std::vector<uint8_t> pack_codes(const std::vector<int16_t>& values, int bits);
std::vector<int16_t> unpack_codes(const uint8_t* bytes, size_t count, int bits, bool is_signed);

// The integer datapath's rules (above).
int32_t wrap_accumulator(int64_t value);                        // value modulo 2^32, as two's complement
int32_t add_read_back(int32_t acc, int16_t code, int shift);    // wrap(acc + code x 2^shift)
int16_t requantize(int32_t acc, int shift, int bits);           // round-shift, then saturate
int requant_shift(int64_t k, int wbits, bool w_signed, int abits, int out_bits);

}  // namespace itera::hw
