#pragma once
// One channel's FR-FCFS command scheduler (as DRAMsim3's command queue and its
// scheduling), with the channel's data bus.
//
// Bursts wait in a FIFO and enter the request queue (depth queue_depth, 32 by default)
// in order, as room frees. Each DRAM cycle the channel issues at most one command:
//   1. a RD/WR for the oldest queued burst whose row is open and which can issue now
//      (tRCD after its ACT, tCCD = BL/2 after the previous column command, and its data
//      slot on the bus free tCL later); its data occupies the bus for BL/2 cycles;
//   2. else an ACT for the oldest burst whose bank is closed (tRP after the PRE);
//   3. else a PRE for the oldest burst whose bank has another row open, when no queued
//      burst wants that open row (tRAS after the ACT).
// Because requests are considered in age order, the next bank is activated while the
// current one streams.
//
// Speed: consecutive bursts of one row are kept as one entry (BurstRun), which the
// scheduler treats exactly as that many single bursts in age order; one pass over the
// queue finds all three candidates. Everything a cycle runs is inline (below the class),
// so that the controller's step compiles to one function: a call per cycle into another
// file costs about 10% of the fast fidelity's run time.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "address_mapping.h"
#include "bank_state.h"
#include "command_timing.h"
#include "event_horizon.h"
#include "memory_core.h"

namespace itera::hw {

enum class Command : uint8_t { None, Activate, Precharge, Column };

class CommandScheduler {
 public:
  CommandScheduler(const CommandTiming& timing, size_t banks, size_t depth);

  // Queues a run behind the waiting bursts; a run continuing the youngest one's row joins it.
  void enqueue(const BurstRun& run) {
    if (!waiting_.empty() && waiting_.back().bank == run.bank && waiting_.back().row == run.row)
      waiting_.back().count += run.count;
    else
      waiting_.push_back(run);
  }
  // Moves waiting bursts into the request queue, in order, up to its depth (a burst
  // continuing the youngest entry's row joins that entry); true if any moved.
  bool admit() {
    bool moved = false;
    while (queued_ < depth_ && !waiting_.empty()) {
      BurstRun& w = waiting_.front();
      const uint64_t take = std::min<uint64_t>(w.count, depth_ - queued_);
      if (!queue_.empty() && queue_.back().bank == w.bank && queue_.back().row == w.row)
        queue_.back().count += take;
      else
        queue_.push_back({w.bank, w.row, take});
      queued_ += take;
      w.count -= take;
      if (w.count == 0) waiting_.pop_front();
      moved = true;
    }
    return moved;
  }
  // Issues at most one command at cycle `now` to the channel's banks; a RD/WR is
  // counted in `stats` (bursts, data bus cycles, row hit / miss / conflict).
  Command issue(uint64_t now, std::vector<BankState>& banks, MemoryStats& stats);
  // Offers the cycles at which a queued burst's next command may become possible.
  void next_events(EventHorizon& h, const std::vector<BankState>& banks) const {
    if (queue_.empty()) return;
    h.consider(next_col_);
    if (bus_free_ > timing_.tCL) h.consider(bus_free_ - timing_.tCL);
    for (const BurstRun& q : queue_) h.consider(banks[q.bank].ready_for(q.row));
  }

  uint64_t bus_free() const { return bus_free_; }  // the data bus carries data until then
  uint64_t queued() const { return queued_; }      // bursts in the request queue
  const std::vector<BurstRun>& queue() const { return queue_; }  // oldest first

 private:
  void column(uint64_t now, std::vector<BurstRun>::iterator it, BankState& bank, MemoryStats& stats);

  CommandTiming timing_;
  uint64_t depth_;
  std::deque<BurstRun> waiting_;  // not yet in the request queue
  std::vector<BurstRun> queue_;   // the scheduler's window, oldest first
  uint64_t queued_ = 0;           // bursts in queue_ (at most depth_)
  uint64_t bus_free_ = 0, next_col_ = 0;
  uint64_t pass_ = 0;             // scheduling passes so far
  std::vector<uint64_t> wanted_;  // per bank: == pass_ when a queued burst wants its open row
};

inline Command CommandScheduler::issue(uint64_t now, std::vector<BankState>& banks, MemoryStats& stats) {
  const bool column_ok = now >= next_col_ && bus_free_ <= now + timing_.tCL;  // tCCD and the data slot
  // One pass in age order: the first burst that can take a column command issues it (1);
  // on the way, note the oldest burst whose closed bank can be activated (2) and mark the
  // banks whose open row some queued burst wants (they must not be precharged, 3).
  const uint64_t pass = ++pass_;
  uint64_t* const wanted = wanted_.data();
  BurstRun* activate = nullptr;
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    BankState& b = banks[it->bank];
    if (b.holds(it->row)) {
      if (column_ok && now >= b.ready_col()) {
        column(now, it, b, stats);
        return Command::Column;
      }
      wanted[it->bank] = pass;
    } else if (!b.is_open() && activate == nullptr && now >= b.ready_act()) {
      activate = &*it;
    }
  }
  // 2. Activate a closed bank for the oldest burst that needs it.
  if (activate != nullptr) {
    banks[activate->bank].activate(activate->row, now, timing_);
    return Command::Activate;
  }
  // 3. Precharge, for the oldest burst that needs another row, a bank whose open row no
  // queued burst wants.
  for (const BurstRun& q : queue_) {
    BankState& b = banks[q.bank];
    if (!b.is_open() || b.holds(q.row) || wanted[q.bank] == pass || now < b.ready_pre()) continue;
    b.precharge(now, timing_);
    return Command::Precharge;
  }
  return Command::None;
}

// RD/WR for the first burst of *it; its data occupies the bus in [end - BL/2, end).
inline void CommandScheduler::column(uint64_t now, std::vector<BurstRun>::iterator it, BankState& bank,
                                     MemoryStats& stats) {
  bus_free_ = now + timing_.tCL + timing_.burst_cycles;  // end
  next_col_ = now + timing_.burst_cycles;
  ++stats.bursts;
  stats.data_bus_busy_cycles += timing_.burst_cycles;
  switch (bank.column()) {
    case RowOutcome::Hit:
      ++stats.row_hits;
      break;
    case RowOutcome::Miss:
      ++stats.row_misses;
      break;
    case RowOutcome::Conflict:
      ++stats.row_conflicts;
      break;
  }
  if (--it->count == 0) queue_.erase(it);
  --queued_;
}

}  // namespace itera::hw
