#include "top.h"

#include <fmt/format.h>

#include "fold_timing.h"
#include "memory_core.h"

namespace itera::hw {

Top::Top(const sc_core::sc_module_name& name, const std::vector<ArrayDesc>& arrays, const BuffersConfig& buffers,
         const DramConfig& memory, double clock_mhz, Fidelity fidelity, const std::vector<OpTask>& tasks,
         std::vector<OpProgress>& progress, bool clock_every_cycle)
    : sc_module(name), clocking_(clock_mhz) {
  // The cycle fidelity steps every cycle of the arrays and every DRAM clock. With
  // clock_every_cycle (waveforms) the blocks meet the kernel at every clock edge of an
  // sc_clock; otherwise each block steps its cycles by itself and meets the kernel where
  // blocks interact (a tile's end, a transfer's end), as TLM-2.0's temporal decoupling
  // does. The fast fidelity has no clock at all (its blocks wait exact latencies).
  if (fidelity == Fidelity::Cycle && clock_every_cycle)
    clock_ = std::make_unique<sc_core::sc_clock>("clk", clocking_.period);
  dram_ = std::make_unique<Dram>("dram", make_memory_core(memory), fidelity, clocking_, clock_.get(), &failure_);
  for (const ArrayDesc& desc : arrays) {
    ComputeUnit u;
    u.desc = desc;
    const std::string prefix = desc.unit == Unit::Main ? "" : "lowrank_";
    PerBuffer<Sram*> srams;
    for (Buffer b : kBuffers) {
      u.srams[b] = std::make_unique<Sram>((prefix + to_string(b) + "_sram").c_str(),
                                          buffer_config(buffers, b));
      srams[b] = u.srams[b].get();
    }
    u.array = std::make_unique<PeArray>((prefix + "pe_array").c_str(), desc, buffers, srams, fidelity,
                                        clocking_, clock_.get(), static_cast<int>(tasks.size()));
    u.dma = std::make_unique<DmaController>((prefix + "dma").c_str(), desc.unit, buffers, *u.array, srams,
                                            clocking_, tasks, progress, &failure_, finished_);
    u.dma->socket.bind(dram_->socket);
    units_.push_back(std::move(u));
  }
  SC_THREAD(monitor);
  if (fidelity == Fidelity::Cycle) SC_THREAD(watchdog);
}

void Top::set_observer(TileObserver* observer) {
  for (ComputeUnit& u : units_) {
    u.array->set_observer(observer);
    u.dma->set_observer(observer);
  }
}

bool Top::all_finished() const {
  for (const ComputeUnit& u : units_)
    if (!u.dma->finished()) return false;
  return true;
}

std::string Top::blocked_report() const {
  std::string out;
  for (const ComputeUnit& u : units_) {
    if (u.dma->finished()) continue;
    out += fmt::format("\n  {}: {}", u.dma->name(), u.dma->status());
    out += fmt::format("\n  {}: {} tile jobs finished", u.array->name(), u.array->jobs_done());
  }
  out += fmt::format("\n  {}: {}", dram_->name(), dram_->status());
  return out;
}

void Top::monitor() {
  while (!all_finished()) sc_core::wait(finished_);
  sc_core::sc_stop();
}

int64_t Top::progress_count() const {
  int64_t n = static_cast<int64_t>(dram_->core().stats().bursts);
  for (const ComputeUnit& u : units_) n += u.array->jobs_done() + u.dma->counters().transfers;
  return n;
}

void Top::watchdog() {
  int64_t last = -1;
  for (;;) {
    sc_core::wait(clocking_.cycles(watchdog_cycles));
    const int64_t now = progress_count();
    if (now == last && !all_finished()) {
      failure_.raise(fmt::format("deadlock: no block made progress for {} cycles (at cycle {}); blocked:{}",
                                 watchdog_cycles, clocking_.now_cycle(), blocked_report()));
      return;
    }
    last = now;
  }
}

int64_t watchdog_bound(const std::vector<OpTask>& tasks, const std::vector<ArrayDesc>& arrays) {
  int64_t worst = 0;
  for (const OpTask& t : tasks) {
    const ArrayDesc& a = array_of(arrays, t.unit);
    const FoldPlan fp =
        plan_folds(a.dataflow, a.rows, a.cols, t.plan.pack, t.plan.tile.mt, t.plan.tile.kt, t.plan.tile.nt);
    const int64_t bytes = t.tile_bytes.w + t.tile_bytes.x + 2 * t.tile_bytes.y;
    worst = std::max(worst, classic_cycles(fp) + bytes);
  }
  return 64 * worst + 1000000;
}

}  // namespace itera::hw
