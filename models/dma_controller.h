#pragma once
// The controller + DMA of one unit: one SC_THREAD that walks each of the unit's ops'
// tile loop nests (models/arch/tile_plan.h), moves tiles between DRAM and the SRAM
// buffers over a TLM-2.0 initiator socket (blocking transport), hands tile jobs to the
// array, and writes finished output tiles back.
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
#include "op_progress.h"
#include "op_task.h"
#include "sim_failure.h"
#include "tile_observer.h"
#include "units.h"

namespace itera::hw {

class PeArray;
class Sram;

class DmaController : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DmaController> socket;

  DmaController(const sc_core::sc_module_name& name, Unit unit, const BuffersConfig& buffers, PeArray& array,
                const PerBuffer<Sram*>& srams, const Clocking& clocking, const std::vector<OpTask>& tasks,
                std::vector<OpProgress>& progress, SimFailure* failure, sc_core::sc_event& finished_event);

  bool finished() const { return finished_; }
  // Tells `observer` (functional mode) about every loaded and finished tile.
  void set_observer(TileObserver* observer) { observer_ = observer; }
  std::string status() const;
  const DmaCounters& counters() const { return counters_; }
  // Every transfer the memory served for this DMA, in order.
  const std::vector<ServedTransfer>& served() const { return served_; }

 private:
  SC_HAS_PROCESS(DmaController);
  // A step handed to the array and not yet written back.
  struct Pushed {
    int op;
    TileStep step;
  };

  void run();
  // Takes note of the jobs the array finished since the last look.
  void collect_finished();
  // Writes back the oldest finished output tile (reading it first to accumulate). False on failure.
  bool write_back();
  // Loads the operands of the next step and hands it to the array, if a buffer half is free.
  // Sets `pushed`; false on failure.
  bool load_next(bool& pushed);
  // One DRAM transfer of op `op`'s tile in `buffer`; blocks until the memory answers.
  // False (after raising) on error.
  bool transfer(int op, Buffer buffer, uint64_t addr, int64_t bytes, bool write);
  void complete_op(int op);
  void finish_output(int op, const TileStep& step);

  Unit unit_;
  int depth_, out_depth_;  // tile jobs in flight; output tiles open
  PeArray& array_;
  PerBuffer<Sram*> srams_;
  Clocking clocking_;
  const std::vector<OpTask>& tasks_;
  std::vector<OpProgress>& progress_;
  SimFailure* failure_;
  sc_core::sc_event& finished_event_;
  bool finished_ = false;
  // What the controller is doing, for status(): formatted only when asked (a deadlock
  // report), not at every tile.
  enum class Doing : uint8_t { NotStarted, WaitsForOtherArray, ReadsBack, WritesBack, Loads, WaitsForArray, Finished };
  Doing doing_ = Doing::NotStarted;
  int doing_op_ = 0, doing_target_ = 0;  // the op concerned; the op waited for
  int64_t doing_step_ = 0;               // Loads: the step being loaded
  DmaCounters counters_;
  std::vector<ServedTransfer> served_;
  std::vector<uint8_t> scratch_;
  TileObserver* observer_ = nullptr;

  // Walk state.
  std::vector<int> mine_;       // this unit's ops, in trace order
  size_t next_op_ = 0;          // index into mine_
  int64_t next_step_ = 0;       // step of that op
  std::deque<Pushed> inflight_; // handed to the array, not yet finished, in order
  std::deque<Pushed> writebacks_;
  int64_t seen_done_ = 0;
  int open_outputs_ = 0;        // output tiles started and not yet written back (or finished)
};

}  // namespace itera::hw
