#include "dram.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "error.h"

namespace itera::hw {

Dram::Dram(const sc_core::sc_module_name& name, std::unique_ptr<MemoryCore> core, Fidelity fidelity,
           const Clocking& clocking, sc_core::sc_clock* clock, SimFailure* failure)
    : sc_module(name),
      socket("socket"),
      core_(std::move(core)),
      fidelity_(fidelity),
      clocking_(clocking),
      failure_(failure),
      ratio_(clocking.period_ns() / core_->clock_ns()),
      busy_sig_("busy") {
  socket.register_b_transport(this, &Dram::b_transport);
  if (fidelity_ == Fidelity::Cycle && clock != nullptr) {
    clocked_ = true;
    SC_METHOD(on_clock);
    sensitive << clock->posedge_event();
    dont_initialize();
  }
}

double Dram::peak_bytes_per_cycle() const { return core_->peak_bytes_per_tick() * ratio_; }

uint64_t Dram::core_tick_at(int64_t cycle) const {
  return static_cast<uint64_t>(std::floor(static_cast<double>(cycle) * ratio_ + 1e-9));
}

int64_t Dram::first_cycle_reaching(uint64_t tick) const {
  auto e = static_cast<int64_t>(std::ceil(static_cast<double>(tick) / ratio_));
  while (core_tick_at(e) < tick) ++e;
  while (e > 0 && core_tick_at(e - 1) >= tick) --e;
  return e;
}

std::string Dram::status() const {
  if (!busy_) return "idle";
  return fmt::format("serving a transfer of {} bytes at 0x{:x}", current_bytes_, current_addr_);
}

void Dram::on_clock() {
  if (!in_flight_) return;
  const uint64_t target = core_tick_at(clocking_.now_cycle());
  while (core_->now() < target && !core_->idle()) core_->tick();
  if (core_->idle() && !drop_responses_) {
    in_flight_ = false;
    answered_.notify(sc_core::SC_ZERO_TIME);
  }
}

void Dram::wait_for_turn(int id) {
  if (!busy_) return;
  // The finishing transfer hands the block over directly.
  sc_core::sc_event granted;
  waiters_.push_back({id, arrivals_++, &granted});
  sc_core::wait(granted);
}

bool Dram::copy_payload(tlm::tlm_generic_payload& trans) {
  if (image_ == nullptr) return true;
  const uint64_t bytes = trans.get_data_length();
  if (trans.get_address() + bytes > image_->size()) {
    failure_->raise(fmt::format("DRAM block '{}': a {}-byte access at 0x{:x} is outside the {}-byte memory", name(),
                                bytes, trans.get_address(), image_->size()));
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  uint8_t* cell = image_->data() + trans.get_address();
  if (trans.get_command() == tlm::TLM_WRITE_COMMAND)
    std::copy(trans.get_data_ptr(), trans.get_data_ptr() + bytes, cell);
  else
    std::copy(cell, cell + bytes, trans.get_data_ptr());
  return true;
}

bool Dram::await_completion(tlm::tlm_generic_payload& trans, int64_t start) {
  if (!clocked_) {
    // The transfer in one go: the fast fidelity skips the cycles in which nothing can
    // happen; the cycle fidelity ticks every DRAM clock (as the clocked method would,
    // edge by edge). Either way it ends at the first accelerator cycle the core reaches.
    if (fidelity_ == Fidelity::Fast) {
      core_->run_until_idle();
    } else {
      while (!core_->idle()) core_->tick();
    }
    if (drop_responses_) sc_core::wait(answered_);  // never notified: the kernel runs out of events
    sc_core::wait(clocking_.cycles(first_cycle_reaching(core_->now()) - start));
    return true;
  }
  in_flight_ = true;
  // A transfer can take at most this long even if every burst were a row conflict stuck
  // behind refreshes; beyond it the request is lost.
  const uint64_t bytes = trans.get_data_length();
  const double bound_ns = 1e5 + static_cast<double>(bytes) * 50.0;
  sc_core::wait(sc_core::sc_time(bound_ns, sc_core::SC_NS), answered_);
  if (!in_flight_) return true;
  failure_->raise(fmt::format("deadlock: DRAM block '{}' lost a {} request of {} bytes at 0x{:x}: no answer after "
                              "{:.0f} ns",
                              name(), trans.get_command() == tlm::TLM_WRITE_COMMAND ? "write" : "read", bytes,
                              trans.get_address(), bound_ns));
  trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  return false;
}

void Dram::b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // Honour an annotated delay (a loosely-timed initiator), then queue behind earlier transfers.
  if (delay > sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  wait_for_turn(id);
  busy_ = true;
  busy_sig_.write(true);
  const bool write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
  const uint64_t bytes = trans.get_data_length();
  current_addr_ = trans.get_address();
  current_bytes_ = bytes;
  if (bytes == 0 || (trans.get_command() != tlm::TLM_READ_COMMAND && !write)) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    release();
    return;
  }
  const int64_t start = clocking_.now_cycle();
  auto* info = trans.get_extension<DramTransferInfo>();
  if (info != nullptr) info->service_start = start;
  const MemoryStats before = core_->stats();
  const uint64_t at = core_tick_at(start);
  if (core_->now() < at) core_->skip_to(at);
  core_->submit(trans.get_address(), bytes, write);
  if (!copy_payload(trans) || !await_completion(trans, start)) {
    release();
    return;
  }
  if (info != nullptr) {
    const MemoryStats& after = core_->stats();
    info->bursts = after.bursts - before.bursts;
    info->row_hits = after.row_hits - before.row_hits;
    info->row_misses = after.row_misses - before.row_misses;
    info->row_conflicts = after.row_conflicts - before.row_conflicts;
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  release();
}

void Dram::release() {
  if (waiters_.empty()) {
    busy_ = false;
    busy_sig_.write(false);
    return;
  }
  auto next = std::min_element(waiters_.begin(), waiters_.end(), [](const Waiter& a, const Waiter& b) {
    return a.initiator != b.initiator ? a.initiator < b.initiator : a.order < b.order;
  });
  sc_core::sc_event* granted = next->granted;
  waiters_.erase(next);
  granted->notify(sc_core::SC_ZERO_TIME);  // busy_ stays set: the block passes to that initiator
}

}  // namespace itera::hw
