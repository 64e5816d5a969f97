#include "accelerator.h"

#include <chrono>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <systemc>
#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "dram_layout.h"
#include "functional_model.h"
#include "run_stats.h"
#include "top.h"
#include "vcd_writer.h"

namespace itera::hw {

namespace {

bool g_elaborated = false;

// AddressSanitizer builds only: SystemC switches its threads' stacks without telling the
// sanitizer, which can leave it believing the main thread still runs on a SystemC
// thread's stack after the kernel returns; a later exception (a noreturn call) then
// gets a false stack-use-after-scope report (google/sanitizers#189). This tells it the
// main thread's own stack bounds again, as a fiber switch to that stack would.
void restore_main_stack_bounds() {
#if defined(__SANITIZE_ADDRESS__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* addr = nullptr;
  size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, addr, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

void prepare_kernel() {
  if (g_elaborated) throw Error("internal: SystemC allows one simulation per process");
  g_elaborated = true;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
}

}  // namespace

SimRun simulate_trace(const Trace& trace, const AccelConfig& config, const SimOptions& options) {
  if (!options.fault.empty() && options.fault != "drop-dram-response" &&
      options.fault != "functional-corrupt-intermediate" && options.fault != "functional-drop-read-back")
    throw Error(fmt::format("unknown fault '{}'; allowed: drop-dram-response, functional-corrupt-intermediate, "
                            "functional-drop-read-back",
                            options.fault));
  if (options.fault.rfind("functional-", 0) == 0) {
    if (options.functional == nullptr) throw Error(fmt::format("the fault '{}' needs functional mode", options.fault));
    options.functional->fault = options.fault == "functional-corrupt-intermediate"
                                    ? FunctionalFault::CorruptIntermediate
                                    : FunctionalFault::DropReadBack;
  }
  if (options.functional != nullptr && config.memory.ideal)
    throw Error("functional mode needs a memory model (memory.ideal: false): the operands travel through DRAM");
  prepare_kernel();

  const std::vector<ArrayDesc> arrays = unit_arrays(config);
  const DramLayout layout = lay_out_ops(trace, arrays, config.buffers, config.memory.ideal);  // throws on misfits
  std::vector<OpProgress> progress(layout.tasks.size());
  std::unique_ptr<FunctionalModel> functional;
  if (options.functional != nullptr)
    functional = std::make_unique<FunctionalModel>(*options.functional, arrays, layout.tasks);
  // A waveform needs the blocks' signals to change at their cycles: every cycle meets the kernel.
  Top top("top", arrays, config.buffers, config.memory.dram, config.clock_mhz, options.fidelity, layout.tasks,
          progress, !options.vcd_path.empty());
  if (options.fault == "drop-dram-response") top.dram().drop_responses();
  if (functional) {
    top.dram().set_backing_store(&functional->build_dram_image(layout.end));
    top.set_observer(functional.get());
  }
  top.watchdog_cycles = watchdog_bound(layout.tasks, arrays);
  std::optional<VcdWriter> vcd;
  if (!options.vcd_path.empty()) vcd.emplace(options.vcd_path, top);

  const auto t0 = std::chrono::steady_clock::now();
  run_kernel(top.clocking(), layout.tasks, progress, options.progress);
  restore_main_stack_bounds();
  const auto t1 = std::chrono::steady_clock::now();

  if (top.failure().failed()) throw SimulationAborted(top.failure().message);
  if (!top.all_finished())
    throw SimulationAborted(fmt::format("deadlock: the simulation ran out of events at cycle {} with work left; "
                                        "blocked:{}",
                                        top.clocking().now_cycle(), top.blocked_report()));
  if (functional) functional->finish();
  SimRun run = collect_run(top, layout.tasks, progress, config.memory.ideal);
  run.arrays = arrays;
  run.wall_seconds = std::chrono::duration<double>(t1 - t0).count();
  if (vcd) vcd->finish();
  return run;
}

}  // namespace itera::hw
