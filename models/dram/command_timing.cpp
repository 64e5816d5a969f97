#include "command_timing.h"

namespace itera::hw {

CommandTiming::CommandTiming(const DramTiming& t)
    : tCL(static_cast<uint64_t>(t.tCL)),
      tRCD(static_cast<uint64_t>(t.tRCD)),
      tRP(static_cast<uint64_t>(t.tRP)),
      tRAS(static_cast<uint64_t>(t.tRAS)),
      tREFI(static_cast<uint64_t>(t.tREFI)),
      tRFC(static_cast<uint64_t>(t.tRFC)),
      burst_cycles(static_cast<uint64_t>(t.burst_length / 2)) {}

}  // namespace itera::hw
