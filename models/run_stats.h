#pragma once
// What every block counted in a run, per op: the snapshots the controllers took when
// each op completed, turned into differences (an op's share of its unit), plus the
// whole run's DRAM figures (sim_run.h).
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
