#pragma once
// SCALE-Sim's per-layer figures (COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv of
// SCALE-Sim v3, scalesim/single_layer_sim.py and scalesim/compute/systolic_compute_*.py)
// for one op of a run, each meaning what SCALE-Sim means by it, so that the columns
// carrying SCALE-Sim's names can be compared with SCALE-Sim's own. For one copy of the
// op; the report multiplies the cycle counts by the repeat.
//
// SCALE-Sim counts cycles as indices: its "Total Cycles" is the index of the array's
// last cycle, one less than the number of cycles. A "word" is one operand element
// (SCALE-Sim's word_size of 1). Over the op's tiles, each a GEMM on the R x C array
// (models/arch/fold_timing.h: Sr x Sc array slots in folds of R x C, T streamed):
//
//   Total Cycles (incl. prefetch)  from the op's first weight or input load from DRAM
//                         to its last write-back (or its first and last compute cycle
//                         when later / earlier), as last index - first index;
//   Total Cycles          the array's compute cycles for the op, stalls excluded, minus 1;
//   Stall Cycles          cycles between the op's first and last compute cycle in which
//                         the array did not compute (waiting for DRAM, SRAM ports or the
//                         other array);
//   Overall Util %        100 MACs / (MAC units x Total Cycles), a MAC unit being one of
//                         the PEs' R x C x pack multipliers (pack: MACs per PE per cycle);
//   Mapping Efficiency %  100 x the mean over the folds the array ran of the PEs a fold
//                         uses / (R x C);
//   Compute Util %        100 x the mean over the folds of (PEs used x T) / (R x C x F),
//                         F being SCALE-Sim's fold length, its demand matrix's rows +
//                         columns - 1: 2R + 2C + T - 3 for ws and is, R + C + T - 2 for os
//                         (whatever itera's own timing);
//   Avg IFMAP / FILTER / OFMAP SRAM BW   words the array reads of the input (X) and the
//                         weights (W) and writes of the output (Y), over Total Cycles;
//                         a fold reads its slice of each operand, so an operand is read
//                         once per fold along the dimension it lacks (when that one lies
//                         on the array's rows or columns);
//   Avg IFMAP / FILTER / OFMAP DRAM BW   words of X and W the op loads and of Y it writes
//                         back, each over its own span: from the first such transfer's
//                         start to the last one's end (0 without any).
// Ratios over no cycles are 0.
#include <cstdint>

#include "sim_run.h"
#include "trace.h"
#include "units.h"

namespace itera {

struct ScaleSimFigures {
  int64_t total_cycles_incl_prefetch = 0, total_cycles = 0, stall_cycles = 0;
  double overall_util_percent = 0, mapping_efficiency_percent = 0, compute_util_percent = 0;
  double ifmap_sram_bw = 0, filter_sram_bw = 0, ofmap_sram_bw = 0;  // words per cycle
  double ifmap_dram_bw = 0, filter_dram_bw = 0, ofmap_dram_bw = 0;
};

// `o` is `op`'s result on `array` (one copy).
ScaleSimFigures scalesim_figures(const TraceOp& op, const hw::OpResult& o, const ArrayDesc& array);

}  // namespace itera
