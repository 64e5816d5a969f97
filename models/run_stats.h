#pragma once
// What every block counted in a run, per op: the array's counters snapshotted when it
// finished each op, turned into differences over the op's window (sim_run.h), the
// op's own SRAM and DRAM traffic, the window's share of all DRAM traffic, plus the
// whole run's DRAM figures.
#include <vector>

#include "op_progress.h"
#include "op_task.h"
#include "sim_run.h"

namespace itera::hw {

class Top;

// The run's figures from a finished `top`; `ideal` when there was no memory model.
SimRun collect_run(const Top& top, const std::vector<OpTask>& tasks, const std::vector<OpProgress>& progress,
                   bool ideal);

}  // namespace itera::hw
