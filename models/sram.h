#pragma once
// An on-chip SRAM buffer (weight, input or output): banks x ports, each port moving
// one bank word (width_bytes) per cycle, optionally split in two halves for double
// buffering. Passive: the PE array asks it for port grants each cycle (cycle
// fidelity) or for the cycles a whole fold's accesses take (fast fidelity); both give
// the same count. DMA fills and drains are counted as accesses but not charged port
// time (the DMA is assumed to use the half the array is not reading).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <systemc>

#include "accel_config.h"
#include "hw_stats.h"

namespace itera::hw {

// Names a tile of an op: which operand ('w', 'x', 'y') and its two tile indices.
inline uint64_t tile_key(int op, char operand, int64_t a, int64_t b) {
  return (static_cast<uint64_t>(op) << 42) | (static_cast<uint64_t>(operand) << 34) |
         (static_cast<uint64_t>(a) << 17) | static_cast<uint64_t>(b);
}

class Sram : public sc_core::sc_module {
 public:
  Sram(const sc_core::sc_module_name& name, const BufferConfig& config);

  const BufferConfig& config() const { return config_; }
  int64_t accesses_per_cycle() const { return int64_t{config_.banks} * config_.ports; }
  // Port accesses (bank words) needed to move `bytes`.
  int64_t accesses_for(int64_t bytes) const { return (bytes + config_.width_bytes - 1) / config_.width_bytes; }
  // Cycles the ports need for `accesses`, at full rate.
  int64_t cycles_for(int64_t accesses) const {
    return (accesses + accesses_per_cycle() - 1) / accesses_per_cycle();
  }
  // One cycle of arbitration: grants up to accesses_per_cycle() of `wanted`.
  int64_t grant(int64_t wanted) const { return wanted < accesses_per_cycle() ? wanted : accesses_per_cycle(); }

  void count_array_read(int64_t bytes);
  void count_array_write(int64_t bytes);
  void count_dma_fill(int64_t bytes);   // DRAM -> buffer
  void count_dma_drain(int64_t bytes);  // buffer -> DRAM

  const SramCounters& counters() const { return counters_; }

  // Functional mode: what the buffer holds, tile by tile (key: tile_key()).
  void store(uint64_t key, const uint8_t* data, size_t bytes) { tiles_[key].assign(data, data + bytes); }
  const std::vector<uint8_t>& load(uint64_t key) const;  // throws itera::Error when the tile never arrived
  std::vector<int64_t>& accumulators(uint64_t key) { return accumulators_[key]; }

 private:
  std::map<uint64_t, std::vector<uint8_t>> tiles_;
  std::map<uint64_t, std::vector<int64_t>> accumulators_;
  BufferConfig config_;
  SramCounters counters_;
};

}  // namespace itera::hw
