#pragma once
// Functional mode (`itera simulate --functional`) as one observer of the tile
// pipeline (tile_observer.h): it packs every op's weight codes and the layer input X
// into the DRAM image in the tile-major layout the DMA reads, keeps what the SRAMs
// receive from the TLM payloads, and multiplies each computed tile fold by fold in the
// array's dataflow into 32-bit accumulators. Results follow the timing model's path
// (functional_data.h has the integer rules):
//  * an lr_down writes nothing to DRAM: as the array finishes each of its output
//    tiles, the result is requantized into the on-chip rank-r intermediate T, which its
//    lr_up multiplies (the lr_up loads no input from DRAM);
//  * every other op's output tile is requantized into the payload the DMA writes to
//    the op's DRAM region; an op that accumulates onto an earlier op's output first
//    gets that tile's codes from the DMA's read-back (from the shared region) and adds
//    them;
//  * the shared region is laid out tile-major in the tiles of the op that owns it (the
//    dense op), while each op addresses its tiles in its own tiling (op_task.h). When
//    an accumulating op tiles the output the same way, its read-back and write carry
//    exactly its tile's codes and the model uses those transfer bytes. When it does
//    not (the lr_up's plan often picks other tile sizes than its dense op), the timed
//    transfer's address range holds other elements: the model then reads each element
//    of the tile where the owner's layout put it in the DRAM image, writes the sums
//    back there, and hands the DMA the image's own bytes for the timed write (so that
//    it changes nothing); the op is marked `gathered`. Timing is unaffected either way;
//  * after the run, finish() reads every output region from the DRAM image: the final
//    output of each layer, after all accumulations.
#include <cstdint>
#include <map>
#include <vector>

#include "accel_config.h"
#include "functional_data.h"
#include "op_task.h"
#include "tile_observer.h"
#include "units.h"

namespace itera::hw {

class FunctionalModel : public TileObserver {
 public:
  FunctionalModel(FunctionalData& data, const std::vector<ArrayDesc>& arrays, const std::vector<OpTask>& tasks);

  // Builds the DRAM image of `bytes` bytes with every op's weight tiles (codes first;
  // the scale bytes of a weight tile stay 0) and, for each op that loads its input
  // from DRAM, the layer input X in its input region, and returns it, to back the DRAM
  // block. Throws itera::Error above 1 GiB.
  std::vector<uint8_t>& build_dram_image(uint64_t bytes);

  void tile_loaded(const OpTask& task, Buffer buffer, const TileStep& step, const uint8_t* bytes,
                   size_t count) override;
  void tile_computed(const TileJob& job) override;
  void tile_finished(const OpTask& task, const TileStep& step, std::vector<uint8_t>& payload) override;

  // After the run: reads the final contents of every output region (ops that write
  // to DRAM and accumulate onto no other op) from the DRAM image into final_out.
  void finish();

 private:
  // What a buffer holds for tile (a, b) of an op.
  static uint64_t key(int op, Buffer buffer, int64_t a, int64_t b);
  const std::vector<uint8_t>& held(int op, Buffer buffer, int64_t a, int64_t b) const;
  // The X tile of `job` from its lr_down's on-chip intermediate.
  std::vector<int16_t> intermediate_tile(const TileJob& job) const;
  // An lr_down's finished output tile becomes part of its intermediate T.
  void keep_on_chip(const TileJob& job, const std::vector<int32_t>& acc);
  // The op whose region `op`'s output lies in (itself unless it accumulates).
  const OpTask& region_owner(int op) const;
  // The first bit of element (m, n) of `owner`'s output region in the image.
  static uint64_t code_bit(const OpTask& owner, int64_t m, int64_t n, int bits);
  int16_t read_code(uint64_t bit, int bits) const;
  void write_code(uint64_t bit, int bits, int16_t value);

  FunctionalData& data_;
  std::vector<ArrayDesc> arrays_;
  const std::vector<OpTask>& tasks_;
  std::vector<int> input_op_;                              // per op: the op whose output it reads, or -1
  int corrupted_op_ = -1;                                  // FunctionalFault::CorruptIntermediate: the lr_down hit
  std::map<uint64_t, std::vector<uint8_t>> tiles_;         // tiles the SRAMs received (and read-backs)
  std::map<uint64_t, std::vector<int32_t>> accumulators_;  // the output SRAM's accumulators
  std::map<int, std::vector<uint8_t>> produced_;           // per lr_down: which elements of T exist yet
  std::vector<uint8_t> image_;                             // what the DRAM holds
};

}  // namespace itera::hw
