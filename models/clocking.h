#pragma once
// The accelerator clock (the fidelities are in fidelity.h).
//
// All blocks share one sc_clock; its period is the accelerator's clock_mhz rounded
// to the kernel's 1 ps resolution. Cycle counts are read off the kernel time
// (sc_time_stamp() / period), never kept in private counters.
#include <cstdint>

#include <systemc>

namespace itera::hw {


struct Clocking {
  sc_core::sc_time period;

  explicit Clocking(double clock_mhz);
  // The cycle count at the current kernel time (whole cycles since time 0).
  int64_t now_cycle() const { return static_cast<int64_t>(sc_core::sc_time_stamp().value() / period.value()); }
  sc_core::sc_time cycles(int64_t n) const { return period * static_cast<double>(n); }
  double period_ns() const { return period.to_seconds() * 1e9; }
};

}  // namespace itera::hw
