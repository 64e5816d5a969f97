#include "refresh.h"

namespace itera::hw {

Refresh::Refresh(const CommandTiming& t) : interval_(t.tREFI), duration_(t.tRFC + t.tRP), next_(t.tREFI) {}

void Refresh::start(uint64_t at, std::vector<BankState>& banks) {
  for (BankState& b : banks) b.close_for_refresh();
  until_ = at + duration_;
  next_ += interval_;
  due_ = false;
}

uint64_t Refresh::skip(uint64_t now, uint64_t t, std::vector<BankState>& banks) {
  uint64_t started = 0;
  for (;;) {
    if (due_) {
      const uint64_t at = std::max(now, precharge_ready(banks));
      if (at >= t) break;
      start(at, banks);
      ++started;
      continue;
    }
    if (next_ >= t) break;
    const uint64_t at = std::max({now, next_, precharge_ready(banks)});
    if (at >= t) {
      due_ = true;
      break;
    }
    start(at, banks);
    ++started;
  }
  return started;
}

}  // namespace itera::hw
