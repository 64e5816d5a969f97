#pragma once
// How far an op has come, shared by the controllers (an op on one array may wait for
// an op on the other), and its own DRAM traffic.
#include <cstdint>
#include <memory>

#include <systemc>

#include "hw_stats.h"

namespace itera::hw {

struct OpProgress {
  bool done = false;
  int64_t start_cycle = -1;
  int64_t done_cycle = -1;
  int64_t jobs_left = 0;        // tile jobs not yet finished by the array
  int64_t writebacks_left = 0;  // output tiles not yet written to DRAM
  std::unique_ptr<sc_core::sc_event> done_event = std::make_unique<sc_core::sc_event>();
  DmaCounters dma;  // this op's own DRAM traffic
  // When its transfers were served: tile loads per buffer (an output read back to
  // accumulate counts as Output), and write-backs.
  PerBuffer<TransferSpan> dram_reads;
  TransferSpan dram_writes;
};

}  // namespace itera::hw
