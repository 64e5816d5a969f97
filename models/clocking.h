#pragma once
// The accelerator clock and the two simulation fidelities.
//
// All blocks share one sc_clock; its period is the accelerator's clock_mhz rounded
// to the kernel's 1 ps resolution. Cycle counts are read off the kernel time
// (sc_time_stamp() / period), never kept in private counters.
#include <cstdint>

#include <systemc>

namespace itera::hw {

enum class Fidelity {
  Cycle,  // every block is clocked: the array advances its wavefront each cycle, SRAM ports are
          // arbitrated each cycle, the DRAM controller issues commands each of its own cycles
  Fast,   // the same blocks advance a whole tile (or DRAM transfer) at a time, by its exact latency
};
const char* to_string(Fidelity f);
Fidelity parse_fidelity(const std::string& text);  // cycle | fast; throws itera::Error listing both

struct Clocking {
  sc_core::sc_time period;

  explicit Clocking(double clock_mhz);
  // The cycle count at the current kernel time (whole cycles since time 0).
  int64_t now_cycle() const { return static_cast<int64_t>(sc_core::sc_time_stamp().value() / period.value()); }
  sc_core::sc_time cycles(int64_t n) const { return period * static_cast<double>(n); }
  double period_ns() const { return period.to_seconds() * 1e9; }
};

}  // namespace itera::hw
