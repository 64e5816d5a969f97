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

SramCounters minus(const SramCounters& a, const SramCounters& b) {
  return {a.read_bytes - b.read_bytes, a.write_bytes - b.write_bytes, a.reads - b.reads, a.writes - b.writes};
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

  int64_t frontier = 0;
  std::vector<ArrayCounters> prev_array(top.units().size());
  std::vector<PerBuffer<SramCounters>> prev_sram(top.units().size());
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
    r.total_cycles = std::max<int64_t>(0, p.done_cycle - frontier);
    frontier = std::max(frontier, p.done_cycle);
    r.array = minus(p.array_at_done, prev_array[ui]);
    prev_array[ui] = p.array_at_done;
    for (Buffer b : kBuffers) {
      r.sram[b] = minus(p.sram_at_done[b], prev_sram[ui][b]);
      prev_sram[ui][b] = p.sram_at_done[b];
    }
    r.dma = p.dma;
    r.macs = array.op_macs(t.index);
    r.pe_active = array.op_pe_active(t.index);
    r.folds = array.op_folds(t.index);
    run.ops.push_back(r);
  }
  run.makespan_cycles = frontier;
  return run;
}

}  // namespace itera::hw
