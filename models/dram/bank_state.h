#pragma once
// One bank of a channel (as DRAMsim3's BankState): its open row, the earliest cycles at
// which it accepts an ACT (tRP after a PRE), a column command RD/WR (tRCD after the ACT)
// and a PRE (tRAS after the ACT, tRTP after a RD, write recovery after a WR), and the
// row-buffer outcome of each burst it serves. Constraints between banks are in
// rank_timing.h.
//
// Row statistics, classified per burst at its column command: the first burst served
// after an ACT is a miss if the bank had been closed (never opened, or closed by a
// refresh) and a conflict if the scheduler precharged another row to open this one;
// every further burst served from that open row is a hit. So misses + conflicts = ACTs.
//
// The scheduler checks readiness and row state before each command; the commands
// themselves do not check. Everything is inline: it runs on every scheduled cycle.
#include <algorithm>
#include <cstdint>

#include "command_timing.h"

namespace itera::hw {

enum class RowOutcome : uint8_t { Hit, Miss, Conflict };

class BankState {
 public:
  bool is_open() const { return open_row_ >= 0; }
  bool holds(uint64_t row) const { return open_row_ == static_cast<int64_t>(row); }
  int64_t open_row() const { return open_row_; }  // -1: closed
  uint64_t ready_act() const { return ready_act_; }
  uint64_t ready_col() const { return ready_col_; }
  uint64_t ready_pre() const { return ready_pre_; }
  bool fresh() const { return fresh_; }  // activated, no column command yet
  // The earliest cycle at which a burst for `row` can have its next command here, as far
  // as this bank is concerned: its RD/WR if the row is open, an ACT if the bank is
  // closed, else a PRE.
  uint64_t ready_for(uint64_t row) const { return holds(row) ? ready_col_ : is_open() ? ready_pre_ : ready_act_; }

  void activate(uint64_t row, uint64_t now, const CommandTiming& t) {
    open_row_ = static_cast<int64_t>(row);
    ready_col_ = now + t.tRCD;
    ready_pre_ = now + t.tRAS;
    fresh_ = true;
    fresh_kind_ = precharged_for_conflict_ ? RowOutcome::Conflict : RowOutcome::Miss;
    precharged_for_conflict_ = false;
  }
  // A RD/WR to the open row: a miss or conflict for the first after the ACT, else a hit.
  RowOutcome column(uint64_t now, bool write, const CommandTiming& t) {
    ready_pre_ = std::max(ready_pre_, now + (write ? t.write_to_precharge : t.read_to_precharge));
    if (!fresh_) return RowOutcome::Hit;
    fresh_ = false;
    return fresh_kind_;
  }
  void precharge(uint64_t now, const CommandTiming& t) {
    open_row_ = -1;
    ready_act_ = now + t.tRP;
    precharged_for_conflict_ = true;
    fresh_ = false;
  }
  // A refresh closes the row; the next ACT is a miss.
  void close_for_refresh() {
    open_row_ = -1;
    fresh_ = false;
    precharged_for_conflict_ = false;
  }

  // The whole state (tests compare the fast paths' with ticking's).
  bool operator==(const BankState& o) const {
    return open_row_ == o.open_row_ && ready_act_ == o.ready_act_ && ready_col_ == o.ready_col_ &&
           ready_pre_ == o.ready_pre_ && fresh_ == o.fresh_ && fresh_kind_ == o.fresh_kind_ &&
           precharged_for_conflict_ == o.precharged_for_conflict_;
  }

 private:
  int64_t open_row_ = -1;
  uint64_t ready_act_ = 0, ready_col_ = 0, ready_pre_ = 0;
  bool fresh_ = false;  // activated, no column command yet
  RowOutcome fresh_kind_ = RowOutcome::Miss;
  bool precharged_for_conflict_ = false;
};

}  // namespace itera::hw
