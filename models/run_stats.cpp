#include "run_stats.h"

#include <algorithm>

#include "top.h"

namespace itera::hw {

namespace {

ArrayCounters minus(const ArrayCounters& a, const ArrayCounters& b) {
  ArrayCounters d;
  d.compute = a.compute - b.compute;
  d.bank_stall = a.bank_stall - b.bank_stall;
  d.dram_stall = a.dram_stall - b.dram_stall;
  d.dep_stall = a.dep_stall - b.dep_stall;
  d.idle = a.idle - b.idle;
  return d;
}

// The unit whose progress partitions the timeline (sim_run.h).
Unit timeline_unit(const std::vector<OpTask>& tasks) {
  for (const OpTask& t : tasks)
    if (t.unit == Unit::Main) return Unit::Main;
  return Unit::LowRank;
}

// Sets each op's own counters and, for the timeline unit's ops, its window and the
// array's counters in it.
void assign_windows(const Top& top, const std::vector<OpTask>& tasks, int64_t makespan, std::vector<OpResult>& ops) {
  const Unit timeline = timeline_unit(tasks);
  for (const ComputeUnit& u : top.units()) {
    const PeArray& array = *u.array;
    int64_t prev_end = 0;
    ArrayCounters prev, last_base;
    OpResult* last = nullptr;
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].unit != u.desc.unit) continue;
      OpResult& r = ops[i];
      const ArrayCounters& at_end = array.op_counters_at_end(tasks[i].index);
      r.own = minus(at_end, prev);
      if (u.desc.unit == timeline) {
        r.window_start = prev_end;
        r.window_end = r.compute_end;
        r.array = r.own;
      } else {
        r.window_start = r.window_end = r.compute_end;
      }
      last_base = prev;
      last = &r;
      prev_end = r.compute_end;
      prev = at_end;
    }
    if (u.desc.unit == timeline && last != nullptr) {
      // The last window runs to the makespan, when the kernel stopped.
      last->window_end = makespan;
      last->array = minus(array.counters_now(), last_base);
    }
  }
  for (OpResult& r : ops) r.total_cycles = r.window_end - r.window_start;
}

// Each window's share of the DRAM traffic: every transfer's bytes spread evenly over the
// cycles [start, end) it was served.
void attribute_dram_bytes(const Top& top, std::vector<OpResult>& ops) {
  std::vector<OpResult*> windows;  // non-empty, in time order (they partition the timeline)
  for (OpResult& r : ops)
    if (r.total_cycles > 0) windows.push_back(&r);
  const auto ends_after = [](int64_t cycle, const OpResult* w) { return cycle < w->window_end; };
  for (const ComputeUnit& u : top.units()) {
    for (const ServedTransfer& t : u.dma->served()) {
      if (t.end <= t.start) continue;
      const double per_cycle = static_cast<double>(t.bytes) / static_cast<double>(t.end - t.start);
      for (auto w = std::upper_bound(windows.begin(), windows.end(), t.start, ends_after);
           w != windows.end() && (*w)->window_start < t.end; ++w) {
        const int64_t overlap = std::min(t.end, (*w)->window_end) - std::max(t.start, (*w)->window_start);
        (*w)->window_dram_bytes += per_cycle * static_cast<double>(overlap);
      }
    }
  }
}

}  // namespace

SimRun collect_run(const Top& top, const std::vector<OpTask>& tasks, const std::vector<OpProgress>& progress,
                   bool ideal) {
  SimRun run;
  run.clock_period_ns = top.clocking().period_ns();
  for (const ComputeUnit& u : top.units())
    (u.desc.unit == Unit::Main ? run.pes_main : run.pes_lowrank) = u.desc.pes();
  run.dram = top.dram().core().stats();
  run.dram_description = ideal ? std::string("ideal (no DRAM)") : top.dram().core().describe();
  run.dram_peak_bytes_per_cycle = ideal ? 0.0 : top.dram().peak_bytes_per_cycle();

  int64_t makespan = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const OpTask& t = tasks[i];
    const OpProgress& p = progress[i];
    const size_t ui = static_cast<size_t>(index_of(t.unit));
    const PeArray& array = *top.units()[ui].array;
    OpResult r;
    r.index = t.index;
    r.unit = t.unit;
    r.plan = t.plan;
    r.start_cycle = p.start_cycle < 0 ? 0 : p.start_cycle;
    r.done_cycle = p.done_cycle;
    r.compute_start = array.op_compute_start(t.index);
    r.compute_end = array.op_compute_end(t.index);
    makespan = std::max(makespan, p.done_cycle);
    for (Buffer b : kBuffers) r.sram[b] = top.units()[ui].srams[b]->op_counters(t.index);
    r.dma = p.dma;
    r.dram_reads = p.dram_reads;
    r.dram_writes = p.dram_writes;
    r.macs = array.op_macs(t.index);
    r.pe_active = array.op_pe_active(t.index);
    r.folds = array.op_folds(t.index);
    r.sram_port_cycles = array.op_sram_port_cycles(t.index);
    run.ops.push_back(r);
  }
  run.makespan_cycles = makespan;
  assign_windows(top, tasks, makespan, run.ops);
  attribute_dram_bytes(top, run.ops);
  return run;
}

}  // namespace itera::hw
