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
struct OpResult {
  int index = 0;
  Unit unit = Unit::Main;
  TilePlan plan;
  int64_t start_cycle = 0, done_cycle = 0;
  // The op's share of the timeline: from the previous op's completion (in trace
  // order) to its own; ops hidden under an earlier op (dedicated datapath) get 0.
  int64_t total_cycles = 0;
  // Its array's cycles between the previous op on that array completing and this one.
  ArrayCounters array;
  PerBuffer<SramCounters> sram;
  DmaCounters dma;
  int64_t macs = 0, pe_active = 0, folds = 0;
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
