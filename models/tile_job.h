#pragma once
// A unit of work the DMA controller hands to a PE array: one step of an op's tile
// loop nest (sim/tile_plan.h), whose operands are already in the buffers.
#include <cstdint>

#include "tile_plan.h"
#include "trace.h"

namespace itera::hw {

struct TileJob {
  int op = -1;                     // index of the op in the simulated trace
  const TraceOp* desc = nullptr;
  TileDims dims;                   // this tile's M, K, N
  bool accumulate_psums = false;   // partial sums from an earlier k-tile are in the output buffer
  bool first_of_op = false;
  bool last_of_op = false;
  int pack = 1;
  int64_t mi = 0, ki = 0, ni = 0;  // tile indices in the op's loop nest
  int64_t m0 = 0, k0 = 0, n0 = 0;  // where the tile starts in the op's M, K, N
  bool input_on_chip = false;      // lr_up: the input is the on-chip intermediate
};

}  // namespace itera::hw
