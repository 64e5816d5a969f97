#pragma once
// Counters the hardware blocks keep. They are cumulative over the run (the SRAMs and
// the DMA also keep each op's own); the array snapshots its counters when it finishes
// an op, and per-op cycle figures are differences of snapshots.
#include <cstdint>

#include "units.h"

namespace itera::hw {

// Where a PE array's cycles went. Every cycle of the run is in exactly one bucket.
struct ArrayCounters {
  int64_t compute = 0;      // preloading, streaming or draining folds at full port bandwidth
  int64_t bank_stall = 0;   // extra cycles because an SRAM's banks x ports could not keep up
  int64_t dram_stall = 0;   // idle, waiting for a tile the DMA is still moving through DRAM
  int64_t dep_stall = 0;    // idle, waiting for an op on the other array (dependency)
  int64_t idle = 0;         // nothing assigned
  int64_t macs = 0;         // useful multiply-accumulates
  int64_t pe_active = 0;    // PE-cycles in which a PE did a MAC (wavefront occupancy)
  int64_t folds = 0;
  int64_t total() const { return compute + bank_stall + dram_stall + dep_stall + idle; }
};

struct SramCounters {
  int64_t read_bytes = 0, write_bytes = 0;
  int64_t reads = 0, writes = 0;  // port accesses (bank words)
};

struct DmaCounters {
  int64_t read_bytes = 0, write_bytes = 0;
  int64_t transfers = 0;
  int64_t busy_cycles = 0;  // cycles the memory spent serving this DMA's transfers (not queued)
  int64_t bursts = 0, row_hits = 0, row_misses = 0, row_conflicts = 0;
};

// One DRAM transfer as the memory served it: [start, end) in accelerator cycles.
struct ServedTransfer {
  int64_t start = 0, end = 0, bytes = 0;
};

// When a run of transfers happened: the first one's start to the last one's end
// (first_start < 0: none).
struct TransferSpan {
  int64_t first_start = -1, last_end = -1;
  void add(int64_t start, int64_t end) {
    if (first_start < 0) first_start = start;
    last_end = end;
  }
  bool empty() const { return first_start < 0; }
  int64_t cycles() const { return empty() ? 0 : last_end - first_start; }
};

}  // namespace itera::hw
