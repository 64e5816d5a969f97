#pragma once
// The controller + DMA of one PE array: one SC_THREAD that walks each op's tile loop
// nest (sim/tile_plan.h), moves tiles between DRAM and the SRAM buffers over a TLM-2.0
// initiator socket (blocking transport), hands tile jobs to the array, and writes
// finished output tiles back.
//
// Prefetch and double buffering: while the array computes step s the DMA loads step
// s + 1 into the other buffer halves (with single-buffered weight or input SRAM it
// waits until the array is done). A new output tile may start while the previous one
// is still waiting for write-back only when the output SRAM is double-buffered. The
// DMA runs ahead across op boundaries, so the next op's first tiles load under the
// current op's last folds. Write-backs go before loads.
//
// An op that accumulates into an op on the other array (compensated form, dedicated
// low-rank datapath) waits for that op to complete before its first read-modify-write
// of the output: a dependency stall.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "accel_config.h"
#include "clocking.h"
#include "functional_data.h"
#include "op_task.h"
#include "sim_failure.h"

namespace itera::hw {

class PeArray;
class Sram;

class DmaController : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DmaController> socket;

  DmaController(const sc_core::sc_module_name& name, int unit, const AccelConfig& config, PeArray& array,
                Sram* weight, Sram* input, Sram* output, const Clocking& clocking, const std::vector<OpTask>& tasks,
                std::vector<OpProgress>& progress, SimFailure* failure, sc_core::sc_event& finished_event);

  bool finished() const { return finished_; }
  void set_functional(FunctionalData* data) { functional_ = data; }
  std::string status() const { return status_; }
  const DmaCounters& counters() const { return counters_; }

 private:
  SC_HAS_PROCESS(DmaController);
  void run();
  // One DRAM transfer; blocks until the memory answers. False (after raising) on error.
  bool transfer(int op, uint64_t addr, int64_t bytes, bool write);
  void complete_op(int op);
  // Functional mode: the finished accumulators of an output tile (from the output SRAM)
  // go into the op's result, and the tile's payload carries them at abits (saturated).
  void record_output(int op, const TileStep& step);

  int unit_;
  AccelConfig config_;
  PeArray& array_;
  Sram* buffers_[3];
  Clocking clocking_;
  const std::vector<OpTask>& tasks_;
  std::vector<OpProgress>& progress_;
  SimFailure* failure_;
  sc_core::sc_event& finished_event_;
  bool finished_ = false;
  std::string status_ = "not started";
  DmaCounters counters_;
  std::vector<unsigned char> scratch_;
  FunctionalData* functional_ = nullptr;
};

}  // namespace itera::hw
