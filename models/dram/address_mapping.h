#pragma once
// Where a byte address lives in the DRAM (as DRAMsim3's address mapping). From the
// least significant bit:
//   burst offset | channel | column (burst within a row) | bank | row
// so a sequential stream alternates channels burst by burst, fills a row, then moves
// on to the next bank (bank interleaving at row granularity).
//
// A transfer is split into bursts of bus_bytes x burst_length (a partial first or last
// burst costs a whole burst of bus time). Each channel receives the transfer's bursts
// in address order, as runs: consecutive bursts in one row of one bank (BurstRun).
#include <algorithm>
#include <cstdint>

#include "dram_timing.h"

namespace itera::hw {

struct DramAddress {
  uint32_t channel = 0, bank = 0;
  uint64_t row = 0, column = 0;  // column: burst within the row
};

// `count` consecutive bursts of one channel in one row of one bank.
struct BurstRun {
  uint32_t bank;
  uint64_t row;
  uint64_t count;
};

class AddressMapping {
 public:
  // A preset with a zero-byte burst leaves burst_bytes() or columns() 0: DramCore rejects it.
  explicit AddressMapping(const DramTiming& t);

  uint64_t burst_bytes() const { return burst_bytes_; }
  uint64_t columns() const { return columns_; }  // bursts per row
  uint64_t channels() const { return channels_; }

  DramAddress decode(uint64_t addr) const;
  // Bursts a transfer of `bytes` >= 1 at `addr` touches.
  uint64_t bursts(uint64_t addr, uint64_t bytes) const;
  // Calls sink(channel, BurstRun) for each run of the transfer: channel by channel, and
  // within a channel in address order. Two successive runs of a channel are never in the
  // same row of the same bank.
  template <class Sink>
  void for_each_run(uint64_t addr, uint64_t bytes, Sink&& sink) const;

 private:
  uint64_t channels_, banks_, burst_bytes_, columns_;
};

template <class Sink>
void AddressMapping::for_each_run(uint64_t addr, uint64_t bytes, Sink&& sink) const {
  const uint64_t first = addr / burst_bytes_, last = (addr + bytes - 1) / burst_bytes_;
  // Burst b lives in channel b % C at channel-local index i = b / C; i / columns is
  // its (row, bank) slot.
  for (uint64_t ch = 0; ch < channels_; ++ch) {
    const uint64_t b0 = first + (ch + channels_ - first % channels_) % channels_;  // first burst in ch
    if (b0 > last) continue;
    const uint64_t i0 = b0 / channels_, i1 = (last - ch) / channels_;  // channel-local range
    for (uint64_t i = i0; i <= i1;) {
      const uint64_t slot = i / columns_;
      const uint64_t end = std::min(i1, (slot + 1) * columns_ - 1);
      sink(ch, BurstRun{static_cast<uint32_t>(slot % banks_), slot / banks_, end - i + 1});
      i = end + 1;
    }
  }
}

}  // namespace itera::hw
