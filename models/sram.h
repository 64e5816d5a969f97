#pragma once
// An on-chip SRAM buffer (weight, input or output): banks x ports, each port moving
// one bank word (width_bytes) per cycle, optionally split in two halves for double
// buffering (models/arch/sram_ports.h has the numbers). Passive: the PE array asks it
// for port grants each cycle (cycle fidelity) or for the cycles a whole fold's
// accesses take (fast fidelity); both give the same count. DMA fills and drains are
// counted as accesses but not charged port time (the DMA is assumed to use the half
// the array is not reading).
#include <cstdint>
#include <vector>

#include <systemc>

#include "accel_config.h"
#include "hw_stats.h"
#include "sram_ports.h"

namespace itera::hw {

class Sram : public sc_core::sc_module {
 public:
  Sram(const sc_core::sc_module_name& name, const BufferConfig& config);

  const BufferConfig& config() const { return config_; }
  // One cycle of arbitration: grants up to banks x ports of `wanted`.
  int64_t grant(int64_t wanted) const {
    return wanted < accesses_per_cycle(config_) ? wanted : accesses_per_cycle(config_);
  }

  // Traffic of op `op` of the trace (also counted as that op's own), or of none (-1).
  void count_array_read(int64_t bytes, int op = -1);
  void count_array_write(int64_t bytes, int op = -1);
  void count_dma_fill(int64_t bytes, int op = -1);   // DRAM -> buffer
  void count_dma_drain(int64_t bytes, int op = -1);  // buffer -> DRAM

  const SramCounters& counters() const { return counters_; }
  // Op `op`'s own traffic.
  SramCounters op_counters(int op) const;

 private:
  void count(int64_t bytes, int op, bool write);

  BufferConfig config_;
  SramCounters counters_;
  std::vector<SramCounters> per_op_;
};

}  // namespace itera::hw
