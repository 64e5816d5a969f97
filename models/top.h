#pragma once
// The accelerator top: the clock (cycle fidelity only), one compute unit per array
// (the array, its weight / input / output SRAMs and its DMA controller), the DRAM
// block they share over TLM-2.0 sockets, a monitor that stops the kernel when every
// controller has finished, and (cycle fidelity) a watchdog that reports a deadlock
// when no block makes progress.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "accel_config.h"
#include "clocking.h"
#include "dma_controller.h"
#include "dram.h"
#include "op_progress.h"
#include "op_task.h"
#include "pe_array.h"
#include "sim_failure.h"
#include "sram.h"
#include "tile_observer.h"
#include "units.h"

namespace itera::hw {

// One compute unit: an array with its three SRAMs and its DMA controller.
struct ComputeUnit {
  ArrayDesc desc;
  PerBuffer<std::unique_ptr<Sram>> srams;
  std::unique_ptr<PeArray> array;
  std::unique_ptr<DmaController> dma;
};

class Top : public sc_core::sc_module {
 public:
  // One unit per entry of `arrays` (unit_arrays()), each with `buffers`; the DRAM block
  // serves `memory`; the clock runs at `clock_mhz`.
  Top(const sc_core::sc_module_name& name, const std::vector<ArrayDesc>& arrays, const BuffersConfig& buffers,
      const DramConfig& memory, double clock_mhz, Fidelity fidelity, const std::vector<OpTask>& tasks,
      std::vector<OpProgress>& progress, bool clock_every_cycle = false);

  const Clocking& clocking() const { return clocking_; }
  SimFailure& failure() { return failure_; }
  Dram& dram() { return *dram_; }
  const Dram& dram() const { return *dram_; }
  const std::vector<ComputeUnit>& units() const { return units_; }
  const ComputeUnit& unit(Unit u) const { return units_[static_cast<size_t>(index_of(u))]; }
  sc_core::sc_clock* clock() const { return clock_.get(); }
  void set_observer(TileObserver* observer);
  bool all_finished() const;
  // Who is waiting on what, for deadlock reports.
  std::string blocked_report() const;

  // The longest a healthy run can go without any block making progress (cycle fidelity).
  int64_t watchdog_cycles = 0;

 private:
  SC_HAS_PROCESS(Top);
  void monitor();
  void watchdog();
  int64_t progress_count() const;

  Clocking clocking_;
  SimFailure failure_;
  std::unique_ptr<sc_core::sc_clock> clock_;
  std::unique_ptr<Dram> dram_;
  std::vector<ComputeUnit> units_;
  sc_core::sc_event finished_;
};

// A watchdog bound far above the slowest tile and the slowest transfer:
// 64 x (the slowest tile's classic cycles + its bytes at 1 byte/cycle) + 10^6.
int64_t watchdog_bound(const std::vector<OpTask>& tasks, const std::vector<ArrayDesc>& arrays);

}  // namespace itera::hw
