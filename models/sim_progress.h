#pragma once
// How far a running simulation has come, for a progress display while it runs. It
// never reaches a report: the reports depend only on the trace and the config.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "clocking.h"
#include "op_progress.h"
#include "op_task.h"

namespace itera::hw {

struct SimProgress {
  int64_t cycle = 0;           // simulated cycles so far
  int ops = 0;                 // ops in the trace (each simulated once)
  int ops_done = 0;
  int current_op = -1;         // the first op not yet done (0-based), -1 when all are
  std::string current_name;    // its name in the trace
  int64_t tiles = 0;           // tile jobs of all ops
  int64_t tiles_done = 0;      // tile jobs the arrays have finished
  double elapsed_seconds = 0;  // wall time since the kernel started
};

// Called with the progress every `interval_seconds` of wall time, the first time after
// two intervals, so that short runs show nothing.
struct ProgressHook {
  double interval_seconds = 1.0;
  std::function<void(const SimProgress&)> report;
};

// Runs the elaborated kernel to its end, as sc_start() does. With a hook it runs in
// slices of simulated time sized to ~50 ms of wall time each and reports between them;
// the simulation itself is the same (the same events in the same order), so are its
// results.
void run_kernel(const Clocking& clocking, const std::vector<OpTask>& tasks, const std::vector<OpProgress>& progress,
                const ProgressHook* hook);

}  // namespace itera::hw
