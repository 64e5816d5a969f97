#pragma once
// Simulating a trace on the accelerator: lay the ops out in DRAM (dram_layout.h),
// elaborate the top (top.h) for the config, run the kernel, and collect what every
// block counted (run_stats.h).
//
// SystemC allows one elaboration per process, so simulate_trace() may be called once
// per process (`itera sweep` runs worker processes).
//
// Repeats: each op of the trace is simulated once (a transformer block once, not 32
// times); the reports multiply its figures by its repeat count.
#include <string>

#include "accel_config.h"
#include "fidelity.h"
#include "error.h"
#include "functional_data.h"
#include "sim_progress.h"
#include "sim_run.h"
#include "trace.h"

namespace itera::hw {

struct SimOptions {
  Fidelity fidelity = Fidelity::Fast;
  std::string vcd_path;  // empty: no waveform
  // Testing aids: "drop-dram-response" makes the DRAM block never answer, to exercise the
  // deadlock / lost-request detection; "functional-corrupt-intermediate" and
  // "functional-drop-read-back" break the functional chain (FunctionalFault), to prove
  // the functional check sees it.
  std::string fault;
  // Functional mode: operand codes per op (null: timing only). Filled with results.
  FunctionalData* functional = nullptr;
  // Progress while the kernel runs (null: none); it does not change the run or its results.
  const ProgressHook* progress = nullptr;
};

// A run stopped by a deadlock or a lost request. Its SystemC threads are left suspended
// mid-call (the kernel cannot unwind them), so callers should report it and end the
// process without running destructors (see `itera simulate`).
struct SimulationAborted : Error {
  using Error::Error;
};

SimRun simulate_trace(const Trace& trace, const AccelConfig& config, const SimOptions& options);

}  // namespace itera::hw
