#pragma once
// The port model of an on-chip buffer: banks x ports accesses per cycle, each moving
// one bank word (width_bytes). The fold work charges phases by it, and the SystemC
// SRAM grants accesses cycle by cycle with the same numbers.
#include <cstdint>

#include "accel_config.h"
#include "int_math.h"

namespace itera {

inline int64_t accesses_per_cycle(const BufferConfig& b) { return int64_t{b.banks} * b.ports; }
// Port accesses (bank words) needed to move `bytes`.
inline int64_t accesses_for(const BufferConfig& b, int64_t bytes) {
  return ceil_div(bytes, b.width_bytes);
}
// Cycles the ports need for `accesses` at full rate.
inline int64_t port_cycles(const BufferConfig& b, int64_t accesses) {
  return ceil_div(accesses, accesses_per_cycle(b));
}
// Usable bytes of a buffer for one tile (half of it when double-buffered).
inline int64_t buffer_tile_capacity(const BufferConfig& b) {
  const int64_t bytes = int64_t{b.kb} * 1024;
  return b.double_buffer ? bytes / 2 : bytes;
}

}  // namespace itera
