#pragma once
// One op of the trace as the accelerator runs it: its tile plan, the unit that runs
// it, and where its tensors live in DRAM (laid out by dram_layout.h).
#include <cstdint>

#include "tile_plan.h"
#include "trace.h"
#include "units.h"

namespace itera::hw {

struct OpTask {
  int index = 0;
  const TraceOp* op = nullptr;
  TilePlan plan;
  Unit unit = Unit::Main;
  int accumulate_target = -1;  // the op whose output this op adds into (compensated form)
  uint64_t base_w = 0, base_x = 0, base_y = 0;  // DRAM regions, tiles stored tile-major
  FullTileBytes tile_bytes;                     // a full tile of each region (full_tile_bytes())

  // DRAM address of a tile: its region's base plus its rank in the tile-major order
  // times the size of a full tile (ragged tiles leave a gap).
  uint64_t w_addr(int64_t ki, int64_t ni) const {
    return base_w + at(ni * plan.k_tiles + ki, tile_bytes.w);
  }
  uint64_t x_addr(int64_t mi, int64_t ki) const {
    return base_x + at(mi * plan.k_tiles + ki, tile_bytes.x);
  }
  uint64_t y_addr(int64_t mi, int64_t ni) const {
    return base_y + at(mi * plan.n_tiles + ni, tile_bytes.y);
  }

 private:
  static uint64_t at(int64_t rank, int64_t tile_bytes) { return static_cast<uint64_t>(rank * tile_bytes); }
};

}  // namespace itera::hw
