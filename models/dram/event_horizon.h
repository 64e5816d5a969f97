#pragma once
// The earliest cycle after `now` at which something may happen in the DRAM: each part
// of the controller offers the cycles at which its state can change, and
// DramCore::run_until_idle jumps to the earliest (or to now + 1 if none is offered).
#include <cstdint>
#include <limits>

namespace itera::hw {

class EventHorizon {
 public:
  explicit EventHorizon(uint64_t now) : now_(now) {}
  // Offers cycle t; only cycles after now count.
  void consider(uint64_t t) {
    if (t > now_ && t < next_) next_ = t;
  }
  uint64_t next() const { return next_ == kNone ? now_ + 1 : next_; }

 private:
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  uint64_t now_;
  uint64_t next_ = kNone;
};

}  // namespace itera::hw
