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
  // The streaming fast path of DramCore::run_until_idle: when ticking from cycle `now`
  // would issue a RD/WR for the oldest queued burst at now, now + BL/2, now + BL,
  // ... with nothing else happening in the channel in between, issues up to
  // those issued by cycle `last` at once and returns how many (at least 2), leaving the
  // state ticking would have one cycle after the last one's RD/WR; otherwise returns 0
  // and changes nothing. The caller checks that no refresh is due or in progress until
  // `last`. See stream_columns() below for why the result is exact.
  uint64_t stream_columns(uint64_t now, uint64_t last, std::vector<BankState>& banks, MemoryStats& stats);
  // Offers the cycles at which a queued burst's next command may become possible.
  void next_events(EventHorizon& h, const std::vector<BankState>& banks) const {
    if (queue_.empty()) return;
    h.consider(next_col_);
    if (bus_free_ > timing_.tCL) h.consider(bus_free_ - timing_.tCL);
    for (const BurstRun& q : queue_) h.consider(banks[q.bank].ready_for(q.row));
  }

  bool empty() const { return queue_.empty() && waiting_.empty(); }  // no burst to issue
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

// Why stream_columns() equals ticking. Let t0 = now and B = BL/2 >= 1. It applies only
// when
//   (a) the oldest queued entry's bank holds its row with its RD/WR ready (ready_col <=
//       t0), and the column slot is free at t0 (tCCD and the data slot): ticking issues
//       that entry's RD/WR at t0;
//   (b) the queued entries are, oldest first, some whose banks hold their rows, then
//       (d) some whose banks do not: these wait for an ACT (a closed bank) or a PRE
//       (another row open), which cannot issue before the bank's ready_act or ready_pre.
//       The walk ends before the earliest of those cycles, so no ACT or PRE issues during
//       it (issue() activates only closed banks and precharges only banks holding
//       another row than an entry's); the (d) entries take no RD/WR, and a RD/WR goes
//       to the oldest (b) entry whose bank is ready, as issue() scans in age order;
//   (c) every burst admitted until the last RD/WR joins the youngest entry's row (the
//       waiting bursts continue it, for as many as will move), so (b) and (d) keep
//       holding: no admission would open a new entry.
// After a RD/WR at t, the column slot is free again exactly at t + B (next_col = t + B,
// bus_free = t + tCL + B) and never earlier. The banks keep their rows (no PRE, no ACT,
// no refresh: the caller's `last`), so ticking issues RD/WRs at t0, t0 + B, ...:
// the oldest entry's bursts until it is used up, then the next entry's, provided its
// bank's ready_col has passed by its first slot (else the walk stops there and ticking
// takes over). In between, ticking's only effect is the admit() one cycle after each
// RD/WR: one burst into the freed room, joining the youngest entry, while the waiting
// run lasts. The youngest entry never runs dry before its supply does (it loses one
// burst per RD/WR and gains one after each), so it can issue its own count plus the
// supply (when it is a (b) entry). Each entry's first RD/WR gets its bank's row outcome (fresh only after an
// ACT), the rest are hits. The state after the k-th RD/WR, which the lines below set,
// is: k more bursts, the bus busy until t0 + (k - 1) B + tCL + B, the entries used up
// removed, and the admissions of t0 and of the cycles after the first k - 1 RD/WRs
// moved. The tests compare run_until_idle with tick() over random, streaming and
// shallow-queue workloads (tests/test_dram_core.cpp).
inline uint64_t CommandScheduler::stream_columns(uint64_t now, uint64_t last, std::vector<BankState>& banks,
                                                 MemoryStats& stats) {
  const uint64_t b = timing_.burst_cycles;
  if (queue_.empty() || now < next_col_ || bus_free_ > now + timing_.tCL) return 0;  // (a)
  if (b == 0 || last < now + b) return 0;  // room for two RD/WRs at least
  if (!banks[queue_.front().bank].holds(queue_.front().row) || now < banks[queue_.front().bank].ready_col()) return 0;
  // (b) The entries whose banks hold their rows, then (d) those waiting for an ACT or a
  // PRE, and the first cycle at which one of those could issue.
  size_t holding = 0;
  while (holding < queue_.size() && banks[queue_[holding].bank].holds(queue_[holding].row)) ++holding;
  uint64_t horizon = UINT64_MAX;
  for (size_t i = holding; i < queue_.size(); ++i) {
    const BankState& bank = banks[queue_[i].bank];
    if (bank.holds(queue_[i].row)) return 0;  // a holding entry behind one that waits
    horizon = std::min(horizon, bank.is_open() ? bank.ready_pre() : bank.ready_act());
  }
  if (horizon <= now + b) return 0;
  last = std::min(last, horizon - 1);
  // (c) The bursts that may be admitted (all joining the youngest entry), and whether
  // another row's bursts wait behind them.
  uint64_t supply = 0;
  bool more = false;
  if (!waiting_.empty()) {
    const BurstRun& w = waiting_.front();
    if (queue_.back().bank == w.bank && queue_.back().row == w.row) {
      supply = w.count;
      more = waiting_.size() > 1;
    } else {
      more = true;
    }
  }
  const uint64_t a0 = std::min(depth_ - queued_, supply);  // admitted at t0, before its RD/WR
  if (more && depth_ - queued_ > supply) return 0;         // t0 would admit another row's burst
  const uint64_t rest = supply - a0;                       // one after each RD/WR while it lasts
  uint64_t limit = (last - now) / b + 1;  // RD/WRs at now, now + B, ... up to `last`
  if (more) limit = std::min(limit, rest + 1);  // the admission after the next one would open an entry
  if (limit < 2) return 0;

  // The walk: n[i] RD/WRs from entry i, in age order.
  const size_t m = queue_.size() - 1;  // the youngest entry (its admissions join it)
  uint64_t k = 0;
  size_t used = 0;  // entries with RD/WRs
  uint64_t taken_last = 0;
  for (size_t i = 0; i < holding && k < limit; ++i) {
    const BurstRun& e = queue_[i];
    if (now + k * b < banks[e.bank].ready_col()) break;
    const uint64_t avail = i < m ? e.count : e.count + a0 + rest;
    const uint64_t n = std::min(limit - k, avail);
    k += n;
    used = i + 1;
    taken_last = n;
    if (n < avail) break;
  }
  if (k < 2) return 0;

  const uint64_t final_slot = now + (k - 1) * b;
  bus_free_ = final_slot + timing_.tCL + b;
  next_col_ = final_slot + b;
  stats.bursts += k;
  stats.data_bus_busy_cycles += k * b;
  for (size_t i = 0; i < used; ++i) {
    switch (banks[queue_[i].bank].column()) {  // the entry's first RD/WR; the rest are hits
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
  stats.row_hits += k - used;
  // Admissions: a0 at t0 and one after each of the first k - 1 RD/WRs, into the youngest
  // entry; then the RD/WRs from the oldest entries.
  const uint64_t admitted = a0 + std::min(k - 1, rest);
  if (admitted > 0) {
    BurstRun& w = waiting_.front();
    queue_.back().count += admitted;
    queued_ += admitted;
    if ((w.count -= admitted) == 0) waiting_.pop_front();
  }
  queued_ -= k;
  queue_[used - 1].count -= taken_last;
  const size_t gone = used - (queue_[used - 1].count > 0 ? 1 : 0);
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(gone));
  return k;
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
