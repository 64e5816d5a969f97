#pragma once
// A unit of work the DMA controller hands to a PE array: one step of an op's tile
// loop nest (models/arch/tile_plan.h), whose operands are already in the buffers.
#include <cstdint>

#include "fold_work.h"
#include "tile_plan.h"

namespace itera::hw {

struct TileJob {
  int op = -1;          // index of the op in the simulated trace
  TileStep step;        // indices, sizes, and what the DMA moved for it
  TileShape shape;      // what the fold work needs
  bool first_of_op = false;
  bool last_of_op = false;
};

}  // namespace itera::hw
