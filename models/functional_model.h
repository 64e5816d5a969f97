#pragma once
// Functional mode (`itera simulate --functional`) as one observer of the tile
// pipeline (tile_observer.h): it packs every op's weight and input codes into the DRAM
// image in the tile-major layout the DMA reads, keeps what the SRAMs receive from the
// TLM payloads, multiplies each computed tile fold by fold in the array's dataflow, and
// records the finished accumulators (FunctionalData::ops[i].y) as they leave the
// output buffer.
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

  // Builds the DRAM image of `bytes` bytes with every op's weight and input tiles (codes
  // first; the scale bytes of a weight tile stay 0) and returns it, to back the DRAM
  // block. Throws itera::Error above 1 GiB.
  std::vector<uint8_t>& build_dram_image(uint64_t bytes);

  void tile_loaded(const OpTask& task, Buffer buffer, const TileStep& step, const uint8_t* bytes,
                   size_t count) override;
  void tile_computed(const TileJob& job) override;
  void tile_finished(const OpTask& task, const TileStep& step, std::vector<uint8_t>& payload) override;

 private:
  // What a buffer holds for tile (a, b) of an op.
  static uint64_t key(int op, Buffer buffer, int64_t a, int64_t b);
  const std::vector<uint8_t>& held(int op, Buffer buffer, int64_t a, int64_t b) const;

  FunctionalData& data_;
  std::vector<ArrayDesc> arrays_;
  const std::vector<OpTask>& tasks_;
  std::map<uint64_t, std::vector<uint8_t>> tiles_;        // operand tiles the SRAMs received
  std::map<uint64_t, std::vector<int64_t>> accumulators_;  // the output SRAM's accumulators
  std::vector<uint8_t> image_;                             // what the DRAM holds
};

}  // namespace itera::hw
