#pragma once
// `itera dram`: a stream of requests driven into one DRAM device and its controller
// (hw::DramCore) by itself, the way DRAMsim3's trace-driven CPU drives its memory
// system, and what the run measured.
//
// Each request is one burst (DramCore::burst_bytes(): the preset's bus bytes x burst
// length). Its address is wrapped into the device (modulo dram_device_bytes(), as
// DRAMsim3 ignores the address bits above its fields) and aligned down to its burst.
//
// Driving, cycle by cycle: at most one request enters per cycle, the next one in order,
// once its cycle has come and the core accepts it (DramCore::accepts); then the core
// ticks. The run lasts `cycles` DRAM cycles, or, with cycles = 0, until every request
// has entered and the core is idle. Stretches in which the core is idle and the next
// request's cycle has not come are skipped (DramCore::skip_to), and with cycles = 0 the
// core runs on to idle at once after the last request entered (run_until_idle); both
// reach exactly the state ticking would.
//
// A burst counts as served when its data has left the bus within the run, as DRAMsim3's
// statistics count a request when it completes: a RD issued at cycle t at t + tCL +
// BL/2, a WR at t + tCWL + BL/2. The run ends at a cycle T; a burst is served when that
// time is <= T. Without a cycle limit the run ends when the core is idle, so every
// burst is.
#include <cstdint>
#include <random>
#include <vector>

#include "dram_core.h"
#include "dram_timing.h"
#include "dramsim3_trace.h"

namespace itera {

// The bytes the device holds: channels x banks x rows x row_bytes. Throws itera::Error
// when the preset lacks one of them.
uint64_t dram_device_bytes(const DramTiming& t);

// The requests of a run, in order, one at a time.
class DramRequestSource {
 public:
  virtual ~DramRequestSource() = default;
  virtual uint64_t size() const = 0;  // requests in all
  virtual bool done() const = 0;      // no request left
  // The next request (only when !done()); the same until pop().
  virtual const DramRequest& peek() const = 0;
  virtual void pop() = 0;
};

// The requests of a trace (dramsim3_trace.h).
class TraceRequests final : public DramRequestSource {
 public:
  explicit TraceRequests(std::vector<DramRequest> requests) : requests_(std::move(requests)) {}
  uint64_t size() const override { return requests_.size(); }
  bool done() const override { return next_ == requests_.size(); }
  const DramRequest& peek() const override { return requests_[next_]; }
  void pop() override { ++next_; }

 private:
  std::vector<DramRequest> requests_;
  size_t next_ = 0;
};

// `requests` one-burst requests, all at cycle 0, made as they are needed:
//   Sequential  addresses 0, B, 2B, ... (B = burst bytes), wrapping at the device's end;
//   Random      burst-aligned addresses drawn uniformly over the device.
// Each request is a write with probability write_ratio (0 <= write_ratio <= 1). The
// draws come from one std::mt19937_64 seeded with `seed`: per request, the address
// (random only), then whether it writes (only when 0 < write_ratio < 1); the draws are
// turned into numbers without the standard distributions, whose results differ between
// standard libraries, so a seed gives the same requests everywhere.
class StreamRequests final : public DramRequestSource {
 public:
  enum class Pattern { Sequential, Random };
  StreamRequests(Pattern pattern, uint64_t requests, double write_ratio, uint64_t seed, uint64_t burst_bytes,
                 uint64_t device_bytes);
  uint64_t size() const override { return total_; }
  bool done() const override { return index_ == total_; }
  const DramRequest& peek() const override { return current_; }
  void pop() override;

 private:
  void make();  // the next request into current_

  Pattern pattern_;
  uint64_t total_, bursts_, burst_bytes_;
  double write_ratio_;
  std::mt19937_64 rng_;
  uint64_t index_ = 0;  // of the current request
  DramRequest current_;
};

struct DramRunResult {
  uint64_t requests = 0;  // in the input
  uint64_t entered = 0;   // of those, submitted to the core within the run
  uint64_t cycles = 0;    // DRAM cycles the run lasted (T)
  // Bursts served within the run (see above); each one carried burst_bytes bytes.
  uint64_t reads = 0, writes = 0;
  uint64_t served_bytes = 0;
  uint64_t served_read_latency = 0;  // sum over the served reads of data end - arrival, cycles
  hw::MemoryStats stats;             // the core's counters at the end of the run
};

// Drives `requests` into `core` (made from `timing`) as described above; cycles = 0:
// until all requests have entered and the core is idle.
DramRunResult run_dram_requests(hw::DramCore& core, const DramTiming& timing, DramRequestSource& requests,
                                uint64_t cycles);

}  // namespace itera
