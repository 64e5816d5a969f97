#include "sim_progress.h"

#include <algorithm>
#include <chrono>

#include <systemc>

namespace itera::hw {

namespace {

SimProgress progress_now(const Clocking& clocking, const std::vector<OpTask>& tasks,
                         const std::vector<OpProgress>& progress, double elapsed) {
  SimProgress p;
  p.cycle = clocking.now_cycle();
  p.ops = static_cast<int>(tasks.size());
  p.elapsed_seconds = elapsed;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const int64_t steps = tasks[i].plan.steps();
    const OpProgress& op = progress[i];
    p.tiles += steps;
    if (op.done) {
      ++p.ops_done;
      p.tiles_done += steps;
      continue;
    }
    // jobs_left is set when the op's controller starts; the op has begun once it has a start cycle.
    if (op.start_cycle >= 0) p.tiles_done += std::clamp<int64_t>(steps - op.jobs_left, 0, steps);
    if (p.current_op < 0) {
      p.current_op = static_cast<int>(i);
      p.current_name = tasks[i].op != nullptr ? tasks[i].op->name : std::string();
    }
  }
  return p;
}

}  // namespace

void run_kernel(const Clocking& clocking, const std::vector<OpTask>& tasks, const std::vector<OpProgress>& progress,
                const ProgressHook* hook) {
  if (hook == nullptr || !hook->report) {
    sc_core::sc_start();
    return;
  }
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(hook->interval_seconds, 0.001)));
  auto next_report = start + 2 * interval;
  // Slices of simulated time; a slice's length adapts to take 25..100 ms of wall time.
  int64_t slice = int64_t{1} << 12;
  constexpr int64_t kMaxSlice = int64_t{1} << 40;
  for (bool first = true;; first = false) {
    if (!first && (sc_core::sc_get_status() == sc_core::SC_STOPPED || !sc_core::sc_pending_activity())) return;
    sc_core::sc_time step = clocking.cycles(slice);
    const sc_core::sc_time room = sc_core::sc_max_time() - sc_core::sc_time_stamp();
    if (step > room) step = room;
    const auto before = Clock::now();
    sc_core::sc_start(step, sc_core::SC_EXIT_ON_STARVATION);
    const auto now = Clock::now();
    const double took = std::chrono::duration<double>(now - before).count();
    if (took < 0.025 && slice < kMaxSlice) slice *= 2;
    if (took > 0.1 && slice > 1) slice /= 2;
    if (now >= next_report && sc_core::sc_get_status() != sc_core::SC_STOPPED) {
      hook->report(progress_now(clocking, tasks, progress, std::chrono::duration<double>(now - start).count()));
      next_report = now + interval;
    }
  }
}

}  // namespace itera::hw
