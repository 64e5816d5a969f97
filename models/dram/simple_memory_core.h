#pragma once
// memory.dram: simple. A link of fixed bandwidth and latency, ticked in nanoseconds.
// Transfers are served in order, back to back: a transfer of B bytes starts when it
// arrives or when the previous one has finished streaming, whichever is later, and
// completes latency_ns + B / bandwidth after its start (bandwidth in GB/s = bytes/ns).
#include <deque>

#include "memory_core.h"

namespace itera::hw {

class SimpleMemoryCore : public MemoryCore {
 public:
  explicit SimpleMemoryCore(const SimpleDram& config);
  double clock_ns() const override { return 1.0; }
  uint64_t now() const override { return now_; }
  double peak_bytes_per_tick() const override { return config_.bandwidth_gbps; }
  void submit(uint64_t addr, uint64_t bytes, bool write) override;
  bool idle() const override { return now_ >= last_done_; }
  void tick() override { ++now_; }
  void run_until_idle() override;
  void skip_to(uint64_t t) override;
  const MemoryStats& stats() const override { return stats_; }
  std::string describe() const override;

 private:
  SimpleDram config_;
  uint64_t now_ = 0;
  double link_free_ = 0;    // when the link has finished streaming the last transfer (ns)
  uint64_t last_done_ = 0;  // completion tick of the last transfer
  MemoryStats stats_;
};

}  // namespace itera::hw
