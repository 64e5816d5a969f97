#pragma once
// The DRAM controller's timing constraints in cycles of the DRAM clock (tCK), taken
// from a preset (dram_timing.h), as DRAMsim3's timing table does:
//   ACT -> RD/WR           tRCD                       (bank_state.h)
//   ACT -> PRE             tRAS
//   PRE -> ACT             tRP
//   RD/WR -> data          tCL, then BL/2 cycles of data on the bus (both clock edges)
//   RD/WR -> RD/WR         tCCD = BL/2                (command_scheduler.h)
//   refresh                every tREFI, lasting tRFC  (refresh.h)
//
// Simplifications: writes use the read timing (no tWR, tWTR, tCWL, no bus turnaround),
// no tRRD / tFAW activation limits (so queued random accesses overlap across banks more
// than real DDR4 allows), no read-to-precharge delay (tRTP), one rank per channel.
#include <cstdint>

#include "dram_timing.h"

namespace itera::hw {

struct CommandTiming {
  explicit CommandTiming(const DramTiming& t);

  uint64_t tCL, tRCD, tRP, tRAS, tREFI, tRFC;
  uint64_t burst_cycles;  // data cycles of one burst (BL / 2), also tCCD
};

}  // namespace itera::hw
