#pragma once
// The revision of the simulator's timing model: raised whenever the same trace and
// config may simulate to different cycles (a new constraint, a changed default).
// Caches of simulation results (the DSE's) key on it, so that a rebuilt simulator does
// not reuse results of an older model.
//   1  the model until the DRAM gained bank groups
//   2  DRAM bank groups, the full DDR4 timing set, address mappings, a 40-burst queue
namespace itera {

inline constexpr int kTimingModelRevision = 2;

}  // namespace itera
