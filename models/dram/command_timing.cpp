#include "command_timing.h"

#include <algorithm>

namespace itera::hw {

namespace {

uint64_t cycles(int v) { return static_cast<uint64_t>(std::max(v, 0)); }

}  // namespace

CommandTiming::CommandTiming(const DramTiming& t)
    : tCL(cycles(t.tCL)),
      tCWL(cycles(t.tCWL)),
      tRCD(cycles(t.tRCD)),
      tRP(cycles(t.tRP)),
      tRAS(cycles(t.tRAS)),
      tREFI(cycles(t.tREFI)),
      tRFC(cycles(t.tRFC)),
      burst_cycles(cycles(t.burst_length / 2)),
      col_to_col_s(std::max(burst_cycles, cycles(t.tCCD_S))),
      col_to_col_l(std::max(burst_cycles, cycles(t.tCCD_L))),
      // RL + B - WL + tRPRE + tRTRS; at least B so that the write's data follows the read's.
      read_to_write(std::max<int64_t>(static_cast<int64_t>(burst_cycles),
                                      static_cast<int64_t>(tCL + burst_cycles + cycles(t.tRPRE) + cycles(t.tRTRS)) -
                                          static_cast<int64_t>(tCWL))),
      write_to_read_s(tCWL + burst_cycles + cycles(t.tWTR_S)),
      write_to_read_l(tCWL + burst_cycles + cycles(t.tWTR_L)),
      read_to_precharge(cycles(t.tRTP)),
      write_to_precharge(tCWL + burst_cycles + cycles(t.tWR)),
      act_to_act_s(cycles(t.tRRD_S)),
      act_to_act_l(cycles(t.tRRD_L)),
      tFAW(cycles(t.tFAW)) {}

}  // namespace itera::hw
