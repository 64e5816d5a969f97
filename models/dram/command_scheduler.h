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
#include <array>
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

// Counts a RD/WR's row-buffer outcome.
inline void count_outcome(RowOutcome o, MemoryStats& stats) {
  switch (o) {
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

// One burst in the request queue.
struct QueuedBurst {
  uint64_t row;
  uint64_t arrival;  // cycle its transfer was submitted
  uint32_t bank;
  uint16_t group;
  bool write;
};

// The banks a streaming walk (CommandScheduler::stream_columns) waits on, kept as the
// walk admits and issues bursts, so that the ACTs and PREs between its RD/WRs are
// decided without scanning the queue: per bank, how many queued bursts find their row
// open (its open row is wanted while any do), and, for each bank some queued burst
// waits on (oldest first), the row that burst wants and how many queued bursts want it.
// Exact while no bank has queued bursts for two rows it does not hold; then exact()
// turns false and the walk scans instead.
class WaitingBanks {
 public:
  explicit WaitingBanks(size_t banks = 0) : holding_(banks), row_(banks), count_(banks), mark_(banks), live_(banks) {}
  void start(uint64_t walk) {
    walk_ = walk;
    exact_ = true;
    live_count_ = 0;
    order_.clear();
    std::fill(holding_.begin(), holding_.end(), 0);
  }
  bool exact() const { return exact_; }
  bool none_waiting() const { return live_count_ == 0; }
  // A burst entered the queue (or was there when the walk started).
  void admitted(const QueuedBurst& q, bool holds) {
    if (holds) {
      ++holding_[q.bank];
      return;
    }
    if (mark_[q.bank] == walk_) {
      if (live_[q.bank] && row_[q.bank] == q.row)
        ++count_[q.bank];
      else
        exact_ = false;
      return;
    }
    mark_[q.bank] = walk_;
    live_[q.bank] = 1;
    ++live_count_;
    row_[q.bank] = q.row;
    count_[q.bank] = 1;
    order_.push_back(q.bank);
  }
  void issued(uint32_t bank) { --holding_[bank]; }  // a RD/WR of a burst that held its row
  // For jump(): the queue's bursts all hold their rows, counted one by one.
  void clear_holding() { std::fill(holding_.begin(), holding_.end(), 0); }
  void holds_one_more(uint32_t bank) { ++holding_[bank]; }
  void none_left() {
    order_.clear();
    live_count_ = 0;
  }
  // After jump(): every queued burst holds its row.
  template <class Scheduler>
  void recount(const Scheduler& s, const std::vector<BankState>& banks) {
    std::fill(holding_.begin(), holding_.end(), 0);
    for (size_t i = 0; i < s.queued(); ++i) {
      const QueuedBurst& q = s.queued_burst(i);
      if (banks[q.bank].holds(q.row)) ++holding_[q.bank]; else exact_ = false;
    }
    order_.clear();
    live_count_ = 0;
  }
  // As CommandScheduler::resolve_gap, from this bookkeeping.
  uint64_t resolve(uint64_t from, uint64_t slot, std::vector<BankState>& banks, RankTiming& rank,
                   const CommandTiming& timing) {
    uint64_t c = from;
    for (;;) {
      uint64_t t = UINT64_MAX;
      for (const uint32_t x : order_) {
        if (!live_[x]) continue;
        const BankState& b = banks[x];
        if (!b.is_open())
          t = std::min(t, std::max({b.ready_act(), rank.activate_ready(group(x, banks.size())), c}));
        else if (holding_[x] == 0)
          t = std::min(t, std::max(b.ready_pre(), c));
      }
      if (t >= slot) return t;
      bool done = false;
      for (const uint32_t x : order_) {
        BankState& b = banks[x];
        if (!live_[x] || b.is_open() || t < b.ready_act() || t < rank.activate_ready(group(x, banks.size())))
          continue;
        b.activate(row_[x], t, timing);
        rank.activate(t, group(x, banks.size()));
        holding_[x] = count_[x];
        live_[x] = 0;
        --live_count_;
        done = true;
        break;
      }
      for (size_t k = 0; !done && k < order_.size(); ++k) {
        const uint32_t x = order_[k];
        BankState& b = banks[x];
        if (!live_[x] || !b.is_open() || holding_[x] != 0 || t < b.ready_pre()) continue;
        b.precharge(t, timing);
        done = true;
      }
      c = t + 1;
    }
  }
  void set_banks_per_group(uint32_t n) { per_group_ = n; }

 private:
  uint32_t group(uint32_t bank, size_t) const { return bank / per_group_; }

  uint64_t walk_ = 0;
  bool exact_ = true;
  uint32_t per_group_ = 1;
  uint32_t live_count_ = 0;  // banks waited on
  std::vector<uint32_t> holding_;  // per bank: queued bursts that find their row open
  std::vector<uint64_t> row_;      // per waited-on bank: the row its oldest waiting burst wants
  std::vector<uint32_t> count_;    // ... and how many queued bursts want that row
  std::vector<uint64_t> mark_;     // == walk_: the bank was waited on in this walk
  std::vector<uint8_t> live_;      // ... and still is (not yet activated for that row)
  std::vector<uint32_t> order_;    // the waited-on banks, oldest waiting burst first
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
  bool admit() { return admit_up_to(depth_); }
  bool admit_up_to(size_t limit) {
    bool moved = false;
    while (size_ < limit && !waiting_.empty()) {
      Waiting& w = waiting_.front();
      if (groups_cycle_ && limit - size_ > 1) {
        // The mapping cycles the bank groups within a block (one row of one bank per
        // group): decode the block's first burst only, as many at once as fit.
        const uint64_t end = std::min(w.last, mapping_.block_end(w.next) - 1);
        const uint64_t n = std::min<uint64_t>(mapping_.count_in_channel(w.next, end, channel_), limit - size_);
        const DramAddress a = mapping_.decode_burst(w.next);
        const uint32_t in_group = a.bank - a.group * per_group_;
        uint32_t g = a.group;
        for (uint64_t k = 0; k < n; ++k) {
          push_back({a.row, w.arrival, g * per_group_ + in_group, static_cast<uint16_t>(g), w.write});
          g = g + 1 == groups_ ? 0 : g + 1;
        }
        contiguous_ += n;
        waiting_bursts_ -= n;
        moved = true;
        if (mapping_.count_in_channel(w.next, w.last, channel_) == n) {
          waiting_.pop_front();
          contiguous_ = 0;  // the queued bursts do not precede the next transfer's
        } else {
          w.next = mapping_.advance_in_channel(w.next, n, channel_);
        }
        continue;
      }
      const DramAddress a = mapping_.decode_burst(w.next);
      push_back({a.row, w.arrival, a.bank, static_cast<uint16_t>(a.group), w.write});
      ++contiguous_;
      --waiting_bursts_;
      w.next = mapping_.next_in_channel(w.next + 1, channel_);
      if (w.next > w.last) {
        waiting_.pop_front();
        contiguous_ = 0;  // the queued bursts do not precede the next transfer's
      }
      moved = true;
    }
    if (moved) idle_pass_at_ = UINT64_MAX;
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
                          uint64_t& resume);
  // Offers the cycles at which a queued burst's next command may become possible. When
  // issue() found nothing to issue at h's cycle, its pass offered them already.
  void next_events(EventHorizon& h, const std::vector<BankState>& banks, uint64_t now) const {
    if (idle_pass_at_ == now) {
      h.consider(idle_pass_next_);
      return;
    }
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
  // The same model state: rank constraints, data bus, request queue and waiting
  // transfers (not the bookkeeping of the fast paths). For tests.
  bool same_state(const CommandScheduler& o) const {
    if (!(rank_ == o.rank_) || bus_free_ != o.bus_free_ || size_ != o.size_ || waiting_bursts_ != o.waiting_bursts_ ||
        waiting_.size() != o.waiting_.size())
      return false;
    for (size_t i = 0; i < size_; ++i) {
      const QueuedBurst &a = at(i), &b = o.at(i);
      if (a.row != b.row || a.arrival != b.arrival || a.bank != b.bank || a.group != b.group || a.write != b.write)
        return false;
    }
    for (size_t i = 0; i < waiting_.size(); ++i) {
      const Waiting &a = waiting_[i], &b = o.waiting_[i];
      if (a.next != b.next || a.last != b.last || a.arrival != b.arrival || a.write != b.write) return false;
    }
    return true;
  }

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
    if (i >= size_ + 1 - contiguous_) contiguous_ = size_ - i;  // only those after i still precede
  }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
    contiguous_ = std::min<uint64_t>(contiguous_, size_);
  }
  // RD/WR at `now` for the queued burst q (bookkeeping only; the caller removes it).
  void column(uint64_t now, const QueuedBurst& q, BankState& bank, MemoryStats& stats);
  // Part of stream_columns: at `slot`, with the queue full, issues in one step a whole
  // number of rounds through the bank groups when ticking provably issues them one every
  // S cycles (see below); returns how many (0: none, nothing changed).
  uint64_t jump(uint64_t slot, uint64_t last, std::vector<BankState>& banks, MemoryStats& stats);
  // Part of stream_columns when the oldest burst cannot take its RD/WR at `now`: issues
  // the ACTs and PREs ticking issues from `now` on until the first cycle at which some
  // RD/WR may issue (or `last` + 1), and returns that cycle (`now`: nothing done).
  uint64_t advance_to_column(uint64_t now, uint64_t last, std::vector<BankState>& banks);
  // Part of stream_columns: the ACTs and PREs of the cycles between two RD/WRs.
  uint64_t resolve_gap(uint64_t from, uint64_t slot, std::vector<BankState>& banks);
  uint64_t issue_until_column(uint64_t from, uint64_t limit, bool until_column, std::vector<BankState>& banks);
  static constexpr uint32_t kGone = UINT32_MAX;  // a candidate whose bank was activated

  CommandTiming timing_;
  AddressMapping mapping_;
  uint32_t channel_;
  RankTiming rank_;
  size_t depth_;
  std::vector<QueuedBurst> ring_;  // the request queue, oldest first from head_
  size_t mask_, head_ = 0, size_ = 0;
  std::deque<Waiting> waiting_;  // not yet in the request queue
  uint64_t waiting_bursts_ = 0;
  // The youngest `contiguous_` queued bursts are the front waiting transfer's, the ones
  // just before its next (in the channel's address order).
  uint64_t contiguous_ = 0;
  uint64_t bus_free_ = 0;
  uint32_t groups_;      // bank groups
  uint32_t per_group_;   // banks per bank group
  bool groups_cycle_;    // AddressMapping::groups_cycle_in_blocks
  bool jump_ok_;         // the mapping and timing allow jump()
  uint64_t pass_ = 0;             // scheduling passes so far
  std::vector<uint64_t> wanted_;  // per bank: == pass_ when a queued burst wants its open row
  static constexpr uint64_t kSeveralRows = UINT64_MAX;
  static constexpr uint64_t kJumpRetry = 4;  // RD/WRs of a walk between two jump() tries that failed
  uint64_t jump_wait_ = 0;
  uint64_t walk_ = 0;              // stream_columns calls so far
  std::vector<uint64_t> noted_;    // per bank: == walk_ when a burst waiting for it was noted
  std::vector<uint64_t> noted_row_;
  std::vector<uint64_t> noted_seen_;     // resolve_gap: per bank, == pass_ once a candidate was taken
  WaitingBanks waiting_banks_;
  std::vector<uint32_t> candidates_;     // resolve_gap: queue positions
  std::vector<uint32_t> precharges_;     // issue(): queued bursts whose bank has another row open
  // issue() at cycle idle_pass_at_ issued nothing: idle_pass_next_ is what next_events
  // would offer (the earliest readiness after that cycle). Any other call resets it.
  uint64_t idle_pass_at_ = UINT64_MAX, idle_pass_next_ = UINT64_MAX;
  // jump(): Seq's blocks (from Seq position pos, count bursts, in one row of bank
  // in_group of each group), the banks waiting for an ACT, and their ACTs and PREs.
  struct Segment {
    uint64_t pos, count, row;
    uint64_t block_pos;  // where the run of its block in Seq starts (an earlier segment's, or pos)
    uint32_t in_group;
  };
  struct PendingBank {
    uint64_t pos;       // Seq position of its first burst
    uint64_t admitted;  // the cycle that burst enters the queue
    uint64_t row, ready_act, ready_pre, act_cycle;
    uint32_t bank, group;
    bool open;  // another row
    bool activated;
  };
  struct BankEvent {
    uint64_t cycle;
    uint32_t pending;
    bool activate;  // else a PRE
  };
  // Fixed capacity, as the bank bits bound them: each bank waits once, a block's banks
  // are its own (at most one segment more per block, where the queue and transfer meet).
  static constexpr size_t kMaxJumpBanks = 64;
  template <class T, size_t N>
  struct SmallList {
    std::array<T, N> items;
    size_t count = 0;
    void clear() { count = 0; }
    bool empty() const { return count == 0; }
    bool full() const { return count == N; }
    size_t size() const { return count; }
    T& back() { return items[count - 1]; }
    T& operator[](size_t i) { return items[i]; }
    const T& operator[](size_t i) const { return items[i]; }
    T* begin() { return items.data(); }
    T* end() { return items.data() + count; }
    T& push() { return items[count++]; }
  };
  SmallList<Segment, 2 * kMaxJumpBanks + 2> segments_;
  SmallList<PendingBank, kMaxJumpBanks> pending_;
  SmallList<BankEvent, 2 * kMaxJumpBanks> events_;
  bool walk_ends_ = false;  // jump() left queued bursts that wait for an ACT or PRE
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
  count_outcome(bank.column(now, q.write, timing_), stats);
}

inline Command CommandScheduler::issue(uint64_t now, std::vector<BankState>& banks, MemoryStats& stats) {
  // One pass in age order: the first burst that can take a column command issues it (1);
  // on the way, note the oldest burst whose closed bank can be activated (2), the banks
  // whose open row some queued burst wants (they must not be precharged, 3), the bursts
  // that would need a PRE, and the earliest cycle after now at which any burst's next
  // command may become possible (for next_events, if nothing issues).
  const uint64_t pass = ++pass_;
  uint64_t* const wanted = wanted_.data();
  idle_pass_at_ = UINT64_MAX;
  precharges_.clear();
  size_t activate = size_;
  uint64_t next = UINT64_MAX;
  const auto offer = [&](uint64_t t) {
    if (t > now && t < next) next = t;
  };
  for (size_t i = 0; i < size_; ++i) {
    const QueuedBurst& q = at(i);
    BankState& b = banks[q.bank];
    if (b.holds(q.row)) {
      const uint64_t ready = std::max(b.ready_col(), rank_.column_ready(q.write, q.group));
      if (now >= ready) {
        column(now, q, b, stats);
        erase(i);
        return Command::Column;
      }
      wanted[q.bank] = pass;
      offer(ready);
    } else if (!b.is_open()) {
      const uint64_t ready = std::max(b.ready_act(), rank_.activate_ready(q.group));
      if (activate == size_ && now >= ready) activate = i;
      offer(ready);
    } else {
      precharges_.push_back(static_cast<uint32_t>(i));
      offer(b.ready_pre());
    }
  }
  if (activate < size_) {
    const QueuedBurst& q = at(activate);
    banks[q.bank].activate(q.row, now, timing_);
    rank_.activate(now, q.group);
    return Command::Activate;
  }
  for (const uint32_t i : precharges_) {
    const QueuedBurst& q = at(i);
    BankState& b = banks[q.bank];
    if (wanted[q.bank] == pass || now < b.ready_pre()) continue;
    b.precharge(now, timing_);
    return Command::Precharge;
  }
  idle_pass_at_ = now;
  idle_pass_next_ = next;
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
                                                 MemoryStats& stats, uint64_t& resume) {
  idle_pass_at_ = UINT64_MAX;
  admit();
  resume = now;
  if (size_ == 0) return 0;
  {
    const QueuedBurst& q = at(0);
    const BankState& b = banks[q.bank];
    if (!b.holds(q.row) || now < b.ready_col() || now < rank_.column_ready(q.write, q.group)) {
      resume = advance_to_column(now, last, banks);
      return 0;
    }
  }
  // horizon: no ACT or PRE can issue before it. Bursts waiting for an ACT or a PRE lower
  // it to their bank's readiness (a lower bound: the rank's tRRD and tFAW only delay an
  // ACT); noted per bank, so that more bursts for the same row leave it alone.
  const uint64_t walk = ++walk_;
  uint64_t horizon = UINT64_MAX;
  // Besides, the walk keeps what resolve_gap needs without scanning the queue (see
  // WaitingBanks); bursts of one bank for two rows make it fall back to scanning.
  waiting_banks_.start(walk);
  const auto note = [&](const QueuedBurst& q) {
    const BankState& b = banks[q.bank];
    waiting_banks_.admitted(q, b.holds(q.row));
    if (b.holds(q.row) || (noted_[q.bank] == walk && noted_row_[q.bank] == q.row)) return;
    if (noted_[q.bank] != walk) {
      noted_[q.bank] = walk;
      noted_row_[q.bank] = q.row;
    } else {
      noted_row_[q.bank] = kSeveralRows;  // bursts for two rows of the bank wait
    }
    horizon = std::min(horizon, b.is_open() ? b.ready_pre() : b.ready_act());
  };
  for (size_t i = 0; i < size_; ++i) note(at(i));
  const uint64_t spacing = timing_.col_to_col_s;
  uint64_t k = 0, slot = now, prev = 0;
  resume = now;
  while (size_ > 0 && slot <= last) {
    if (k > 0) {
      // The admission one cycle after the previous RD/WR.
      const size_t before = size_;
      admit();
      for (size_t i = before; i < size_; ++i) note(at(i));
      // The ACTs and PREs ticking issues before the slot; then the exact next one.
      if (horizon < slot)
        horizon = waiting_banks_.exact() ? waiting_banks_.resolve(prev + 1, slot, banks, rank_, timing_)
                                         : resolve_gap(prev + 1, slot, banks);
      resume = slot;  // nothing else happens before the slot
    }
    // jump() needs every queued burst to find its row open, unless the queue is one
    // transfer's run: with the waited-on banks known (exact), try it only while none
    // is; after a failed try, wait a few RD/WRs.
    if (jump_ok_ && (!waiting_banks_.exact() || waiting_banks_.none_waiting() || contiguous_ == size_) &&
        jump_wait_-- == 0) {
      const uint64_t n = jump(slot, last, banks, stats);
      jump_wait_ = n > 0 ? 0 : kJumpRetry;
      if (n > 0) {
        k += n;
        prev = slot + (n - 1) * spacing;
        slot = prev + spacing;
        resume = prev + 1;
        // Queued bursts that wait for an ACT or a PRE: a new walk notes them.
        if (walk_ends_) return k;
        waiting_banks_.none_left();  // jump() counted the queued bursts, all holding their rows
        continue;
      }
    }
    const QueuedBurst& q = at(0);
    BankState& b = banks[q.bank];
    if (!b.holds(q.row) || slot < b.ready_col() || slot < rank_.column_ready(q.write, q.group)) break;
    const uint32_t bank = q.bank;
    column(slot, q, b, stats);
    pop_front();
    waiting_banks_.issued(bank);
    // Its bank's open row may now be wanted by no one: a PRE for a burst waiting for
    // another row of the bank may become possible.
    if (noted_[bank] == walk && !b.holds(noted_row_[bank])) horizon = std::min(horizon, b.ready_pre());
    ++k;
    prev = slot;
    slot += spacing;
    resume = prev + 1;
  }
  return k;
}

// The ACTs and PREs ticking issues in cycles from .. slot - 1 of a walk, when no RD/WR
// can issue before the slot: at each cycle, an ACT for the oldest burst whose closed bank
// may be activated, else a PRE for the oldest burst whose bank holds a row no queued
// burst wants (as issue()). Returns the first cycle >= slot at which one could issue.
inline uint64_t CommandScheduler::resolve_gap(uint64_t from, uint64_t slot, std::vector<BankState>& banks) {
  return issue_until_column(from, slot, false, banks);
}

inline uint64_t CommandScheduler::advance_to_column(uint64_t now, uint64_t last, std::vector<BankState>& banks) {
  return issue_until_column(now, last + 1, true, banks);
}

// From cycle `from`, the ACTs and PREs ticking issues while no RD/WR can: at each cycle,
// an ACT for the oldest burst whose closed bank may be activated, else a PRE for the
// oldest burst whose bank holds a row no queued burst wants (as issue()). With
// `until_column`, no RD/WR may issue before the first cycle one of the queued bursts
// holding its row may have it (t_col), and that cycle ends the run; else the caller knows
// none can before `limit`. Returns the first cycle >= `from` at which the next command
// (ACT, PRE or, with `until_column`, RD/WR) may issue, or `limit` if that is later (with
// `until_column`; without, the next ACT/PRE cycle, which may be >= `limit`).
//
// One pass over the queue collects the banks whose open row a queued burst wants and the
// oldest burst of each bank that waits for an ACT or a PRE (later bursts of a bank wait
// on the same readiness); the commands are then decided on that short list: an ACT makes
// its bank's bursts for the row hold it (they leave the list, their RD/WRs may come
// tRCD later), a PRE closes the bank (its burst now waits for an ACT). Neither changes
// which rows the other queued bursts want.
inline uint64_t CommandScheduler::issue_until_column(uint64_t from, uint64_t limit, bool until_column,
                                                     std::vector<BankState>& banks) {
  const uint64_t pass = ++pass_;
  uint64_t* const wanted = wanted_.data();
  uint64_t* const seen = noted_seen_.data();
  candidates_.clear();
  uint64_t t_col = UINT64_MAX;
  for (size_t i = 0; i < size_; ++i) {
    const QueuedBurst& q = at(i);
    const BankState& b = banks[q.bank];
    if (b.holds(q.row)) {
      wanted[q.bank] = pass;
      if (until_column) t_col = std::min(t_col, std::max(b.ready_col(), rank_.column_ready(q.write, q.group)));
    } else if (seen[q.bank] != pass) {
      seen[q.bank] = pass;
      candidates_.push_back(static_cast<uint32_t>(i));
    }
  }
  uint64_t c = from;
  for (;;) {
    if (until_column && t_col <= c) return c;  // ticking issues that RD/WR
    uint64_t t = UINT64_MAX;
    for (const uint32_t i : candidates_) {
      if (i == kGone) continue;
      const QueuedBurst& q = at(i);
      const BankState& b = banks[q.bank];
      if (!b.is_open())
        t = std::min(t, std::max({b.ready_act(), rank_.activate_ready(q.group), c}));
      else if (wanted[q.bank] != pass)
        t = std::min(t, std::max(b.ready_pre(), c));
    }
    if (until_column) {
      if (t >= t_col || t >= limit) return std::max(c, std::min(t_col, limit));
    } else if (t >= limit) {
      return t;
    }
    bool done = false;
    for (uint32_t& i : candidates_) {
      if (i == kGone) continue;
      const QueuedBurst& q = at(i);
      BankState& b = banks[q.bank];
      if (!b.is_open() && t >= b.ready_act() && t >= rank_.activate_ready(q.group)) {
        b.activate(q.row, t, timing_);
        rank_.activate(t, q.group);
        wanted[q.bank] = pass;
        // Its bursts for the row may have their RD/WRs tRCD later (either kind: the
        // earlier bound is safe).
        t_col = std::min(t_col, std::max(b.ready_col(), std::min(rank_.column_ready(false, q.group),
                                                                rank_.column_ready(true, q.group))));
        i = kGone;
        done = true;
        break;
      }
    }
    for (size_t k = 0; !done && k < candidates_.size(); ++k) {
      if (candidates_[k] == kGone) continue;
      const uint32_t bank = at(candidates_[k]).bank;
      BankState& b = banks[bank];
      if (b.is_open() && wanted[bank] != pass && t >= b.ready_pre()) {
        b.precharge(t, timing_);
        done = true;
      }
    }
    c = t + 1;
  }
}

// Why jump() equals ticking. Let the mapping put only channel and bank-group bits below
// the column (AddressMapping::groups_cycle_in_blocks): then a channel's bursts of one
// block (every field above the column alike) are, in address order, one in each bank
// group in turn, all in one row of one bank per group. Call Seq the queued bursts, oldest
// first, followed by the front waiting transfer's bursts, block after block. jump() issues
// Seq[0 .. n - 1] at slot, slot + S, ... when
//   - every queued burst and the transfer are of one kind (RD or WR) and the bursts'
//     groups cycle g0, g0 + 1, ... (mod G) through Seq;
//   - every queued burst finds its row open, its bank's tRCD over by its slot;
//   - the rank allows the RD/WRs of the first G bursts of Seq at slot, slot + S, ...;
//   - the bursts admitted during the jump (n - 1 of them, Seq[size .. size + n - 2],
//     each one cycle after a RD/WR) stay in the transfer, or it ends and no other
//     transfer waits behind it;
//   - each block of the transfer's bursts admitted during the jump uses banks that no
//     other block of Seq uses, unless it is the block the queue ends in and finds its
//     rows open: so no queued burst ever wants a row other than its own in those banks;
//   - the banks of those blocks that do not hold their rows get their ACTs (after a PRE
//     if another row is open) in time: each burst's bank holds its row, tRCD over, by its
//     slot.
// Then at each slot the oldest queued burst may issue (its bank: tRCD over; its group:
// the burst G before it, in the same group, was G * S >= max(B, tCCD_L) cycles earlier,
// the one before S >= max(B, tCCD_S) cycles earlier, and there is no turnaround), so
// ticking issues it there, and no RD/WR can issue between slots. Between slots ticking
// issues an ACT for the oldest burst whose closed bank may be activated, else a PRE for
// the oldest whose bank holds a row nobody queued wants: only the banks of the blocks
// above can be such, and their commands are found the way ticking finds them, over those
// few banks (each from its burst's admission on, never at a slot). The effects are
// summed: the counts, the read latencies, the row outcomes (a bank's first burst after
// its ACT a miss or conflict, every other a hit); the rank constraints raised by the last
// G + 1 bursts (each kind of constraint a burst leaves on a group is raised most by the
// latest burst in that group or outside it, both among them) and each bank's by its last
// burst; the queue and transfer advanced as the admissions after all but the last RD/WR
// leave them.
inline uint64_t CommandScheduler::jump(uint64_t slot, uint64_t last, std::vector<BankState>& banks,
                                       MemoryStats& stats) {
  const uint64_t spacing = timing_.col_to_col_s, groups = groups_;
  const uint64_t gmask = groups - 1;  // (bank groups are a bit field: a power of two)
  const bool has_w = !waiting_.empty();
  walk_ends_ = false;
  if (size_ == 0) return 0;
  const bool write = at(0).write;
  // Cheapest tests first: jump() is tried before RD/WRs of a walk.
  uint64_t n = size_;  // the most Seq holds
  uint64_t left = 0;   // the transfer's bursts not yet queued
  DramAddress next;
  if (has_w) {
    const Waiting& w = waiting_.front();
    if (w.write != write) return 0;
    left = mapping_.count_in_channel(w.next, w.last, channel_);
    // Admissions during the jump (n - 1) stay in the transfer, unless nothing waits after it.
    n = waiting_.size() == 1 ? size_ + left : std::min(left + 1, size_ + left);
    next = mapping_.decode_burst(w.next);
  }
  n = std::min(n, (last - slot) / spacing + 1);
  if (n < 2 * groups + 2) return 0;  // not worth the fixed cost
  const uint64_t size0 = size_;
  const uint32_t g0 = at(0).group;
  const uint32_t per_group = mapping_.banks_per_group();
  if (has_w && next.group != ((g0 + size0) & gmask)) return 0;
  // Banks as bits (crossing into blocks that need ACTs needs them, and free cycles).
  const bool bits = banks.size() <= 64;
  const bool may_cross = bits && spacing >= 2;
  const auto bit = [&](uint32_t bank) { return bits ? uint64_t{1} << bank : 0; };
  const bool contiguous = has_w && contiguous_ == size0;
  // Seq's blocks (segments_), and the banks among them that wait for an ACT (pending_,
  // oldest first). admitted_end: Seq positions below it are queued by the jump's end.
  segments_.clear();
  pending_.clear();
  const auto admitted_end = [&] { return std::min(size0 + left, size0 + n - 1); };
  uint64_t used = 0;  // banks of the blocks so far
  bool any_fresh = false;  // (non-contiguous queue) a bank whose ACT has had no column command yet
  // Adds the block run Seq[pos .. pos + count) (row `row` of bank `in_grp` of each group;
  // block_pos: where its block's run in Seq starts). False if jump() cannot take it.
  const auto add_segment = [&](uint64_t pos, uint64_t count, uint64_t row, uint32_t in_grp) {
    uint64_t block_pos = pos;
    const bool continues = !segments_.empty() && segments_.back().row == row &&
                           segments_.back().in_group == in_grp && segments_.back().pos + segments_.back().count == pos;
    if (continues) block_pos = segments_.back().block_pos;
    // Each group's first burst of the block.
    const uint64_t firsts_end = std::min(pos + count, block_pos + groups);
    if (!continues) {
      uint64_t mask = 0;
      bool all_hold = true;
      for (uint32_t g = 0; g < groups; ++g) {
        mask |= bit(g * per_group + in_grp);
        all_hold = all_hold && banks[g * per_group + in_grp].holds(row);
      }
      if ((mask & used) != 0 || (!all_hold && !may_cross)) return false;
      used |= mask;
    }
    for (uint64_t p = pos; p < firsts_end && p < admitted_end(); ++p) {
      const uint32_t g = static_cast<uint32_t>((g0 + p) & gmask), bank = g * per_group + in_grp;
      const BankState& bk = banks[bank];
      if (!bk.holds(row)) {
        const uint64_t admitted = p < size0 ? slot : slot + (p - size0) * spacing + 1;
        PendingBank& e = pending_.push();
        e.pos = p;
        e.admitted = admitted;
        e.row = row;
        e.ready_act = bk.ready_act();
        e.ready_pre = bk.ready_pre();
        e.bank = bank;
        e.group = g;
        e.open = bk.is_open();
        e.activated = false;
      } else if (p < n && slot + p * spacing < bk.ready_col()) {
        n = p;
      }
    }
    if (segments_.full()) return false;
    Segment& sg = segments_.push();
    sg.pos = pos;
    sg.count = count;
    sg.row = row;
    sg.block_pos = block_pos;
    sg.in_group = in_grp;
    return true;
  };
  if (contiguous) {
    // The queue is the transfer's bursts just before its next: one kind, one arrival,
    // groups in turn (the mapping), block after block.
    uint64_t b = mapping_.retreat_in_channel(waiting_.front().next, size0, channel_);
    for (uint64_t pos = 0; pos < size0;) {
      const uint64_t in_blk = mapping_.count_in_channel(b, mapping_.block_end(b) - 1, channel_);
      const uint64_t take = std::min<uint64_t>(in_blk, size0 - pos);
      const DramAddress a = mapping_.decode_burst(b);
      if (a.group != ((g0 + pos) & gmask) || !add_segment(pos, take, a.row, a.bank % per_group)) return 0;
      pos += take;
      if (pos < size0) b = mapping_.advance_in_channel(b, take, channel_);
    }
  } else {
    // Every queued burst must find its row open. Youngest first: a new row's bursts fail
    // soonest. The expected group steps back one (mod G) per burst, without dividing.
    uint64_t g = (g0 + size0 - 1) & gmask;
    for (size_t i = size0; i-- > 0;) {
      const QueuedBurst& q = at(i);
      const BankState& b = banks[q.bank];
      if (q.write != write || q.group != g || !b.holds(q.row) || slot + i * spacing < b.ready_col()) return 0;
      any_fresh |= b.fresh();
      used |= bit(q.bank);
      g = g == 0 ? groups - 1 : g - 1;
    }
  }
  for (uint64_t i = 0; i < groups && i < size0; ++i)
    if (rank_.column_ready(write, at(i).group) > slot + i * spacing) return 0;
  const size_t queue_segments = segments_.size();
  if (has_w) {
    // The transfer's blocks among the admitted bursts; one that cannot be taken is not admitted.
    uint64_t pos = size0, b = waiting_.front().next, remaining = left;
    DramAddress a = next;
    while (pos < admitted_end()) {
      if (pos > size0) a = mapping_.decode_burst(b);
      const uint64_t count = std::min(remaining, mapping_.count_in_channel(b, mapping_.block_end(b) - 1, channel_));
      if (a.group != ((g0 + pos) & gmask) || !add_segment(pos, count, a.row, a.bank % per_group)) {
        n = std::min(n, pos - size0 + 1);
        break;
      }
      pos += count;
      remaining -= count;
      if (pos < admitted_end()) b = mapping_.advance_in_channel(b, count, channel_);
    }
  }
  // The ACTs and PREs ticking issues between the slots, for the pending banks.
  events_.clear();
  if (!pending_.empty() && n >= 2 * groups + 2) {
    RankTiming rank = rank_;
    uint64_t c = slot + 1;
    size_t lo = 0;  // pending_[.. lo): activated
    // Whether t is a slot (t >= slot); S is small, often a power of two.
    const bool pow2 = (spacing & (spacing - 1)) == 0;
    const auto at_slot = [&](uint64_t t) { return pow2 ? ((t - slot) & (spacing - 1)) == 0 : (t - slot) % spacing == 0; };
    for (;;) {
      const uint64_t t_end = slot + (n - 1) * spacing;
      while (lo < pending_.size() && pending_[lo].activated) ++lo;
      // The earliest cycle one of them may have its command; they are in admission
      // order, so none after one admitted at or after that cycle can be earlier.
      uint64_t t = UINT64_MAX;
      for (size_t k = lo; k < pending_.size() && pending_[k].admitted < t; ++k) {
        const PendingBank& e = pending_[k];
        if (e.activated) continue;
        const uint64_t ready = e.open ? e.ready_pre : std::max(e.ready_act, rank.activate_ready(e.group));
        t = std::min(t, std::max({ready, e.admitted, c}));
      }
      if (t != UINT64_MAX && at_slot(t)) ++t;  // a slot: its RD/WR issues
      if (t > t_end) break;
      bool done = false;
      for (size_t k = lo; k < pending_.size() && pending_[k].admitted <= t && !done; ++k) {
        PendingBank& e = pending_[k];
        if (e.activated || e.open || t < e.ready_act || t < rank.activate_ready(e.group)) continue;
        e.activated = true;
        e.act_cycle = t;
        rank.activate(t, e.group);
        events_.push() = {t, static_cast<uint32_t>(k), true};
        done = true;
      }
      for (size_t k = lo; k < pending_.size() && pending_[k].admitted <= t && !done; ++k) {
        PendingBank& e = pending_[k];
        if (e.activated || !e.open || t < e.ready_pre) continue;
        e.open = false;
        e.ready_act = t + timing_.tRP;
        events_.push() = {t, static_cast<uint32_t>(k), false};
        done = true;
      }
      c = t + 1;
    }
    // Each pending bank's first burst issues at its slot only with the row open, tRCD over.
    for (const PendingBank& e : pending_) {
      if (e.pos >= n) continue;
      if (!e.activated || slot + e.pos * spacing < e.act_cycle + timing_.tRCD) {
        n = e.pos;
        break;
      }
    }
  } else if (!pending_.empty()) {
    return 0;
  }
  if (n < 2 * groups + 2) return 0;
  const uint64_t t_end = slot + (n - 1) * spacing;
  for (const BankEvent& ev : events_) {
    if (ev.cycle > t_end) break;
    const PendingBank& e = pending_[ev.pending];
    if (ev.activate) {
      banks[e.bank].activate(e.row, ev.cycle, timing_);
      rank_.activate(ev.cycle, e.group);
    } else {
      banks[e.bank].precharge(ev.cycle, timing_);
    }
  }

  // Row outcomes: the first burst of a bank whose ACT has had no column command yet.
  uint64_t first_bursts = 0;
  const auto first_use = [&](uint64_t i, uint32_t bank) {
    BankState& b = banks[bank];
    if (!b.fresh()) return;
    count_outcome(b.column(slot + i * spacing, write, timing_), stats);
    ++first_bursts;
  };
  if (any_fresh)
    for (uint64_t i = 0; i < size0 && i < n; ++i) first_use(i, at(i).bank);
  // Seq[i] of segment sg: its bank.
  const auto bank_in = [&](const Segment& sg, uint64_t i) {
    return static_cast<uint32_t>((g0 + i) & gmask) * per_group + sg.in_group;
  };
  for (const Segment& sg : segments_)
    for (uint64_t i = sg.pos; i < std::min(sg.pos + sg.count, sg.block_pos + groups) && i < n; ++i)
      first_use(i, bank_in(sg, i));
  stats.row_hits += n - first_bursts;
  // Each bank's last burst: the last G of each block (as far as they issued), every
  // queued burst when the queue is not one block's run; the rank's by the last G + 1.
  if (!contiguous)
    for (uint64_t i = 0; i < size0 && i < n; ++i) banks[at(i).bank].column(slot + i * spacing, write, timing_);
  for (const Segment& sg : segments_) {
    const uint64_t end = std::min(n, sg.pos + sg.count);
    for (uint64_t i = std::max(sg.pos, end >= groups ? end - groups : 0); i < end; ++i)
      banks[bank_in(sg, i)].column(slot + i * spacing, write, timing_);
  }
  const uint64_t r = std::min<uint64_t>(n, groups + 1);
  for (uint64_t i = n - r; i < n; ++i) rank_.column(slot + i * spacing, write, static_cast<uint32_t>((g0 + i) & gmask));
  const uint64_t from_queue = std::min<uint64_t>(n, size0);
  uint64_t queue_arrivals = 0;
  if (contiguous) {
    queue_arrivals = from_queue * waiting_.front().arrival;
  } else {
    for (uint64_t i = 0; i < from_queue; ++i) queue_arrivals += at(i).arrival;
  }
  const uint64_t arrivals = queue_arrivals + (has_w ? (n - from_queue) * waiting_.front().arrival : 0);

  const uint64_t latency = (write ? timing_.tCWL : timing_.tCL) + timing_.burst_cycles;
  stats.bursts += n;
  if (write) {
    stats.writes += n;
  } else {
    stats.reads += n;
    stats.read_latency_cycles += n * (slot + latency) + spacing * (n * (n - 1) / 2) - arrivals;
  }
  stats.data_bus_busy_cycles += n * timing_.burst_cycles;
  bus_free_ = std::max(bus_free_, slot + (n - 1) * spacing + latency);

  // Seq[0 .. n - 1] issued; the admissions after all but the last RD/WR queued.
  head_ = (head_ + from_queue) & mask_;
  size_ -= from_queue;
  contiguous_ = std::min<uint64_t>(contiguous_, size_);
  if (has_w) {
    // The transfer's bursts Seq[size0 ..] are, in order, in groups continuing the cycle,
    // in one row of one bank per group within each block: admitted and issued (skipped),
    // then admitted into the queue up to depth - 1, without decoding each.
    Waiting& w = waiting_.front();
    const uint64_t skipped = n - from_queue;
    const uint64_t queued = std::min<uint64_t>(left - skipped, depth_ - 1 - size_);
    if (skipped > 0) contiguous_ = 0;  // the queue was emptied (n >= its bursts)
    size_t s = queue_segments;
    for (uint64_t p = size0 + skipped; p < size0 + skipped + queued; ++p) {
      while (s + 1 < segments_.size() && segments_[s + 1].pos <= p) ++s;
      const Segment& sg = segments_[s];
      const uint32_t g = static_cast<uint32_t>((g0 + p) & gmask), bank = g * per_group + sg.in_group;
      push_back({sg.row, w.arrival, bank, static_cast<uint16_t>(g), write});
      walk_ends_ = walk_ends_ || !banks[bank].holds(sg.row);
    }
    contiguous_ += queued;
    waiting_bursts_ -= skipped + queued;
    if (skipped + queued == left) {
      waiting_.pop_front();
      contiguous_ = 0;
    } else {
      w.next = mapping_.advance_in_channel(w.next, skipped + queued, channel_);
    }
  }
  if (!walk_ends_) {
    // Every queued burst holds its row now; the walk's count of them starts over.
    waiting_banks_.clear_holding();
    for (size_t i = 0; i < size_; ++i) waiting_banks_.holds_one_more(at(i).bank);
  }
  return n;
}

}  // namespace itera::hw
