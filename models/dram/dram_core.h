#pragma once
// A DRAM device with its controller, from a preset (dram_timing.h) and an address
// mapping (dram_address_fields.h), clocked at the DRAM clock (tCK), in the manner of
// DRAMsim3's controller. The parts, one file each:
//   address_mapping.h    byte address -> channel, bank group, bank, row, column
//   command_timing.h     the timing constraints in DRAM cycles, and the simplifications
//   bank_state.h         one bank: open row, command readiness, row hit / miss / conflict
//   rank_timing.h        constraints between banks: bank groups, turnaround, tRRD, tFAW
//   command_scheduler.h  one channel's request queue and FR-FCFS scheduler
//   refresh.h            one channel's all-bank refresh schedule
//   event_horizon.h      the next cycle at which anything may happen
// Each DRAM cycle, each channel admits waiting bursts into its request queue; then,
// unless a refresh is due or in progress, issues at most one command.
// read_bytes / write_bytes count the bytes asked for, bursts the column commands.
//
// Speed: run_until_idle only visits ticks at which some command can issue or a refresh
// starts or ends, and runs the channels one after another; a stream of bursts from open
// rows is issued many at a time without scanning the queue
// (CommandScheduler::stream_columns). The class is final so that run_until_idle's idle()
// test is a direct call.
#include <cstdint>
#include <vector>

#include "address_mapping.h"
#include "bank_state.h"
#include "command_scheduler.h"
#include "command_timing.h"
#include "dram_timing.h"
#include "memory_core.h"
#include "refresh.h"

namespace itera::hw {

class DramCore final : public MemoryCore {
 public:
  // `address_mapping` in DRAMsim3 notation (dram_address_fields.h); throws itera::Error
  // for a bad mapping or an inconsistent preset.
  explicit DramCore(const DramTiming& timing, const std::string& address_mapping = kDefaultAddressMapping,
                    int queue_depth = kDefaultQueueDepth);
  // The request queue's depth in bursts. DRAMsim3's DDR4 configurations hold 32
  // transactions plus 8 commands per bank queue, so a stream in one bank is seen 40
  // requests ahead; with 40, the bandwidth of such a stream agrees with DRAMsim3's
  // (tests/test_dram_vs_dramsim3.cpp).
  static constexpr int kDefaultQueueDepth = 40;

  double clock_ns() const override { return timing_.tck_ns; }
  uint64_t now() const override { return now_; }
  double peak_bytes_per_tick() const override;
  void submit(uint64_t addr, uint64_t bytes, bool write) override;
  bool idle() const override { return outstanding_ == 0 && now_ >= last_data_end_; }
  void tick() override;
  void run_until_idle() override;
  void skip_to(uint64_t t) override;
  const MemoryStats& stats() const override { return stats_; }
  std::string describe() const override;

  uint64_t burst_bytes() const { return mapping_.burst_bytes(); }
  // True if the channel that holds byte `addr` has fewer than queue_depth bursts waiting
  // or queued: a request-driven front end (itera dram) submits only then.
  bool accepts(uint64_t addr) const;
  const AddressMapping& mapping() const { return mapping_; }
  // Bursts run_until_idle issued through the streaming fast path (stream()); they are
  // counted in stats() like any other. For tests: proof that the path was taken.
  uint64_t streamed_bursts() const { return streamed_bursts_; }
  // tick() steps every channel at every cycle, even when the last cycle showed that none
  // can change before a later one (which it otherwise skips to). For tests: the plain
  // reference the fast paths are compared with.
  void step_every_cycle() { every_cycle_ = true; }
  // Whether `o` is in the same state (banks, rank constraints, queues, refresh, time);
  // tests compare the fast paths with ticking by it.
  bool same_state(const DramCore& o) const;

 private:
  struct Channel {
    Channel(const CommandTiming& timing, const AddressMapping& mapping, uint32_t index, size_t n_banks,
            size_t depth);
    std::vector<BankState> banks;
    CommandScheduler scheduler;
    Refresh refresh;
  };

  bool step_channel(Channel& c);  // everything one channel does at now_; true if its state changed
  bool step();                    // all channels at now_
  // A channel's streaming fast path at now_ (CommandScheduler::stream_columns),
  // when no refresh is due or in progress; true if it issued (now_ then one cycle after
  // the last RD/WR, as step() and ++now_ would leave it).
  bool stream(Channel& c);
  // The earliest cycle > now_ at which something may happen in channel c.
  uint64_t next_event(const Channel& c) const;

  DramTiming timing_;
  uint64_t depth_;
  CommandTiming cycles_;
  AddressMapping mapping_;
  std::vector<Channel> channels_;
  uint64_t now_ = 0, last_data_end_ = 0, outstanding_ = 0, streamed_bursts_ = 0;
  uint64_t quiet_until_ = 0;  // tick(): no channel can change before this cycle
  bool every_cycle_ = false;
  bool commanded_ = false;  // step_channel issued a command or changed a refresh since tick() reset it
  std::vector<uint64_t> reached_;  // run_until_idle: where each channel's own run ended
  MemoryStats stats_;
};

}  // namespace itera::hw
