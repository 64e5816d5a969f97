#pragma once
// One channel's FR-FCFS command scheduler (as DRAMsim3's controller and command queue),
// for one rank.
//
// Transfers wait, in arrival order, until their bursts enter the request queue (depth
// queue_depth), one burst per free place, in address order. Each DRAM cycle the channel
// issues at most one command:
//   1. a RD/WR for the oldest queued burst whose row is open and which may issue now
//      (its bank: tRCD after the ACT; its bank group: column spacing and turnaround,
//      rank_timing.h);
//   2. else an ACT for the oldest burst whose bank is closed (tRP after the PRE; tRRD_S/L
//      and tFAW);
//   3. else a PRE for the oldest burst whose bank has another row open, when no queued
//      burst wants that open row (tRAS after the ACT, tRTP after a RD, write recovery).
// Because bursts are considered in age order, the next banks are activated while the
// current ones stream.
//
// Speed: the request queue is a ring of at most queue_depth bursts, scanned once per
// visited cycle; a stream of column commands to open rows is issued many at a time
// (stream_columns), without scanning. Everything a cycle runs is inline (below the
// class), so that the controller's step compiles to one function.
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
#include "rank_timing.h"

namespace itera::hw {

enum class Command : uint8_t { None, Activate, Precharge, Column };

// One burst in the request queue.
struct QueuedBurst {
  uint64_t row;
  uint64_t arrival;  // cycle its transfer was submitted
  uint32_t bank;
  uint16_t group;
  bool write;
};

class CommandScheduler {
 public:
  CommandScheduler(const CommandTiming& timing, const AddressMapping& mapping, uint32_t channel, size_t banks,
                   size_t depth);

  // Queues the `count` >= 1 bursts of this channel among bursts first..last of a transfer.
  void enqueue(uint64_t first, uint64_t last, bool write, uint64_t arrival, uint64_t count) {
    waiting_.push_back({mapping_.next_in_channel(first, channel_), last, arrival, write});
    waiting_bursts_ += count;
  }
  // Moves waiting bursts into the request queue, in order, up to its depth; true if any moved.
  bool admit() {
    bool moved = false;
    while (size_ < depth_ && !waiting_.empty()) {
      Waiting& w = waiting_.front();
      const DramAddress a = mapping_.decode_burst(w.next);
      push_back({a.row, w.arrival, a.bank, static_cast<uint16_t>(a.group), w.write});
      --waiting_bursts_;
      w.next = mapping_.next_in_channel(w.next + 1, channel_);
      if (w.next > w.last) waiting_.pop_front();
      moved = true;
    }
    return moved;
  }
  // Issues at most one command at cycle `now` to the channel's banks; a RD/WR is
  // counted in `stats`.
  Command issue(uint64_t now, std::vector<BankState>& banks, MemoryStats& stats);
  // The streaming fast path of DramCore::run_until_idle (see below for why it is exact):
  // does the admission ticking does at `now`, then issues the RD/WRs ticking would issue
  // at now, now + S, now + 2S, ... (S = max(B, tCCD_S), the closest two column commands
  // can be) for as long as the oldest queued burst is ready at its slot, no ACT or PRE
  // could issue in between, and the slot is <= `last`. Returns how many (0: none, and
  // nothing but the admission changed) and the last one's cycle in `last_slot`; the
  // state is then the one ticking would have one cycle after that RD/WR. The caller
  // checks that no refresh is due or in progress until `last`.
  uint64_t stream_columns(uint64_t now, uint64_t last, std::vector<BankState>& banks, MemoryStats& stats,
                          uint64_t& last_slot);
  // Offers the cycles at which a queued burst's next command may become possible.
  void next_events(EventHorizon& h, const std::vector<BankState>& banks) const {
    for (size_t i = 0; i < size_; ++i) {
      const QueuedBurst& q = at(i);
      const BankState& b = banks[q.bank];
      if (b.holds(q.row))
        h.consider(std::max(b.ready_col(), rank_.column_ready(q.write, q.group)));
      else if (!b.is_open())
        h.consider(std::max(b.ready_act(), rank_.activate_ready(q.group)));
      else
        h.consider(b.ready_pre());
    }
  }

  bool empty() const { return size_ == 0 && waiting_.empty(); }  // no burst to issue
  uint64_t bus_free() const { return bus_free_; }  // the data bus carries data until then
  uint64_t queued() const { return size_; }        // bursts in the request queue
  uint64_t pending() const { return size_ + waiting_bursts_; }  // queued or waiting
  const QueuedBurst& queued_burst(size_t i) const { return at(i); }  // 0: the oldest

 private:
  struct Waiting {
    uint64_t next, last;  // the next burst index of this channel to admit; the transfer's last
    uint64_t arrival;
    bool write;
  };

  const QueuedBurst& at(size_t i) const { return ring_[(head_ + i) & mask_]; }
  QueuedBurst& at(size_t i) { return ring_[(head_ + i) & mask_]; }
  void push_back(const QueuedBurst& q) {
    ring_[(head_ + size_) & mask_] = q;
    ++size_;
  }
  void erase(size_t i) {
    for (size_t j = i; j + 1 < size_; ++j) at(j) = at(j + 1);
    --size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  // RD/WR at `now` for the queued burst q (bookkeeping only; the caller removes it).
  void column(uint64_t now, const QueuedBurst& q, BankState& bank, MemoryStats& stats);

  CommandTiming timing_;
  AddressMapping mapping_;
  uint32_t channel_;
  RankTiming rank_;
  size_t depth_;
  std::vector<QueuedBurst> ring_;  // the request queue, oldest first from head_
  size_t mask_, head_ = 0, size_ = 0;
  std::deque<Waiting> waiting_;  // not yet in the request queue
  uint64_t waiting_bursts_ = 0;
  uint64_t bus_free_ = 0;
  uint64_t pass_ = 0;             // scheduling passes so far
  std::vector<uint64_t> wanted_;  // per bank: == pass_ when a queued burst wants its open row
};

inline void CommandScheduler::column(uint64_t now, const QueuedBurst& q, BankState& bank, MemoryStats& stats) {
  const uint64_t end = now + (q.write ? timing_.tCWL : timing_.tCL) + timing_.burst_cycles;
  bus_free_ = std::max(bus_free_, end);
  rank_.column(now, q.write, q.group);
  ++stats.bursts;
  if (q.write) {
    ++stats.writes;
  } else {
    ++stats.reads;
    stats.read_latency_cycles += end - q.arrival;
  }
  stats.data_bus_busy_cycles += timing_.burst_cycles;
  switch (bank.column(now, q.write, timing_)) {
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
}

inline Command CommandScheduler::issue(uint64_t now, std::vector<BankState>& banks, MemoryStats& stats) {
  // One pass in age order: the first burst that can take a column command issues it (1);
  // on the way, note the oldest burst whose closed bank can be activated (2) and mark the
  // banks whose open row some queued burst wants (they must not be precharged, 3).
  const uint64_t pass = ++pass_;
  uint64_t* const wanted = wanted_.data();
  size_t activate = size_;
  for (size_t i = 0; i < size_; ++i) {
    const QueuedBurst& q = at(i);
    BankState& b = banks[q.bank];
    if (b.holds(q.row)) {
      if (now >= b.ready_col() && now >= rank_.column_ready(q.write, q.group)) {
        column(now, q, b, stats);
        erase(i);
        return Command::Column;
      }
      wanted[q.bank] = pass;
    } else if (!b.is_open() && activate == size_ && now >= b.ready_act() && now >= rank_.activate_ready(q.group)) {
      activate = i;
    }
  }
  if (activate < size_) {
    const QueuedBurst& q = at(activate);
    banks[q.bank].activate(q.row, now, timing_);
    rank_.activate(now, q.group);
    return Command::Activate;
  }
  for (size_t i = 0; i < size_; ++i) {
    const QueuedBurst& q = at(i);
    BankState& b = banks[q.bank];
    if (!b.is_open() || b.holds(q.row) || wanted[q.bank] == pass || now < b.ready_pre()) continue;
    b.precharge(now, timing_);
    return Command::Precharge;
  }
  return Command::None;
}

// Why stream_columns() equals ticking. The step ticking does at a cycle admits waiting
// bursts while the queue has room, then issue() scans the queue oldest first and issues
// the first RD/WR that may issue, else an ACT, else a PRE.
//   - At `now`, the walk admits as ticking does; if the oldest burst's RD/WR may issue,
//     ticking issues it (the scan stops at the first ready burst).
//   - After a RD/WR at t, no column command may issue before t + S: every column spacing
//     and turnaround of rank_timing.h is at least S = max(B, tCCD_S). At t + 1 ticking
//     admits into the room the RD/WR freed; the walk does the same. An ACT or PRE can
//     issue only for a queued burst whose bank does not hold its row, and not before the
//     bank's ready_act / ready_pre (the rank's tRRD and tFAW only delay ACTs further), so
//     if the earliest of those (`horizon`) is >= t + S, nothing issues in t+1 .. t+S-1.
//     Banks that hold rows keep them: no PRE, no ACT, no refresh (the caller's `last`).
//   - At t + S, if the oldest queued burst's RD/WR may issue, ticking issues it.
// Otherwise the walk stops and ticking takes over, one cycle after the last RD/WR, with
// at most an admission done early: admission depends only on the room and the waiting
// bursts, which nothing changes before the next command, so doing it then is the same.
// The tests compare run_until_idle with tick() over random, streaming, mixed and
// shallow-queue workloads (tests/test_dram_core.cpp).
inline uint64_t CommandScheduler::stream_columns(uint64_t now, uint64_t last, std::vector<BankState>& banks,
                                                 MemoryStats& stats, uint64_t& last_slot) {
  admit();
  if (size_ == 0) return 0;
  {
    const QueuedBurst& q = at(0);  // cheap test first: most calls from ticking fail here
    const BankState& b = banks[q.bank];
    if (!b.holds(q.row) || now < b.ready_col() || now < rank_.column_ready(q.write, q.group)) return 0;
  }
  uint64_t horizon = UINT64_MAX;  // the earliest cycle an ACT or PRE could issue
  for (size_t i = 0; i < size_; ++i) {
    const QueuedBurst& q = at(i);
    const BankState& b = banks[q.bank];
    if (!b.holds(q.row)) horizon = std::min(horizon, b.is_open() ? b.ready_pre() : b.ready_act());
  }
  const uint64_t spacing = timing_.col_to_col_s;
  uint64_t k = 0, slot = now;
  while (size_ > 0 && slot <= last) {
    if (k > 0) {
      // The admission one cycle after the previous RD/WR.
      const size_t before = size_;
      admit();
      for (size_t i = before; i < size_; ++i) {
        const QueuedBurst& q = at(i);
        const BankState& b = banks[q.bank];
        if (!b.holds(q.row)) horizon = std::min(horizon, b.is_open() ? b.ready_pre() : b.ready_act());
      }
      if (horizon < slot) break;
    }
    const QueuedBurst& q = at(0);
    BankState& b = banks[q.bank];
    if (!b.holds(q.row) || slot < b.ready_col() || slot < rank_.column_ready(q.write, q.group)) break;
    column(slot, q, b, stats);
    pop_front();
    ++k;
    last_slot = slot;
    slot += spacing;
  }
  return k;
}

}  // namespace itera::hw
