#include "dram_request_run.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace {

// A uniform draw from 0..n-1 (n >= 1), by rejection: the same numbers on every platform.
uint64_t draw_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - (max % n + 1) % n;  // a whole number of n's below it: 0..limit
  uint64_t x = rng();
  while (x > limit) x = rng();
  return x % n;
}

// A uniform draw from [0, 1), from the top 53 bits of one draw.
double draw_unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

uint64_t dram_device_bytes(const DramTiming& t) {
  const int64_t parts[] = {t.channels, t.banks, t.rows, t.row_bytes};
  uint64_t bytes = 1;
  for (const int64_t p : parts) {
    if (p <= 0)
      throw Error(fmt::format("DRAM preset '{}' does not give its size (channels {}, banks {}, rows {}, row_bytes {})",
                              t.name, t.channels, t.banks, t.rows, t.row_bytes));
    if (bytes > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(p))
      throw Error(fmt::format("DRAM preset '{}' holds more than 2^64 bytes", t.name));
    bytes *= static_cast<uint64_t>(p);
  }
  return bytes;
}

StreamRequests::StreamRequests(Pattern pattern, uint64_t requests, double write_ratio, uint64_t seed,
                               uint64_t burst_bytes, uint64_t device_bytes)
    : pattern_(pattern),
      total_(requests),
      bursts_(device_bytes / burst_bytes),
      burst_bytes_(burst_bytes),
      write_ratio_(write_ratio),
      rng_(seed) {
  if (burst_bytes == 0 || bursts_ == 0) throw Error("internal: a request stream needs a device of at least one burst");
  if (total_ > 0) make();
}

void StreamRequests::make() {
  const uint64_t burst = pattern_ == Pattern::Sequential ? index_ % bursts_ : draw_below(rng_, bursts_);
  current_.addr = burst * burst_bytes_;
  current_.write = write_ratio_ >= 1 || (write_ratio_ > 0 && draw_unit(rng_) < write_ratio_);
  current_.cycle = 0;
}

void StreamRequests::pop() {
  ++index_;
  if (index_ < total_) make();
}

DramRunResult run_dram_requests(hw::DramCore& core, const DramTiming& timing, DramRequestSource& requests,
                                uint64_t cycles) {
  const bool limited = cycles > 0;
  const uint64_t burst = core.burst_bytes();
  const uint64_t device = dram_device_bytes(timing);
  // Cycles from a RD's or WR's command to the end of its data.
  const uint64_t data_cycles = static_cast<uint64_t>(timing.burst_length / 2);
  const uint64_t read_done = static_cast<uint64_t>(timing.tCL) + data_cycles;
  const uint64_t write_done = static_cast<uint64_t>(timing.tCWL) + data_cycles;

  DramRunResult r;
  r.requests = requests.size();
  for (;;) {
    const uint64_t now = core.now();
    if (limited && now >= cycles) break;
    if (!requests.done()) {
      const DramRequest& next = requests.peek();
      if (next.cycle <= now) {
        const uint64_t addr = next.addr % device / burst * burst;
        if (core.accepts(addr)) {
          core.submit(addr, burst, next.write);
          requests.pop();
          ++r.entered;
        }
      } else if (core.idle()) {  // nothing happens until the next request's cycle but refreshes
        core.skip_to(limited ? std::min(next.cycle, cycles) : next.cycle);
        continue;
      }
    }
    if (requests.done()) {
      if (!limited) {
        core.run_until_idle();
        break;
      }
      if (core.idle()) {
        core.skip_to(cycles);
        break;
      }
    }
    if (!limited) {
      core.tick();
      continue;
    }
    // One cycle, `now`: the RDs and WRs it issued are served if their data ends by the
    // end of the run.
    const hw::MemoryStats before = core.stats();
    core.tick();
    const hw::MemoryStats& after = core.stats();
    if (after.reads != before.reads && now + read_done <= cycles) {
      r.reads += after.reads - before.reads;
      r.served_read_latency += after.read_latency_cycles - before.read_latency_cycles;
    }
    if (after.writes != before.writes && now + write_done <= cycles) r.writes += after.writes - before.writes;
  }
  r.cycles = core.now();
  r.stats = core.stats();
  if (!limited) {  // the run ended with the core idle: every burst's data has ended
    r.reads = r.stats.reads;
    r.writes = r.stats.writes;
    r.served_read_latency = r.stats.read_latency_cycles;
  }
  r.served_bytes = (r.reads + r.writes) * burst;
  return r;
}

}  // namespace itera
