#pragma once
// A DRAM device with its controller, from a preset (sim/dram_presets.h), clocked at
// the DRAM clock (tCK). In the manner of DRAMsim3's controller + bank state:
//
// Address mapping, from the least significant bit:
//   burst offset | channel | column (burst within a row) | bank | row
// so a sequential stream alternates channels burst by burst, fills a row, then moves
// on to the next bank (bank interleaving at row granularity).
//
// Each transfer is split into bursts of bus_bytes x burst_length (a partial first or last
// burst costs a whole burst of bus time; read_bytes / write_bytes count the bytes asked
// for). Bursts wait in a per-channel FIFO and enter the channel's request queue (depth
// queue_depth, 32 by default) in order, as room frees. Each DRAM cycle, each channel
// issues at most one command, FR-FCFS:
//   1. a RD/WR for the oldest queued burst whose row is open and which can issue now
//      (tRCD after its ACT, tCCD = BL/2 after the previous column command, and its data
//      slot on the bus free tCL later); its data occupies the bus for BL/2 cycles;
//   2. else an ACT for the oldest burst whose bank is closed (tRP after the PRE);
//   3. else a PRE for the oldest burst whose bank has another row open, when no queued
//      burst wants that open row (tRAS after the ACT).
// Because requests are considered in age order, the next bank is activated while the
// current one streams.
//
// Row statistics, classified per burst at its column command: the first burst served
// after an ACT is a miss if the bank had been closed (never opened, or closed by a
// refresh) and a conflict if the scheduler precharged another row to open this one;
// every further burst served from that open row is a hit. So misses + conflicts = ACTs.
//
// Refresh: all-bank, per channel, due at ticks tREFI, 2 tREFI, ... (a fixed schedule).
// When due, the channel stops issuing, waits for its in-flight data to leave the bus,
// closes all rows and is blocked for tRFC + tRP.
//
// Simplifications: writes use the read timing (no tWR, tWTR, tCWL, no bus turnaround),
// no tRRD / tFAW activation limits (so queued random accesses overlap across banks more
// than real DDR4 allows), no read-to-precharge delay (tRTP), one rank per channel.
//
// Speed: consecutive bursts of one row are queued as one entry, and run_until_idle only
// visits ticks at which some command can issue, data ends or a refresh starts or ends
// (about 40 ns of host time per streamed burst; a queue full of random accesses costs
// more, about 1.5 us per burst, as each visited tick scans the queue).
#include <cstdint>
#include <deque>
#include <vector>

#include "dram_timing.h"
#include "memory_core.h"

namespace itera::hw {

class DramCore : public MemoryCore {
 public:
  explicit DramCore(const DramTiming& timing, int queue_depth = 32);

  double clock_ns() const override { return timing_.tck_ns; }
  uint64_t now() const override { return now_; }
  double peak_bytes_per_tick() const override;
  void submit(uint64_t addr, uint64_t bytes, bool write) override;
  bool idle() const override { return outstanding_ == 0 && now_ >= last_data_end_; }
  void tick() override;
  void run_until_idle() override;
  void skip_to(uint64_t t) override;
  const MemoryStats& stats() const override { return stats_; }
  std::string describe() const override;

  uint64_t burst_bytes() const { return burst_bytes_; }

 private:
  // Consecutive bursts of one transfer to the same bank and row, kept as one entry (the
  // scheduler treats them exactly as that many single bursts in age order).
  struct Burst {
    uint32_t bank;
    uint64_t row;
    uint64_t count;  // bursts
  };
  enum class Opened : uint8_t { Hit, Miss, Conflict };
  struct Bank {
    int64_t open_row = -1;
    uint64_t ready_col = 0, ready_act = 0, ready_pre = 0;
    bool fresh = false;             // activated, no column command yet
    Opened fresh_kind = Opened::Miss;
    bool precharged_for_conflict = false;
    uint64_t wanted = 0;            // == scan_: a queued burst wants the open row (no PRE)
  };
  struct Channel {
    std::deque<Burst> waiting;  // not yet in the request queue
    std::vector<Burst> queue;   // the scheduler's window, oldest first
    uint64_t queued = 0;        // bursts in the queue (at most depth)
    std::vector<Bank> banks;
    uint64_t bus_free = 0, next_col = 0, next_refresh = 0, refresh_until = 0;
    bool refresh_due = false;
  };

  // Everything one channel does at cycle now_; true if its state changed.
  bool step_channel(Channel& c);
  bool step();  // all channels at now_
  bool issue(Channel& c);
  void column(Channel& c, std::vector<Burst>::iterator it);  // RD/WR for one burst of *it
  void refresh(Channel& c, uint64_t at);
  uint64_t next_event() const;  // earliest cycle > now_ at which something may happen

  DramTiming timing_;
  size_t depth_;
  uint64_t burst_bytes_, cols_per_row_;
  uint64_t half_burst_;  // data cycles per burst (BL / 2)
  std::vector<Channel> channels_;
  uint64_t now_ = 0, last_data_end_ = 0, outstanding_ = 0;
  uint64_t scan_ = 0;  // scheduler passes so far (stamps Bank::wanted)
  MemoryStats stats_;
};

}  // namespace itera::hw
