#pragma once
// The accelerator top: clock, the main PE array with its weight / input / output
// SRAMs and DMA controller, optionally a second (dedicated low-rank) array with its
// own SRAMs and DMA, and the DRAM block they share over TLM-2.0 sockets.
//
// simulate_trace() elaborates the top for one trace and config, runs the kernel and
// returns what every block counted. SystemC allows one elaboration per process, so it
// may be called once per process (`itera sweep` runs worker processes).
//
// Repeats: each op of the trace is simulated once (a transformer block once, not 32
// times); the reports multiply its figures by its repeat count.
#include <cstdint>
#include <string>
#include <vector>

#include "accel_config.h"
#include "clocking.h"
#include "error.h"
#include "functional_data.h"
#include "hw_stats.h"
#include "memory_core.h"
#include "op_task.h"
#include "trace.h"

namespace itera::hw {

struct SimOptions {
  Fidelity fidelity = Fidelity::Fast;
  std::string vcd_path;  // empty: no waveform
  // Testing aid: "drop-dram-response" makes the DRAM block never answer, to exercise the
  // deadlock / lost-request detection.
  std::string fault;
  // Functional mode: operand codes per op (null: timing only). Filled with results.
  FunctionalData* functional = nullptr;
};

// One op's share of the run (figures for a single copy; multiply by repeat).
struct OpResult {
  int index = 0;
  int unit = 0;
  TilePlan plan;
  int64_t start_cycle = 0, done_cycle = 0;
  // The op's share of the timeline: from the previous op's completion (in trace
  // order) to its own; ops hidden under an earlier op (dedicated datapath) get 0.
  int64_t total_cycles = 0;
  // Its array's cycles between the previous op on that array completing and this one.
  ArrayCounters array;
  SramCounters sram[3];
  DmaCounters dma;
  int64_t macs = 0, pe_active = 0, folds = 0;
};

struct SimRun {
  std::vector<OpResult> ops;
  int64_t makespan_cycles = 0;
  double clock_period_ns = 0;
  double dram_peak_bytes_per_cycle = 0;  // 0 with memory.ideal
  MemoryStats dram;
  std::string dram_description;
  int pes_main = 0, pes_lowrank = 0;
  double wall_seconds = 0;
};

// A run stopped by a deadlock or a lost request. Its SystemC threads are left suspended
// mid-call (the kernel cannot unwind them), so callers should report it and end the
// process without running destructors (see `itera simulate`).
struct SimulationAborted : Error {
  using Error::Error;
};

SimRun simulate_trace(const Trace& trace, const AccelConfig& config, const SimOptions& options);

}  // namespace itera::hw
