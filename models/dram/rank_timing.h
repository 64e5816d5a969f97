#pragma once
// The constraints one channel's (single rank's) commands put on commands to other
// banks (command_timing.h): column-to-column spacing by bank group, read/write
// turnaround, activate-to-activate spacing by bank group, and the four-activate window.
// Each is kept as the earliest cycle at which a command of a kind may issue to a bank
// group, raised as commands issue. Everything is inline: it runs on every scheduled cycle.
#include <algorithm>
#include <array>
#include <cstdint>

#include "command_timing.h"

namespace itera::hw {

class RankTiming {
 public:
  static constexpr uint32_t kMaxBankGroups = 16;

  RankTiming(const CommandTiming& t, uint32_t bank_groups) : t_(t), groups_(bank_groups) {}

  // The earliest cycle a RD (write = false) or WR may issue to bank group g.
  uint64_t column_ready(bool write, uint32_t g) const { return next_col_[write ? 1 : 0][g]; }
  // The earliest cycle an ACT may issue to bank group g (tRRD_S/L and tFAW).
  uint64_t activate_ready(uint32_t g) const { return std::max(next_act_[g], faw_ready()); }

  void column(uint64_t now, bool write, uint32_t g) {
    for (uint32_t h = 0; h < groups_; ++h) {
      const bool same = h == g;
      const uint64_t same_kind = now + (same ? t_.col_to_col_l : t_.col_to_col_s);
      const uint64_t other_kind =
          now + (write ? (same ? t_.write_to_read_l : t_.write_to_read_s) : t_.read_to_write);
      uint64_t& rd = next_col_[0][h];
      uint64_t& wr = next_col_[1][h];
      rd = std::max(rd, write ? other_kind : same_kind);
      wr = std::max(wr, write ? same_kind : other_kind);
    }
  }
  void activate(uint64_t now, uint32_t g) {
    for (uint32_t h = 0; h < groups_; ++h)
      next_act_[h] = std::max(next_act_[h], now + (h == g ? t_.act_to_act_l : t_.act_to_act_s));
    acts_[act_head_] = now + 1;  // stored + 1 so that 0 means "no ACT yet"
    act_head_ = (act_head_ + 1) % 4;
  }

  // The whole state (tests compare the fast paths' with ticking's): the constraints and
  // the last four ACTs, oldest first.
  bool operator==(const RankTiming& o) const {
    for (uint32_t i = 0; i < 4; ++i)
      if (acts_[(act_head_ + i) % 4] != o.acts_[(o.act_head_ + i) % 4]) return false;
    return next_col_ == o.next_col_ && next_act_ == o.next_act_;
  }

 private:
  // The oldest of the last four ACTs, plus tFAW: a fifth ACT must wait until then.
  uint64_t faw_ready() const { return acts_[act_head_] == 0 ? 0 : acts_[act_head_] - 1 + t_.tFAW; }

  CommandTiming t_;
  uint32_t groups_;
  std::array<std::array<uint64_t, kMaxBankGroups>, 2> next_col_{};  // [RD, WR][group]
  std::array<uint64_t, kMaxBankGroups> next_act_{};
  std::array<uint64_t, 4> acts_{};  // the last four ACT cycles (+ 1), a ring
  uint32_t act_head_ = 0;           // the oldest of them
};

}  // namespace itera::hw
