#include "pe_array.h"

#include <algorithm>

#include "fold_timing.h"
#include "sram.h"

namespace itera::hw {

int64_t wavefront_reached(int64_t r, int64_t c, int64_t s) {
  if (s < 0) return 0;
  if (s >= r + c - 2) return r * c;
  const int64_t a = std::min(r - 1, s);  // last row the wavefront has entered
  int64_t total = 0, lo = 0;
  const int64_t b = std::min(a, s - c + 1);  // rows already reached across all c columns
  if (b >= 0) {
    total += (b + 1) * c;
    lo = b + 1;
  }
  if (lo <= a) {
    const int64_t n = a - lo + 1;
    total += n * (s + 1) - (lo + a) * n / 2;
  }
  return total;
}

PeArray::PeArray(const sc_core::sc_module_name& name, const ArrayDesc& array, const BuffersConfig& buffers,
                 const PerBuffer<Sram*>& srams, Fidelity fidelity, const Clocking& clocking, sc_core::sc_clock* clock,
                 int ops)
    : sc_module(name),
      array_(array),
      buffer_config_(buffers),
      fidelity_(fidelity),
      clocking_(clocking),
      clock_(clock),
      srams_(srams),
      op_macs_(ops, 0),
      op_pe_active_(ops, 0),
      op_folds_(ops, 0),
      op_sram_port_cycles_(ops, 0),
      op_compute_start_(ops, -1),
      op_compute_end_(ops, -1),
      op_counters_at_end_(ops),
      state_sig_("state") {
  SC_THREAD(run);
}

void PeArray::push(const TileJob& job) {
  queue_.push_back(job);
  job_arrived_.notify(sc_core::SC_ZERO_TIME);
}

void PeArray::set_wait_cause(ArrayState cause) {
  wait_cause_ = cause;
  if (waiting_ && open_state_ != cause) open(cause);
}

void PeArray::open(ArrayState s) {
  const int64_t now = clocking_.now_cycle();
  closed_[static_cast<int>(open_state_)] += now - open_since_;
  open_state_ = s;
  open_since_ = now;
  state_sig_.write(static_cast<int>(s));
}

void PeArray::add_segment(std::vector<Segment>& segs, ArrayState s, int64_t cycles) const {
  if (cycles <= 0) return;
  if (!segs.empty() && segs.back().state == s)
    segs.back().cycles += cycles;
  else
    segs.push_back({s, cycles});
}

ArrayCounters PeArray::counters_now() const {
  int64_t c[5];
  std::copy(closed_, closed_ + 5, c);
  const int64_t now = clocking_.now_cycle();
  if (tile_in_flight_) {
    int64_t left = now - tile_start_;
    for (const Segment& s : tile_segments_) {
      if (left <= 0) break;
      const int64_t take = std::min(left, s.cycles);
      c[static_cast<int>(s.state)] += take;
      left -= take;
    }
  } else {
    c[static_cast<int>(open_state_)] += now - open_since_;
  }
  ArrayCounters out;
  out.compute = c[0];
  out.bank_stall = c[1];
  out.dram_stall = c[2];
  out.dep_stall = c[3];
  out.idle = c[4];
  out.macs = macs_;
  out.pe_active = pe_active_;
  out.folds = folds_;
  return out;
}

void PeArray::run() {
  open(ArrayState::Idle);
  for (;;) {
    if (queue_.empty()) {
      primed_ = false;  // the pipeline drains while the array waits
      open(wait_cause_);
      waiting_ = true;
      while (queue_.empty()) sc_core::wait(job_arrived_);
      waiting_ = false;
    }
    const TileJob job = queue_.front();
    queue_.pop_front();
    if (job.first_of_op) {
      primed_ = false;
      op_compute_start_[job.op] = clocking_.now_cycle();
    }
    const TileWork work = plan_tile_work(job.shape, array_, buffer_config_);
    op_sram_port_cycles_[job.op] += sram_port_cycles(work, !primed_);
    if (fidelity_ == Fidelity::Fast)
      run_tile_fast(job, work);
    else
      run_tile_cycle(job, work);
    if (observer_ != nullptr) observer_->tile_computed(job);
    count_sram_traffic(work, job.op);
    const int64_t macs = work.macs();
    macs_ += macs;
    op_macs_[job.op] += macs;
    folds_ += work.folds();
    op_folds_[job.op] += work.folds();
    if (job.last_of_op) {
      op_compute_end_[job.op] = clocking_.now_cycle();
      op_counters_at_end_[job.op] = counters_now();
    }
    ++jobs_done_;
    job_done_.notify(sc_core::SC_ZERO_TIME);
  }
}

// The tile's SRAM traffic (identical in both fidelities): preloads and streamed operands
// are read, accumulators written.
void PeArray::count_sram_traffic(const TileWork& work, int op) {
  for (const FoldClass& f : work.classes) {
    if (f.preload_bytes > 0) srams_[work.preload_buffer]->count_array_read(f.count * f.preload_bytes, op);
    for (Buffer b : kBuffers) {
      if (f.stream_bytes[b] == 0) continue;
      if (b == Buffer::Output)
        srams_[b]->count_array_write(f.count * f.stream_bytes[b], op);
      else
        srams_[b]->count_array_read(f.count * f.stream_bytes[b], op);
    }
  }
}

void PeArray::run_tile_fast(const TileJob& job, const TileWork& work) {
  std::vector<Segment> segs;
  if (!primed_ && !work.classes.empty()) {
    const FoldCycles p = exposed_preload(work, work.classes.front());
    add_segment(segs, ArrayState::Compute, p.compute);
    add_segment(segs, ArrayState::BankStall, p.bank_stall);
  }
  primed_ = true;
  const bool classic = work.timing == ArrayTiming::Classic;
  const int64_t fill = fill_drain_cycles(array_.rows, array_.cols);
  for (const FoldClass& f : work.classes) {
    // One fold's segments, in the order the cycle fidelity visits them.
    std::vector<Segment> fold;
    if (classic) {
      if (work.preload) {
        add_segment(fold, ArrayState::Compute, array_.rows);
        add_segment(fold, ArrayState::BankStall, f.preload_cycles - array_.rows);
      }
      add_segment(fold, ArrayState::Compute, f.t);
      add_segment(fold, ArrayState::BankStall, f.stream_cycles - f.t);
      add_segment(fold, ArrayState::Compute, fill);
    } else {
      const FoldCycles c = fold_cycles(work, f);
      add_segment(fold, ArrayState::Compute, c.compute);
      add_segment(fold, ArrayState::BankStall, c.bank_stall);
    }
    if (fold.size() == 1) {
      add_segment(segs, fold[0].state, fold[0].cycles * f.count);
    } else {
      for (int64_t i = 0; i < f.count; ++i)
        for (const Segment& s : fold) add_segment(segs, s.state, s.cycles);
    }
  }
  if (job.last_of_op) add_segment(segs, ArrayState::Compute, final_drain(work));
  run_segments(std::move(segs));
  const int64_t active = work.pe_active();
  pe_active_ += active;
  op_pe_active_[job.op] += active;
}

int64_t PeArray::cycle_phase(int64_t min_cycles, int64_t compute_cycles, const PerBuffer<int64_t>& acc,
                             Wavefront* wf) {
  PerBuffer<int64_t> served;
  int64_t c = 0;
  for (;;) {
    bool done = c >= min_cycles;
    for (Buffer b : kBuffers) done = done && served[b] >= acc[b];
    if (done) return c;
    const ArrayState s = c < compute_cycles ? ArrayState::Compute : ArrayState::BankStall;
    if (clock_ == nullptr) {
      add_segment(steps_, s, 1);
    } else {
      if (s != open_state_) open(s);
      sc_core::wait(clock_->posedge_event());
    }
    // This cycle: port arbitration on each buffer, then one wavefront step.
    for (Buffer b : kBuffers) served[b] += srams_[b]->grant(acc[b] - served[b]);
    if (wf != nullptr) {
      const int64_t tau = wf->start + c;
      wf->tally += wavefront_reached(wf->rows, wf->cols, tau) - wavefront_reached(wf->rows, wf->cols, tau - wf->t);
    }
    ++c;
  }
}

void PeArray::run_segments(std::vector<Segment> segs) {
  int64_t total = 0;
  for (const Segment& s : segs) total += s.cycles;
  // Close the waiting interval; the tile's segments stand in for the open interval.
  open(ArrayState::Compute);
  tile_segments_ = std::move(segs);
  tile_start_ = clocking_.now_cycle();
  tile_in_flight_ = true;
  sc_core::wait(clocking_.cycles(total));
  for (const Segment& s : tile_segments_) closed_[static_cast<int>(s.state)] += s.cycles;
  tile_in_flight_ = false;
  open_state_ = ArrayState::Compute;
  open_since_ = clocking_.now_cycle();
}

void PeArray::run_tile_cycle(const TileJob& job, const TileWork& work) {
  const PerBuffer<int64_t> none;
  steps_.clear();
  const bool classic = work.timing == ArrayTiming::Classic;
  const int64_t fill = fill_drain_cycles(array_.rows, array_.cols);
  if (!primed_ && !work.classes.empty() && !classic && work.preload) {
    PerBuffer<int64_t> acc;
    acc[work.preload_buffer] = work.classes.front().preload_acc;
    cycle_phase(array_.rows, array_.rows, acc);
  }
  primed_ = true;
  int64_t active = 0;
  for (const FoldClass& f : work.classes) {
    PerBuffer<int64_t> preload;
    preload[work.preload_buffer] = f.preload_acc;
    for (int64_t i = 0; i < f.count; ++i) {
      if (classic) {
        // Preload, stream, then fill and drain: the whole wavefront passes inside the
        // fold, so its tally is the fold's full occupancy.
        if (work.preload) cycle_phase(array_.rows, array_.rows, preload);
        Wavefront wf{f.used_rows, f.used_cols, f.t, 0, 0};
        wf.start = cycle_phase(f.t, f.t, f.stream_acc, &wf);
        cycle_phase(fill, fill, none, &wf);
        active += wf.tally;
      } else {
        // The slot streams this fold while the next fold's stationary operand preloads;
        // the wavefront's tail completes under the next fold (or the final drain), so
        // its occupancy is counted in closed form.
        PerBuffer<int64_t> acc = f.stream_acc;
        if (work.preload) acc[work.preload_buffer] += f.preload_acc;
        const int64_t ideal = overlapped_fold_cycles(array_.rows, f.t);
        cycle_phase(ideal, ideal, acc);
        active += f.used_rows * f.used_cols * f.t;
      }
    }
  }
  if (job.last_of_op) cycle_phase(final_drain(work), final_drain(work), none);
  if (clock_ == nullptr) run_segments(std::move(steps_));
  pe_active_ += active;
  op_pe_active_[job.op] += active;
}

}  // namespace itera::hw
