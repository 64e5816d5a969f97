#pragma once
// The DRAM controller's timing constraints in cycles of the DRAM clock (tCK), derived
// from a preset (dram_timing.h) as DRAMsim3's timing table (src/timing.cc) derives them.
// B = BL / 2 is a burst's data cycles (data moves on both clock edges); RL = tCL and
// WL = tCWL (no additive latency).
//
//   per bank (bank_state.h)
//     ACT -> RD/WR            tRCD
//     ACT -> PRE              tRAS
//     RD  -> PRE              tRTP
//     WR  -> PRE              WL + B + tWR        (write recovery after the data)
//     PRE -> ACT              tRP
//   per channel, between bank groups (rank_timing.h)
//     RD -> RD, WR -> WR      max(B, tCCD_L) in the same bank group, max(B, tCCD_S) in another
//     RD -> WR                RL + B - WL + tRPRE + tRTRS   (bus turnaround)
//     WR -> RD                WL + B + tWTR_L in the same bank group, WL + B + tWTR_S in another
//     ACT -> ACT              tRRD_L in the same bank group, tRRD_S in another
//     ACT window              at most four ACTs in any tFAW
//   data                      RD: from RL after the command for B cycles; WR: from WL
//   refresh (refresh.h)       every tREFI: precharge all banks, then tRP + tRFC blocked
// These spacings keep the data of any two column commands apart on the bus.
//
// Simplifications (what the model still leaves out): one rank per channel (no rank
// switching, so tRTRS enters only the read-to-write turnaround, as in DRAMsim3); a
// single FR-FCFS request queue of a fixed number of bursts for reads and writes together
// (DRAMsim3 has a transaction queue feeding per-bank command queues, a separate write
// buffer drained at thresholds, and a cap of four row hits before a precharge); all-bank
// refresh only, on a fixed schedule; no power-down or self-refresh; no additive latency.
#include <cstdint>

#include "dram_timing.h"

namespace itera::hw {

struct CommandTiming {
  explicit CommandTiming(const DramTiming& t);

  uint64_t tCL, tCWL, tRCD, tRP, tRAS, tREFI, tRFC;
  uint64_t burst_cycles;            // B: data cycles of one burst (BL / 2)
  uint64_t col_to_col_s, col_to_col_l;  // RD->RD and WR->WR, other / same bank group
  uint64_t read_to_write;           // any bank group
  uint64_t write_to_read_s, write_to_read_l;
  uint64_t read_to_precharge, write_to_precharge;  // same bank
  uint64_t act_to_act_s, act_to_act_l;
  uint64_t tFAW;
};

}  // namespace itera::hw
