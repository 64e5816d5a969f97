#pragma once
// All-bank refresh of one channel (as DRAMsim3's refresh), on a fixed schedule: due at
// ticks tREFI, 2 tREFI, ... however late each one starts. When due, the channel stops
// issuing and waits until every open bank may be precharged (tRAS, tRTP, write
// recovery); then all rows close (the precharge) and the channel is blocked for
// tRP + tRFC.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "bank_state.h"
#include "command_timing.h"
#include "event_horizon.h"

namespace itera::hw {

class Refresh {
 public:
  explicit Refresh(const CommandTiming& t);

  enum class Gate : uint8_t {
    Free,       // the channel may issue a command
    Blocked,    // a refresh is due (waiting for the banks) or in progress
    BecameDue,  // Blocked, and the refresh became due this cycle
    Started,    // Blocked, and the refresh started this cycle (rows closed)
  };
  // The refresh step of a channel at cycle `now`.
  Gate step(uint64_t now, std::vector<BankState>& banks) {
    bool became_due = false;
    if (!due_ && now >= next_) {
      due_ = true;
      became_due = true;
    }
    if (due_) {
      if (now >= precharge_ready(banks)) {
        start(now, banks);
        return Gate::Started;
      }
      return became_due ? Gate::BecameDue : Gate::Blocked;
    }
    return now < until_ ? Gate::Blocked : Gate::Free;
  }
  // Starts the refreshes ticking an idle channel would start at the cycles in [now, t);
  // returns how many.
  uint64_t skip(uint64_t now, uint64_t t, std::vector<BankState>& banks);
  // Offers the cycles at which the refresh state changes.
  void next_events(EventHorizon& h, const std::vector<BankState>& banks) const {
    h.consider(next_);
    h.consider(until_);
    if (due_) h.consider(precharge_ready(banks));
  }

  bool due() const { return due_; }
  uint64_t next_due() const { return next_; }        // when the next refresh falls due
  uint64_t blocked_until() const { return until_; }  // end of the last refresh

  bool operator==(const Refresh& o) const { return next_ == o.next_ && until_ == o.until_ && due_ == o.due_; }

 private:
  // The first cycle at which every open bank may be precharged.
  static uint64_t precharge_ready(const std::vector<BankState>& banks) {
    uint64_t t = 0;
    for (const BankState& b : banks)
      if (b.is_open()) t = std::max(t, b.ready_pre());
    return t;
  }
  void start(uint64_t at, std::vector<BankState>& banks);

  uint64_t interval_, duration_;  // tREFI; tRP + tRFC
  uint64_t next_, until_ = 0;
  bool due_ = false;
};

}  // namespace itera::hw
