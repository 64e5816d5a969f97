#pragma once
// The DRAM block: a TLM-2.0 target that serves the DMA controllers' transfers with a
// MemoryCore (memory_core.h: the banked DRAM model of a preset, or the simple
// bandwidth + latency model). Any other TLM-2.0 target with a blocking transport can
// replace it (bind it to the DMA controllers' initiator sockets instead).
//
// Transfers are served one at a time (each is many bursts, which the core schedules
// across channels and banks). When several initiators wait, the one bound first (the
// main array's DMA) goes first, then in arrival order: the dedicated low-rank array
// must not delay the main array's weight stream. The core runs on its own clock; its tick
// count follows kernel time: at accelerator cycle e it has reached DRAM tick
// floor(e * T_accel / T_dram).
//   cycle fidelity: the core is ticked one DRAM clock at a time (the scheduler issues
//     commands each DRAM cycle) until the transfer's last data beat, which answers it at
//     the first accelerator edge after. With a clock (waveforms), an SC_METHOD on every
//     edge ticks the core up to the current time; without, the block ticks the whole
//     transfer at its arrival and answers by one wait() (temporal decoupling: nothing
//     else reaches the core while it serves the transfer);
//   fast fidelity: at arrival the core runs until the transfer's last data beat
//     (skipping DRAM cycles in which nothing can happen), and the transfer is answered
//     at the same edge, by one wait().
// A transfer not answered within a generous bound is reported as a lost request.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "clocking.h"
#include "fidelity.h"
#include "memory_core.h"
#include "sim_failure.h"

namespace itera::hw {

// Optional extension a DMA attaches to learn what its transfer cost in the DRAM: when
// the block began serving it (after any wait behind another initiator's transfer) and
// the bursts it took.
struct DramTransferInfo : tlm::tlm_extension<DramTransferInfo> {
  int64_t service_start = -1;  // accelerator cycle; -1: not set (another target)
  uint64_t bursts = 0, row_hits = 0, row_misses = 0, row_conflicts = 0;
  tlm::tlm_extension_base* clone() const override { return new DramTransferInfo(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const DramTransferInfo&>(other);
  }
};

class Dram : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Dram> socket;

  Dram(const sc_core::sc_module_name& name, std::unique_ptr<MemoryCore> core, Fidelity fidelity,
       const Clocking& clocking, sc_core::sc_clock* clock, SimFailure* failure);

  const MemoryCore& core() const { return *core_; }
  // Bytes per accelerator cycle at the core's peak.
  double peak_bytes_per_cycle() const;
  const sc_core::sc_signal<bool, sc_core::SC_UNCHECKED_WRITERS>& busy_signal() const { return busy_sig_; }
  // The bytes the memory holds, when the data matters (functional mode): payloads are
  // copied from and to it. Without one, transfers are timed and their data ignored.
  void set_backing_store(std::vector<uint8_t>* bytes) { image_ = bytes; }
  // Testing aid: accept transfers but never answer them (a lost request).
  void drop_responses() { drop_responses_ = true; }
  // What the block is doing, for deadlock reports.
  std::string status() const;

 private:
  SC_HAS_PROCESS(Dram);
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void wait_for_turn(int initiator);  // blocks while another transfer holds the block
  // Functional mode: moves the payload's bytes to or from the image. False (after
  // raising) when the access lies outside it.
  bool copy_payload(tlm::tlm_generic_payload& trans);
  // Waits until the core has served the submitted transfer. False (after raising) when
  // the request is lost (cycle fidelity).
  bool await_completion(tlm::tlm_generic_payload& trans, int64_t start_cycle);
  void on_clock();  // cycle fidelity
  void release();   // the current transfer is done: hand the block to the next waiter
  uint64_t core_tick_at(int64_t cycle) const;
  int64_t first_cycle_reaching(uint64_t tick) const;

  std::unique_ptr<MemoryCore> core_;
  Fidelity fidelity_;
  Clocking clocking_;
  SimFailure* failure_;
  double ratio_;  // accelerator period / DRAM period
  bool busy_ = false, in_flight_ = false;
  bool clocked_ = false;  // the cycle fidelity with a clock: on_clock ticks the core
  struct Waiter {
    int initiator;
    uint64_t order;
    sc_core::sc_event* granted;
  };
  std::vector<Waiter> waiters_;
  uint64_t arrivals_ = 0;
  sc_core::sc_event answered_;
  sc_core::sc_signal<bool, sc_core::SC_UNCHECKED_WRITERS> busy_sig_;
  uint64_t current_addr_ = 0, current_bytes_ = 0;
  std::vector<uint8_t>* image_ = nullptr;
  bool drop_responses_ = false;
};

}  // namespace itera::hw
