#include "dma_controller.h"

#include <algorithm>

#include <fmt/format.h>

#include "dram.h"
#include "pe_array.h"
#include "sram.h"

namespace itera::hw {

DmaController::DmaController(const sc_core::sc_module_name& name, Unit unit, const BuffersConfig& buffers,
                             PeArray& array, const PerBuffer<Sram*>& srams, const Clocking& clocking,
                             const std::vector<OpTask>& tasks, std::vector<OpProgress>& progress,
                             SimFailure* failure, sc_core::sc_event& finished_event)
    : sc_module(name),
      socket("socket"),
      unit_(unit),
      depth_(buffers.weight.double_buffer && buffers.input.double_buffer ? 2 : 1),
      out_depth_(buffers.output.double_buffer ? 2 : 1),
      array_(array),
      srams_(srams),
      clocking_(clocking),
      tasks_(tasks),
      progress_(progress),
      failure_(failure),
      finished_event_(finished_event) {
  SC_THREAD(run);
}

std::string DmaController::status() const {
  const auto task = [this](int op) -> const OpTask& { return tasks_[static_cast<size_t>(op)]; };
  switch (doing_) {
    case Doing::NotStarted:
      return "not started";
    case Doing::WaitsForOtherArray:
      return fmt::format("op '{}' waits for op '{}' on the other array before accumulating", task(doing_op_).op->name,
                         task(doing_target_).op->name);
    case Doing::ReadsBack:
      return fmt::format("reading back output tile of op '{}' to accumulate", task(doing_op_).op->name);
    case Doing::WritesBack:
      return fmt::format("writing back an output tile of op '{}'", task(doing_op_).op->name);
    case Doing::Loads:
      return fmt::format("loading tile {} of {} of op '{}'", doing_step_ + 1, task(doing_op_).plan.steps(),
                         task(doing_op_).op->name);
    case Doing::WaitsForArray:
      return "waiting for the PE array to finish a tile";
    case Doing::Finished:
      return "finished";
  }
  return "";
}

bool DmaController::transfer(int op, Buffer buffer, uint64_t addr, int64_t bytes, bool write) {
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
  const int64_t end = clocking_.now_cycle();
  const int64_t served_from = info.service_start >= 0 ? info.service_start : start;
  const int64_t busy = end - served_from;
  served_.push_back({served_from, end, bytes});
  OpProgress& prog = progress_[static_cast<size_t>(op)];
  (write ? prog.dram_writes : prog.dram_reads[buffer]).add(served_from, end);
  for (DmaCounters* c : {&counters_, &prog.dma}) {
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
  OpProgress& p = progress_[static_cast<size_t>(op)];
  p.done = true;
  p.done_cycle = clocking_.now_cycle();
  p.done_event->notify(sc_core::SC_ZERO_TIME);
}

void DmaController::finish_output(int op, const TileStep& step) {
  if (observer_ != nullptr) observer_->tile_finished(tasks_[static_cast<size_t>(op)], step, scratch_);
}

void DmaController::collect_finished() {
  while (!inflight_.empty() && seen_done_ < array_.jobs_done()) {
    const Pushed p = inflight_.front();
    inflight_.pop_front();
    ++seen_done_;
    OpProgress& prog = progress_[static_cast<size_t>(p.op)];
    --prog.jobs_left;
    const TilePlan& plan = tasks_[static_cast<size_t>(p.op)].plan;
    if (p.step.write_y) {
      writebacks_.push_back(p);
    } else if (p.step.ki == plan.k_tiles - 1) {
      --open_outputs_;  // the result stays on chip
      finish_output(p.op, p.step);
    }
    if (prog.jobs_left == 0 && prog.writebacks_left == 0) complete_op(p.op);
  }
}

bool DmaController::write_back() {
  const Pushed w = writebacks_.front();
  const OpTask& task = tasks_[static_cast<size_t>(w.op)];
  const uint64_t y_addr = task.y_addr(w.step.mi, w.step.ni);
  if (task.plan.accumulate) {
    if (task.accumulate_target >= 0) {
      const OpTask& target_task = tasks_[static_cast<size_t>(task.accumulate_target)];
      OpProgress& target = progress_[static_cast<size_t>(task.accumulate_target)];
      if (!target.done && target_task.unit != unit_) {
        doing_ = Doing::WaitsForOtherArray;
        doing_op_ = w.op;
        doing_target_ = task.accumulate_target;
        array_.set_wait_cause(ArrayState::DepStall);
        while (!target.done && !failure_->failed()) sc_core::wait(*target.done_event);
      }
    }
    doing_ = Doing::ReadsBack;
    doing_op_ = w.op;
    array_.set_wait_cause(ArrayState::DramStall);
    if (!transfer(w.op, Buffer::Output, y_addr, w.step.y_bytes, false)) return false;
    srams_[Buffer::Output]->count_dma_fill(w.step.y_bytes, w.op);
    if (observer_ != nullptr)
      observer_->tile_loaded(task, Buffer::Output, w.step, scratch_.data(), static_cast<size_t>(w.step.y_bytes));
  }
  doing_ = Doing::WritesBack;
  doing_op_ = w.op;
  finish_output(w.op, w.step);
  array_.set_wait_cause(ArrayState::DramStall);
  if (!transfer(w.op, Buffer::Output, y_addr, w.step.y_bytes, true)) return false;
  srams_[Buffer::Output]->count_dma_drain(w.step.y_bytes, w.op);
  writebacks_.pop_front();
  --open_outputs_;
  OpProgress& prog = progress_[static_cast<size_t>(w.op)];
  --prog.writebacks_left;
  if (prog.jobs_left == 0 && prog.writebacks_left == 0) complete_op(w.op);
  return true;
}

bool DmaController::load_next(bool& pushed) {
  pushed = false;
  if (next_op_ >= mine_.size()) return true;
  const OpTask& task = tasks_[static_cast<size_t>(mine_[next_op_])];
  const TilePlan& plan = task.plan;
  const TileStep step = tile_step(plan, *task.op, next_step_);
  const bool opens_output = step.ki == 0;
  if (static_cast<int>(inflight_.size()) >= depth_ || (opens_output && open_outputs_ >= out_depth_)) return true;
  OpProgress& prog = progress_[static_cast<size_t>(task.index)];
  if (prog.start_cycle < 0) prog.start_cycle = clocking_.now_cycle();
  doing_ = Doing::Loads;
  doing_op_ = task.index;
  doing_step_ = next_step_;
  array_.set_wait_cause(ArrayState::DramStall);
  // One operand tile from DRAM into its buffer.
  const auto load = [&](Buffer buf, uint64_t addr, int64_t bytes) {
    if (!transfer(task.index, buf, addr, bytes, false)) return false;
    srams_[buf]->count_dma_fill(bytes, task.index);
    if (observer_ != nullptr) observer_->tile_loaded(task, buf, step, scratch_.data(), static_cast<size_t>(bytes));
    return true;
  };
  if (step.load_w && !load(Buffer::Weight, task.w_addr(step.ki, step.ni), step.w_bytes)) return false;
  if (step.load_x && !load(Buffer::Input, task.x_addr(step.mi, step.ki), step.x_bytes)) return false;
  TileJob job;
  job.op = task.index;
  job.step = step;
  job.shape = {step.dims, task.op->wbits, task.op->abits, plan.pack, step.ki > 0};
  job.first_of_op = next_step_ == 0;
  job.last_of_op = next_step_ == plan.steps() - 1;
  array_.push(job);
  inflight_.push_back({task.index, step});
  if (opens_output) ++open_outputs_;
  if (++next_step_ == plan.steps()) {
    next_step_ = 0;
    ++next_op_;
  }
  pushed = true;
  return true;
}

void DmaController::run() {
  for (const OpTask& t : tasks_) {
    if (t.unit != unit_) continue;
    mine_.push_back(t.index);
    OpProgress& p = progress_[static_cast<size_t>(t.index)];
    p.jobs_left = t.plan.steps();
    p.writebacks_left = t.plan.write_y && !t.plan.ideal ? t.plan.m_tiles * t.plan.n_tiles : 0;
  }
  seen_done_ = array_.jobs_done();
  array_.set_wait_cause(mine_.empty() ? ArrayState::Idle : ArrayState::DramStall);
  for (;;) {
    if (failure_->failed()) return;
    collect_finished();
    // Write-backs first: they free output halves the array may be waiting for.
    if (!writebacks_.empty()) {
      if (!write_back()) return;
      continue;
    }
    bool pushed = false;
    if (!load_next(pushed)) return;
    if (pushed) continue;
    if (next_op_ == mine_.size() && inflight_.empty() && writebacks_.empty()) break;
    doing_ = Doing::WaitsForArray;
    sc_core::wait(array_.job_done_event());
  }
  doing_ = Doing::Finished;
  array_.set_wait_cause(ArrayState::Idle);
  finished_ = true;
  finished_event_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace itera::hw
