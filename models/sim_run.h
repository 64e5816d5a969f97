#pragma once
// What a simulation run produced, per op and in total: plain data (no SystemC), so
// that reports and sweeps can use it without the kernel. run_stats.h fills it from a
// finished top.
#include <cstdint>
#include <string>
#include <vector>

#include "hw_stats.h"
#include "memory_core.h"
#include "tile_plan.h"
#include "units.h"

namespace itera::hw {

// One op's share of the run (figures for a single copy; multiply by repeat).
//
// The timeline [0, makespan) is partitioned into the ops' windows by the progress of
// one array, the timeline unit: the main array, or the dedicated low-rank array when
// no op runs on the main one. An op of that unit owns the window from the moment the
// array finished computing the unit's previous op (in trace order; 0 for the first)
// to the moment it finishes computing its own last fold; the unit's last op's window
// extends to the makespan (the final write-backs, and any work left on the other
// array). Every compute cycle of such an op lies in its own window. Ops of the other
// array (the dedicated low-rank datapath) run concurrently under those windows and
// own none: an empty window.
struct OpResult {
  int index = 0;
  Unit unit = Unit::Main;
  TilePlan plan;
  int64_t start_cycle = 0, done_cycle = 0;  // its first load began; its last write-back ended
  // Its array began its first tile and finished its last one.
  int64_t compute_start = 0, compute_end = 0;
  // Its window [window_start, window_end); total_cycles is its length.
  int64_t window_start = 0, window_end = 0, total_cycles = 0;
  // Its array's cycles in the window (all zero for an empty window).
  ArrayCounters array;
  // Its array's cycles from the array finishing its previous op to finishing this one:
  // all of this op's compute and bank stalls.
  ArrayCounters own;
  // The DRAM traffic (all initiators) served during the window, each transfer's bytes
  // spread evenly over the cycles it was served.
  double window_dram_bytes = 0;
  PerBuffer<SramCounters> sram;        // its own traffic: the array's and its DMA's
  DmaCounters dma;                     // its own transfers
  PerBuffer<TransferSpan> dram_reads;  // its own tile loads (Output: read back to accumulate)
  TransferSpan dram_writes;            // its own write-backs
  int64_t macs = 0, pe_active = 0, folds = 0;
  int64_t sram_port_cycles = 0;  // what its accesses needed of the SRAM ports alone
};

struct SimRun {
  std::vector<ArrayDesc> arrays;  // the units that ran (unit_arrays())
  std::vector<OpResult> ops;
  int64_t makespan_cycles = 0;
  double clock_period_ns = 0;
  double dram_peak_bytes_per_cycle = 0;  // 0 with memory.ideal
  MemoryStats dram;
  std::string dram_description;
  int64_t pes_main = 0, pes_lowrank = 0;
  double wall_seconds = 0;
};

}  // namespace itera::hw
