#pragma once
// One op of the trace as the accelerator runs it: its tile plan, the array (unit)
// that runs it, where its tensors live in DRAM, and its progress, which the
// controllers share (an op on one array may wait for an op on the other).
#include <cstdint>
#include <memory>

#include <systemc>

#include "hw_stats.h"
#include "tile_plan.h"
#include "trace.h"

namespace itera::hw {

struct OpTask {
  int index = 0;
  const TraceOp* op = nullptr;
  TilePlan plan;
  int unit = 0;                 // 0: main array, 1: dedicated low-rank array
  int accumulate_target = -1;   // the op whose output this op adds into (compensated form)
  uint64_t base_w = 0, base_x = 0, base_y = 0;  // DRAM regions, tiles stored tile-major

  // DRAM address of a tile: its region's base plus its rank in the tile-major order
  // times the size of a full tile (ragged tiles leave a gap).
  uint64_t w_addr(int64_t ki, int64_t ni) const {
    return base_w + at(ni * plan.k_tiles + ki, weight_tile_bytes(*op, plan.tile.kt, plan.tile.nt));
  }
  uint64_t x_addr(int64_t mi, int64_t ki) const {
    return base_x + at(mi * plan.k_tiles + ki, act_tile_bytes(op->abits, plan.tile.mt, plan.tile.kt));
  }
  uint64_t y_addr(int64_t mi, int64_t ni) const {
    return base_y + at(mi * plan.n_tiles + ni, act_tile_bytes(op->abits, plan.tile.mt, plan.tile.nt));
  }

 private:
  static uint64_t at(int64_t rank, int64_t tile_bytes) { return static_cast<uint64_t>(rank * tile_bytes); }
};

struct OpProgress {
  bool done = false;
  int64_t start_cycle = -1;
  int64_t done_cycle = -1;
  int64_t jobs_left = 0;        // tile jobs not yet finished by the array
  int64_t writebacks_left = 0;  // output tiles not yet written to DRAM
  std::unique_ptr<sc_core::sc_event> done_event = std::make_unique<sc_core::sc_event>();
  // The op's unit, as of the moment the op completed.
  ArrayCounters array_at_done;
  SramCounters sram_at_done[3];
  DmaCounters dma;              // this op's own DRAM traffic
};

}  // namespace itera::hw
