#pragma once
// A memory device and its controller, advanced by its own clock (plain C++; the
// SystemC block models/dram.h wraps one). Implementations are chosen by name:
// a DRAM preset (dram_core.h) or "simple" (simple_memory_core.h).
#include <cstdint>
#include <memory>
#include <string>

#include "accel_config.h"

namespace itera::hw {

struct MemoryStats {
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t bursts = 0;          // column commands (RD/WR) issued
  uint64_t reads = 0, writes = 0;  // of those, RDs and WRs
  uint64_t read_latency_cycles = 0;  // sum over RDs: end of its data - arrival of its transfer
  uint64_t row_hits = 0;        // bursts served from a row another burst had already opened
  uint64_t row_misses = 0;      // bursts that needed an ACT to a closed (precharged) bank
  uint64_t row_conflicts = 0;   // bursts that needed PRE + ACT because another row was open
  uint64_t refreshes = 0;       // refresh operations (each channel counted separately)
  uint64_t data_bus_busy_cycles = 0;  // sum over channels of clock cycles the data bus carried data
  double avg_read_latency() const {
    return reads == 0 ? 0.0 : static_cast<double>(read_latency_cycles) / static_cast<double>(reads);
  }
  double row_hit_rate() const { return bursts == 0 ? 0.0 : static_cast<double>(row_hits) / static_cast<double>(bursts); }
};

// Serves byte ranges ("transfers"), each split into bursts. Deterministic.
class MemoryCore {
 public:
  virtual ~MemoryCore() = default;
  virtual double clock_ns() const = 0;  // period of one tick
  virtual uint64_t now() const = 0;     // ticks done so far
  virtual double peak_bytes_per_tick() const = 0;
  // Queues a transfer of `bytes` (>= 1) at byte address `addr`, arriving at now().
  virtual void submit(uint64_t addr, uint64_t bytes, bool write) = 0;
  virtual bool idle() const = 0;  // nothing queued or in flight
  virtual void tick() = 0;        // one clock
  // Advances until idle(), in exactly the state repeated tick() would reach, but
  // skipping cycles in which nothing can happen.
  virtual void run_until_idle() = 0;
  // Advances an idle core to tick t >= now(), as ticking would (refreshes included).
  virtual void skip_to(uint64_t t) = 0;
  virtual const MemoryStats& stats() const = 0;
  virtual std::string describe() const = 0;
};

// "simple" -> SimpleMemoryCore(config.simple); otherwise the named preset -> DramCore.
// Throws itera::Error listing the known names for an unknown name.
std::unique_ptr<MemoryCore> make_memory_core(const DramConfig& config);

}  // namespace itera::hw
