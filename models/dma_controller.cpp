#include "dma_controller.h"

#include <algorithm>

#include <fmt/format.h>

#include "dram.h"
#include "fold_work.h"
#include "pe_array.h"
#include "sram.h"

namespace itera::hw {

DmaController::DmaController(const sc_core::sc_module_name& name, int unit, const AccelConfig& config,
                             PeArray& array, Sram* weight, Sram* input, Sram* output, const Clocking& clocking,
                             const std::vector<OpTask>& tasks, std::vector<OpProgress>& progress,
                             SimFailure* failure, sc_core::sc_event& finished_event)
    : sc_module(name),
      socket("socket"),
      unit_(unit),
      config_(config),
      array_(array),
      buffers_{weight, input, output},
      clocking_(clocking),
      tasks_(tasks),
      progress_(progress),
      failure_(failure),
      finished_event_(finished_event) {
  SC_THREAD(run);
}

bool DmaController::transfer(int op, uint64_t addr, int64_t bytes, bool write) {
  if (bytes <= 0) return true;
  if (scratch_.size() < static_cast<size_t>(bytes)) scratch_.resize(static_cast<size_t>(bytes));
  tlm::tlm_generic_payload trans;
  DramTransferInfo info;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(addr);
  trans.set_data_ptr(scratch_.data());
  trans.set_data_length(static_cast<unsigned>(bytes));
  trans.set_streaming_width(static_cast<unsigned>(bytes));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  trans.set_extension(&info);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const int64_t start = clocking_.now_cycle();
  socket->b_transport(trans, delay);
  if (delay > sc_core::SC_ZERO_TIME) sc_core::wait(delay);
  trans.clear_extension(&info);
  if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) {
    failure_->raise(fmt::format("DMA '{}': the memory answered {} to a {} of {} bytes at 0x{:x}", name(),
                                trans.get_response_string(), write ? "write" : "read", bytes, addr));
    return false;
  }
  const int64_t busy = clocking_.now_cycle() - start;
  for (DmaCounters* c : {&counters_, &progress_[op].dma}) {
    (write ? c->write_bytes : c->read_bytes) += bytes;
    c->transfers += 1;
    c->busy_cycles += busy;
    c->bursts += static_cast<int64_t>(info.bursts);
    c->row_hits += static_cast<int64_t>(info.row_hits);
    c->row_misses += static_cast<int64_t>(info.row_misses);
    c->row_conflicts += static_cast<int64_t>(info.row_conflicts);
  }
  return true;
}

void DmaController::complete_op(int op) {
  OpProgress& p = progress_[op];
  p.done = true;
  p.done_cycle = clocking_.now_cycle();
  p.array_at_done = array_.counters_now();
  for (int b = 0; b < 3; ++b) p.sram_at_done[b] = buffers_[b]->counters();
  p.done_event->notify(sc_core::SC_ZERO_TIME);
}

void DmaController::record_output(int op, const TileStep& step) {
  if (functional_ == nullptr) return;
  FunctionalOp& f = functional_->ops[static_cast<size_t>(op)];
  const TilePlan& plan = tasks_[static_cast<size_t>(op)].plan;
  const std::vector<int64_t>& acc = buffers_[kOutput]->accumulators(tile_key(op, 'y', step.mi, step.ni));
  const int64_t m0 = step.mi * plan.tile.mt, n0 = step.ni * plan.tile.nt;
  std::vector<int16_t> saturated(acc.size());
  const int64_t hi = (int64_t{1} << (f.abits - 1)) - 1, lo = -hi - 1;
  for (int64_t m = 0; m < step.dims.mt; ++m)
    for (int64_t n = 0; n < step.dims.nt; ++n) {
      const int64_t v = acc[static_cast<size_t>(m * step.dims.nt + n)];
      f.y[static_cast<size_t>((m0 + m) * f.n + n0 + n)] = v;
      saturated[static_cast<size_t>(m * step.dims.nt + n)] = static_cast<int16_t>(std::clamp(v, lo, hi));
    }
  if (!step.write_y) return;
  const std::vector<uint8_t> bytes = pack_codes(saturated, f.abits);
  if (scratch_.size() < bytes.size()) scratch_.resize(bytes.size());
  std::copy(bytes.begin(), bytes.end(), scratch_.begin());
}

void DmaController::run() {
  std::vector<int> mine;
  for (const OpTask& t : tasks_) {
    if (t.unit != unit_) continue;
    mine.push_back(t.index);
    OpProgress& p = progress_[t.index];
    p.jobs_left = t.plan.steps();
    p.writebacks_left = t.plan.write_y && !t.plan.ideal ? t.plan.m_tiles * t.plan.n_tiles : 0;
  }
  struct Pushed {
    int op;
    TileStep step;
  };
  std::deque<Pushed> inflight;  // handed to the array, not yet finished, in order
  std::deque<Pushed> writebacks;
  int64_t seen_done = array_.jobs_done();
  int open_outputs = 0;  // output tiles started and not yet written back (or finished)
  const int depth = config_.buffers.weight.double_buffer && config_.buffers.input.double_buffer ? 2 : 1;
  const int out_depth = config_.buffers.output.double_buffer ? 2 : 1;
  size_t ti = 0;
  int64_t si = 0;
  array_.set_wait_cause(mine.empty() ? ArrayState::Idle : ArrayState::DramStall);

  for (;;) {
    if (failure_->failed()) return;
    // Jobs the array has finished since we last looked.
    while (!inflight.empty() && seen_done < array_.jobs_done()) {
      const Pushed p = inflight.front();
      inflight.pop_front();
      ++seen_done;
      OpProgress& prog = progress_[p.op];
      --prog.jobs_left;
      const TilePlan& plan = tasks_[p.op].plan;
      if (p.step.write_y)
        writebacks.push_back(p);
      else if (p.step.ki == plan.k_tiles - 1) {
        --open_outputs;  // the result stays on chip
        record_output(p.op, p.step);
      }
      if (prog.jobs_left == 0 && prog.writebacks_left == 0) complete_op(p.op);
    }
    // Write-backs first: they free output halves the array may be waiting for.
    if (!writebacks.empty()) {
      const Pushed w = writebacks.front();
      const OpTask& task = tasks_[w.op];
      const uint64_t y_addr = task.y_addr(w.step.mi, w.step.ni);
      if (task.plan.accumulate) {
        if (task.accumulate_target >= 0) {
          OpProgress& target = progress_[task.accumulate_target];
          if (!target.done && tasks_[task.accumulate_target].unit != unit_) {
            status_ = fmt::format("op '{}' waits for op '{}' on the other array before accumulating", task.op->name,
                                  tasks_[task.accumulate_target].op->name);
            array_.set_wait_cause(ArrayState::DepStall);
            while (!target.done && !failure_->failed()) sc_core::wait(*target.done_event);
          }
        }
        status_ = fmt::format("reading back output tile of op '{}' to accumulate", task.op->name);
        array_.set_wait_cause(ArrayState::DramStall);
        if (!transfer(w.op, y_addr, w.step.y_bytes, false)) return;
        buffers_[kOutput]->count_dma_fill(w.step.y_bytes);
      }
      status_ = fmt::format("writing back an output tile of op '{}'", task.op->name);
      record_output(w.op, w.step);
      array_.set_wait_cause(ArrayState::DramStall);
      if (!transfer(w.op, y_addr, w.step.y_bytes, true)) return;
      buffers_[kOutput]->count_dma_drain(w.step.y_bytes);
      writebacks.pop_front();
      --open_outputs;
      OpProgress& prog = progress_[w.op];
      --prog.writebacks_left;
      if (prog.jobs_left == 0 && prog.writebacks_left == 0) complete_op(w.op);
      continue;
    }
    // The next step's tiles, if a buffer half is free.
    if (ti < mine.size()) {
      const OpTask& task = tasks_[mine[ti]];
      const TilePlan& plan = task.plan;
      const TileStep step = tile_step(plan, *task.op, si);
      const bool opens_output = step.ki == 0;
      if (static_cast<int>(inflight.size()) < depth && (!opens_output || open_outputs < out_depth)) {
        OpProgress& prog = progress_[task.index];
        if (prog.start_cycle < 0) prog.start_cycle = clocking_.now_cycle();
        status_ = fmt::format("loading tile {} of {} of op '{}'", si + 1, plan.steps(), task.op->name);
        array_.set_wait_cause(ArrayState::DramStall);
        // One operand tile from DRAM into its buffer (and, in functional mode, its bytes).
        const auto load = [&](int buf, uint64_t addr, int64_t bytes, uint64_t key) {
          if (!transfer(task.index, addr, bytes, false)) return false;
          buffers_[buf]->count_dma_fill(bytes);
          if (functional_ != nullptr) buffers_[buf]->store(key, scratch_.data(), static_cast<size_t>(bytes));
          return true;
        };
        if (step.load_w && !load(kWeight, task.w_addr(step.ki, step.ni), step.w_bytes,
                                 tile_key(task.index, 'w', step.ki, step.ni)))
          return;
        if (step.load_x && !load(kInput, task.x_addr(step.mi, step.ki), step.x_bytes,
                                 tile_key(task.index, 'x', step.mi, step.ki)))
          return;
        TileJob job;
        job.op = task.index;
        job.desc = task.op;
        job.dims = step.dims;
        job.accumulate_psums = step.ki > 0;
        job.first_of_op = si == 0;
        job.last_of_op = si == plan.steps() - 1;
        job.pack = plan.pack;
        job.mi = step.mi;
        job.ki = step.ki;
        job.ni = step.ni;
        job.m0 = step.mi * plan.tile.mt;
        job.k0 = step.ki * plan.tile.kt;
        job.n0 = step.ni * plan.tile.nt;
        job.input_on_chip = !plan.load_x;
        array_.push(job);
        inflight.push_back({task.index, step});
        if (opens_output) ++open_outputs;
        if (++si == plan.steps()) {
          si = 0;
          ++ti;
        }
        continue;
      }
    }
    if (ti == mine.size() && inflight.empty() && writebacks.empty()) break;
    status_ = "waiting for the PE array to finish a tile";
    sc_core::wait(array_.job_done_event());
  }
  status_ = "finished";
  array_.set_wait_cause(ArrayState::Idle);
  finished_ = true;
  finished_event_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace itera::hw
