#pragma once
// The processing-element array: one SC_THREAD for the whole array (never one per PE).
// It takes tile jobs from its DMA controller in order and runs their folds.
//
//   cycle fidelity: the thread waits on every rising clock edge; each cycle it asks the
//     SRAMs for port grants, advances the fold's wavefront one step and counts the PEs
//     it keeps busy (the anti-diagonal occupancy of a skewed systolic wavefront);
//   fast fidelity: the same phases, each advanced in one wait() by its exact length
//     from fold_work.h.
// Both put every cycle in exactly one bucket of ArrayCounters (compute, port stall,
// DRAM stall, dependency stall, idle), in the same order, so snapshots taken at any
// time agree between the fidelities.
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>

#include "accel_config.h"
#include "clocking.h"
#include "fidelity.h"
#include "fold_work.h"
#include "hw_stats.h"
#include "tile_job.h"
#include "tile_observer.h"
#include "units.h"

namespace itera::hw {

class Sram;

enum class ArrayState { Compute = 0, BankStall = 1, DramStall = 2, DepStall = 3, Idle = 4 };

class PeArray : public sc_core::sc_module {
 public:
  PeArray(const sc_core::sc_module_name& name, const ArrayDesc& array, const BuffersConfig& buffers,
          const PerBuffer<Sram*>& srams, Fidelity fidelity, const Clocking& clocking, sc_core::sc_clock* clock,
          int ops);

  const ArrayDesc& array() const { return array_; }

  // Controller side.
  void push(const TileJob& job);
  int64_t jobs_done() const { return jobs_done_; }
  const sc_core::sc_event& job_done_event() const { return job_done_; }
  // Why the array waits when its queue runs dry: DramStall, DepStall or Idle.
  void set_wait_cause(ArrayState cause);

  // Counters as of the current kernel time.
  ArrayCounters counters_now() const;
  int64_t op_macs(int op) const { return op_macs_[op]; }
  int64_t op_pe_active(int op) const { return op_pe_active_[op]; }
  int64_t op_folds(int op) const { return op_folds_[op]; }
  // The cycles the SRAM ports alone needed for an op's accesses (sram_port_cycles()).
  int64_t op_sram_port_cycles(int op) const { return op_sram_port_cycles_[op]; }
  // When the array began an op's first tile and finished its last one (-1: not yet),
  // and its counters at that end.
  int64_t op_compute_start(int op) const { return op_compute_start_[op]; }
  int64_t op_compute_end(int op) const { return op_compute_end_[op]; }
  const ArrayCounters& op_counters_at_end(int op) const { return op_counters_at_end_[op]; }

  const sc_core::sc_signal<int, sc_core::SC_UNCHECKED_WRITERS>& state_signal() const { return state_sig_; }

  // Tells `observer` (functional mode) about every computed tile.
  void set_observer(TileObserver* observer) { observer_ = observer; }

 private:
  SC_HAS_PROCESS(PeArray);
  void run();
  void run_tile_fast(const TileJob& job, const TileWork& work);
  void run_tile_cycle(const TileJob& job, const TileWork& work);
  void count_sram_traffic(const TileWork& work, int op);
  // A fold's skewed wavefront over used rows x cols PEs streaming t values, `start`
  // cycles after it entered the corner; `tally` counts the PE-cycles it has kept busy.
  struct Wavefront {
    int64_t rows = 0, cols = 0, t = 0, start = 0, tally = 0;
  };
  // Cycle fidelity: one phase of a fold, cycle by cycle, until at least `min_cycles` have
  // passed and every buffer has been granted its accesses. Cycles below `compute_cycles`
  // are compute, the rest port stalls. Advances `wf` (when given) one step per cycle.
  // Returns the cycles spent.
  // With a clock, every cycle waits for its clock edge and opens its state; without
  // (temporal decoupling), the cycles' states are appended to `steps` and the tile's time
  // passes at its end (run_segments).
  int64_t cycle_phase(int64_t min_cycles, int64_t compute_cycles, const PerBuffer<int64_t>& acc,
                      Wavefront* wf = nullptr);

  void open(ArrayState s);  // the current interval ends now; a new one in state s begins
  struct Segment {
    ArrayState state;
    int64_t cycles;
  };
  void add_segment(std::vector<Segment>& segs, ArrayState s, int64_t cycles) const;
  // A tile whose cycles' states are known: its time passes in one wait(), and
  // counters_now() reads the states of the cycles passed so far.
  void run_segments(std::vector<Segment> segs);
  std::vector<Segment> steps_;  // the cycle fidelity without a clock: the tile's states so far

  ArrayDesc array_;
  BuffersConfig buffer_config_;
  Fidelity fidelity_;
  Clocking clocking_;
  sc_core::sc_clock* clock_;  // null in the fast fidelity, and in the cycle fidelity without waveforms
  PerBuffer<Sram*> srams_;

  std::deque<TileJob> queue_;
  sc_core::sc_event job_arrived_, job_done_;
  int64_t jobs_done_ = 0;
  bool primed_ = false;
  bool waiting_ = false;  // blocked for want of a job (its time goes to wait_cause_)
  ArrayState wait_cause_ = ArrayState::Idle;

  // Time accounting: closed intervals, plus the open one (or, in fast fidelity, the
  // segments of the tile in flight).
  int64_t closed_[5] = {0, 0, 0, 0, 0};
  ArrayState open_state_ = ArrayState::Idle;
  int64_t open_since_ = 0;
  std::vector<Segment> tile_segments_;
  int64_t tile_start_ = 0;
  bool tile_in_flight_ = false;

  int64_t macs_ = 0, pe_active_ = 0, folds_ = 0;
  std::vector<int64_t> op_macs_, op_pe_active_, op_folds_, op_sram_port_cycles_;
  std::vector<int64_t> op_compute_start_, op_compute_end_;
  std::vector<ArrayCounters> op_counters_at_end_;
  sc_core::sc_signal<int, sc_core::SC_UNCHECKED_WRITERS> state_sig_;
  TileObserver* observer_ = nullptr;
};

// Number of PEs (i, j) of an r x c grid with i + j <= s: the PEs a skewed wavefront has
// reached s cycles after it entered the corner.
int64_t wavefront_reached(int64_t r, int64_t c, int64_t s);

}  // namespace itera::hw
