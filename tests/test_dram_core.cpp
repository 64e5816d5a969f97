// The banked DRAM model (models/dram_core.h), the simple memory and the factory
// (models/memory_core.h), each checked against expectations derived here from the
// preset's timing parameters and the rules stated in dram_core.h, not from the model.
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <fmt/format.h>

#include "dram_core.h"
#include "dram_preset_files.h"
#include "error.h"
#include "memory_core.h"
#include "simple_memory_core.h"

namespace itera::hw {
namespace {

uint64_t u(int v) { return static_cast<uint64_t>(v); }

// Bytes from one row of bank 0, channel 0 to the next row of the same bank: the address
// bits above the row are channel | column | bank (dram_core.h), i.e. row_bytes * banks * channels.
uint64_t row_stride(const DramTiming& t) { return u(t.row_bytes) * u(t.banks) * u(t.channels); }

struct Measured {
  double fraction_of_peak = 0;  // bytes / (ticks * peak bytes per tick)
  double hit_rate = 0;
  double ns_per_burst = 0;      // wall time of run_until_idle per burst
};

Measured finish(DramCore& core, uint64_t bytes) {
  const auto start = std::chrono::steady_clock::now();
  core.run_until_idle();
  const std::chrono::duration<double, std::nano> wall = std::chrono::steady_clock::now() - start;
  const MemoryStats& s = core.stats();
  return {static_cast<double>(bytes) / (static_cast<double>(core.now()) * core.peak_bytes_per_tick()),
          s.row_hit_rate(), wall.count() / static_cast<double>(s.bursts)};
}

// One sequential read of `bytes` from address 0, submitted at once.
Measured stream(const DramTiming& t, uint64_t bytes) {
  DramCore core(t);
  core.submit(0, bytes, false);
  return finish(core, bytes);
}

// `n` 64-byte reads at random 64-byte-aligned addresses in 1 GiB: all queued at tick 0
// (the scheduler may reorder them across banks), or one at a time (each waits for the last).
Measured random_reads(const DramTiming& t, int n, bool queued) {
  DramCore core(t);
  std::mt19937_64 rng(1);
  for (int i = 0; i < n; ++i) {
    core.submit((rng() % (uint64_t(1) << 30)) & ~uint64_t(63), 64, false);
    if (!queued) core.run_until_idle();
  }
  return finish(core, uint64_t(64) * u(n));
}

TEST(DramBandwidth, PeakIsTwoTransfersPerClockOnEveryChannel) {
  for (const DramTiming& t : dram_presets()) {
    DramCore core(t);
    EXPECT_DOUBLE_EQ(core.peak_bytes_per_tick(), t.channels * t.bus_bits / 8.0 * 2.0) << t.name;
    EXPECT_NEAR(core.peak_bytes_per_tick() / core.clock_ns(), t.peak_gbps(), 1e-9) << t.name;
    EXPECT_EQ(core.burst_bytes(), u(t.bus_bits / 8 * t.burst_length)) << t.name;
  }
}

TEST(DramBandwidth, StreamingNearsPeakAndRandomReadsFallFarBelow) {
  const uint64_t stream_bytes = 16u << 20;
  for (const char* name : {"ddr4-3200", "ddr4-2400", "hbm2", "lpddr4-3200"}) {
    const DramTiming& t = find_dram_preset(name);
    const Measured seq = stream(t, stream_bytes);
    const Measured rnd = random_reads(t, 4096, true), dep = random_reads(t, 1000, false);
    std::cout << fmt::format(
        "{:<12} 16 MiB stream {:5.1f}% of peak, row hits {:.3f}, run_until_idle {:5.1f} ns/burst | random 64 B "
        "reads: 4096 queued {:5.1f}%, row hits {:.3f}; one at a time {:5.1f}%\n",
        name, 100 * seq.fraction_of_peak, seq.hit_rate, seq.ns_per_burst, 100 * rnd.fraction_of_peak, rnd.hit_rate,
        100 * dep.fraction_of_peak);
    // lpddr4-3200 is reported, not asserted.
    if (std::string(name) != "lpddr4-3200") {
      EXPECT_GE(seq.fraction_of_peak, 0.90) << name;
    }
    EXPECT_LE(seq.fraction_of_peak, 1.0) << name;
    EXPECT_GT(seq.hit_rate, 0.9) << name;
    // Queued random reads overlap in different banks (no tRRD/tFAW limit), but every one
    // needs its own ACT and most a PRE: clearly below streaming. One at a time, each pays
    // the whole tRP + tRCD + tCL latency for BL/2 cycles of data.
    EXPECT_LT(rnd.fraction_of_peak, seq.fraction_of_peak - 0.05) << name;
    EXPECT_LT(dep.fraction_of_peak, 0.2) << name;
    EXPECT_LT(rnd.hit_rate, seq.hit_rate) << name;
  }
}

// A sequential stream opens each (bank, row) once: the first burst of it is a miss while
// banks are still closed (the first `banks` rows), a conflict once the stream wraps around
// to a bank left open on its previous row; every other burst is a hit.
TEST(DramBandwidth, StreamingOpensEachRowOnce) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  DramCore core(t);
  // 20 rows = 2560 bursts = 10240 data cycles: done before the first refresh at tREFI = 12480.
  const uint64_t rows = 20, bytes = rows * u(t.row_bytes);
  core.submit(0, bytes, false);
  core.run_until_idle();
  ASSERT_LT(core.now(), u(t.tREFI));
  const MemoryStats& s = core.stats();
  EXPECT_EQ(s.bursts, bytes / core.burst_bytes());
  EXPECT_EQ(s.row_misses, u(t.banks));
  EXPECT_EQ(s.row_conflicts, rows - u(t.banks));
  EXPECT_EQ(s.row_hits, s.bursts - rows);
  EXPECT_EQ(s.data_bus_busy_cycles, s.bursts * u(t.burst_length / 2));
  EXPECT_EQ(s.read_bytes, bytes);
}

// Single accesses on ddr4-3200 (CL-RCD-RP-RAS 22-22-22-52, BL8: 4 data cycles).
TEST(DramClosedForm, MissHitAndConflictLatencies) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);

  // Closed bank at tick 0: ACT at 0, RD at tRCD, data from tRCD + tCL for BL/2 cycles.
  core.submit(0, 64, false);
  core.run_until_idle();
  const uint64_t first_done = u(t.tRCD + t.tCL) + data;  // 48
  EXPECT_EQ(core.now(), first_done);
  EXPECT_EQ(core.stats().row_misses, 1u);

  // Same row, next burst, arriving at 48: RD at once (tCCD and the bus are long free).
  core.submit(64, 64, false);
  core.run_until_idle();
  const uint64_t second_done = first_done + u(t.tCL) + data;  // 74
  EXPECT_EQ(core.now(), second_done);
  EXPECT_EQ(core.stats().row_hits, 1u);

  // Another row of bank 0 arriving at 74: PRE at max(arrival, tRAS after the ACT at 0),
  // then ACT tRP later, RD tRCD after that, data tCL after the RD.
  core.submit(row_stride(t), 64, false);
  core.run_until_idle();
  const uint64_t pre = std::max(second_done, u(t.tRAS));
  EXPECT_EQ(core.now(), pre + u(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
  EXPECT_EQ(core.stats().bursts, 3u);
  EXPECT_EQ(core.stats().data_bus_busy_cycles, 3 * data);
}

TEST(DramClosedForm, PrechargeWaitsForTRasAfterTheActivate) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.run_until_idle();  // done at tRCD + tCL + BL/2 = 48 < tRAS = 52
  const uint64_t arrival = core.now();
  ASSERT_LT(arrival, u(t.tRAS));
  core.submit(row_stride(t), 64, true);  // a write conflicts the same way (write timing = read timing)
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tRAS + t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().write_bytes, 64u);
}

// Two banks at tick 0: one command per tick, so bank 1's ACT follows bank 0's by one tick,
// and its RD waits for bank 0's data to leave the bus.
TEST(DramClosedForm, SecondBankActivatesWhileTheFirstWaits) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.submit(u(t.row_bytes), 64, false);  // column 0 of bank 1 (one channel)
  core.run_until_idle();
  // RD0 at tRCD, RD1 at max(1 + tRCD, tRCD + BL/2) = tRCD + 4; data ends tCL + BL/2 later.
  EXPECT_EQ(core.now(), u(t.tRCD) + data + u(t.tCL) + data);
  EXPECT_EQ(core.stats().row_misses, 2u);
}

// Partial bursts cost a whole burst on the bus; the requested bytes are what is counted.
TEST(DramClosedForm, UnalignedTransferCountsEveryTouchedBurst) {
  const DramTiming& t = find_dram_preset("hbm2");  // 32-byte bursts over 8 channels
  DramCore core(t);
  const uint64_t burst = core.burst_bytes(), addr = 7 * burst + 3, bytes = 50 * burst;
  core.submit(addr, bytes, true);
  core.run_until_idle();
  const MemoryStats& s = core.stats();
  EXPECT_EQ(s.bursts, 51u);  // bursts 7 .. 57
  EXPECT_EQ(s.write_bytes, bytes);
  EXPECT_EQ(s.read_bytes, 0u);
  EXPECT_EQ(s.row_hits + s.row_misses + s.row_conflicts, s.bursts);
  EXPECT_EQ(s.row_misses, u(t.channels));  // all 51 bursts are in row 0 of bank 0 of their channel
  EXPECT_EQ(s.data_bus_busy_cycles, 51 * u(t.burst_length / 2));
}

// --- run_until_idle / skip_to against plain ticking -----------------------------------

void expect_same(const DramCore& a, const DramCore& b, const std::string& where) {
  ASSERT_EQ(a.now(), b.now()) << where;
  const MemoryStats &x = a.stats(), &y = b.stats();
  EXPECT_EQ(x.read_bytes, y.read_bytes) << where;
  EXPECT_EQ(x.write_bytes, y.write_bytes) << where;
  EXPECT_EQ(x.bursts, y.bursts) << where;
  EXPECT_EQ(x.row_hits, y.row_hits) << where;
  EXPECT_EQ(x.row_misses, y.row_misses) << where;
  EXPECT_EQ(x.row_conflicts, y.row_conflicts) << where;
  EXPECT_EQ(x.refreshes, y.refreshes) << where;
  EXPECT_EQ(x.data_bus_busy_cycles, y.data_bus_busy_cycles) << where;
}

// Drives two cores with the same submissions; `ticked` only ever tick()s, `fast` uses
// run_until_idle and skip_to. Some batches are submitted while earlier ones are in flight.
void compare_on_random_workload(const DramTiming& t, uint64_t seed, int batches) {
  DramCore ticked(t), fast(t);
  std::mt19937_64 rng(seed);
  uint64_t sequential = 0;
  for (int i = 0; i < batches; ++i) {
    const int transfers = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < transfers; ++k) {
      const bool write = rng() % 3 == 0;
      uint64_t addr = 0, bytes = 0;
      switch (rng() % 3) {
        case 0:  // a short random access
          addr = rng() % (uint64_t(1) << 28);
          bytes = 1 + rng() % 256;
          break;
        case 1:  // a sequential tile continuing the last one
          addr = sequential;
          bytes = 1 + rng() % 16384;
          sequential += bytes;
          break;
        default:  // a tile anywhere
          addr = rng() % (uint64_t(1) << 26);
          bytes = 1 + rng() % 8192;
      }
      ticked.submit(addr, bytes, write);
      fast.submit(addr, bytes, write);
    }
    const std::string where = fmt::format("{} seed {} batch {}", t.name, seed, i);
    if (rng() % 2 == 0) {
      // Submit the next batch mid-flight: both tick a few cycles first.
      const uint64_t cycles = rng() % 200;
      for (uint64_t c = 0; c < cycles; ++c) {
        ticked.tick();
        fast.tick();
      }
      continue;
    }
    while (!ticked.idle()) ticked.tick();
    fast.run_until_idle();
    expect_same(ticked, fast, where + " (run_until_idle)");
    const uint64_t until = ticked.now() + rng() % (2 * u(t.tREFI));
    while (ticked.now() < until) ticked.tick();
    fast.skip_to(until);
    expect_same(ticked, fast, where + " (skip_to)");
  }
  while (!ticked.idle()) ticked.tick();
  fast.run_until_idle();
  expect_same(ticked, fast, fmt::format("{} seed {} end", t.name, seed));
  EXPECT_GT(fast.stats().refreshes, 0u) << t.name << " seed " << seed;  // the workload spans refreshes
}

TEST(DramFastForward, RunUntilIdleAndSkipToEqualTicking) {
  for (const DramTiming& t : dram_presets())
    for (uint64_t seed : {1, 2, 3}) compare_on_random_workload(t, seed, 40);
}

TEST(DramFastForward, RunUntilIdleOnAnIdleCoreDoesNothing) {
  DramCore core(find_dram_preset("hbm2"));
  core.run_until_idle();
  EXPECT_EQ(core.now(), 0u);
  EXPECT_TRUE(core.idle());
}

// --- refresh -----------------------------------------------------------------------

TEST(DramRefresh, SkippingAnIdleCoreRefreshesEveryChannelOncePerInterval) {
  for (const DramTiming& t : dram_presets()) {
    DramCore core(t);
    const uint64_t k = 5;
    // Refreshes fall at ticks tREFI, 2 tREFI, ...; skip_to(t) covers ticks [now, t).
    core.skip_to(k * u(t.tREFI));
    EXPECT_EQ(core.stats().refreshes, (k - 1) * u(t.channels)) << t.name;
    core.skip_to(k * u(t.tREFI) + 1);
    EXPECT_EQ(core.stats().refreshes, k * u(t.channels)) << t.name;
    EXPECT_EQ(core.now(), k * u(t.tREFI) + 1) << t.name;
    EXPECT_EQ(core.stats().bursts, 0u) << t.name;
  }
}

// An access arriving just after a refresh starts waits out tRFC + tRP, then finds its bank closed.
TEST(DramRefresh, AccessDuringRefreshWaitsForItToEnd) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.skip_to(u(t.tREFI) + 1);  // the refresh began at tREFI
  core.submit(0, 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tREFI + t.tRFC + t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().refreshes, 1u);
  EXPECT_EQ(core.stats().row_misses, 1u);
}

TEST(DramRefresh, LongStreamLosesAtLeastTheRefreshShare) {
  for (const char* name : {"ddr4-3200", "hbm2"}) {
    const DramTiming& t = find_dram_preset(name);
    const uint64_t bytes = 8u << 20;
    const Measured m = stream(t, bytes);
    EXPECT_LE(m.fraction_of_peak, 1.0 - static_cast<double>(t.tRFC) / static_cast<double>(t.tREFI)) << name;
  }
}

// --- simple memory and factory -------------------------------------------------------

TEST(DramSimpleCore, CompletionIsLatencyPlusStreamingRoundedUp) {
  SimpleDram cfg;
  cfg.bandwidth_gbps = 25.6;  // bytes per ns
  cfg.latency_ns = 50;
  SimpleMemoryCore core(cfg);
  EXPECT_DOUBLE_EQ(core.clock_ns(), 1.0);
  // 1000 bytes stream for 39.0625 ns: done at ceil(50 + 39.0625) = 90.
  core.submit(0, 1000, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), 90u);
  // Three at tick 100, back to back: streams start at 100, 139.0625, 178.125;
  // the last is done at ceil(178.125 + 39.0625 + 50) = 268.
  core.skip_to(100);
  for (int i = 0; i < 3; ++i) core.submit(4096, 1000, i == 1);
  uint64_t ticks = 0;
  while (!core.idle()) {
    core.tick();
    ++ticks;
  }
  EXPECT_EQ(core.now(), 268u);
  EXPECT_EQ(ticks, 168u);
  const MemoryStats& s = core.stats();
  EXPECT_EQ(s.bursts, 4u);
  EXPECT_EQ(s.read_bytes, 3000u);
  EXPECT_EQ(s.write_bytes, 1000u);
  EXPECT_EQ(s.data_bus_busy_cycles, 4u * 40u);  // ceil(39.0625) each
  EXPECT_EQ(s.row_hits + s.row_misses + s.row_conflicts, 0u);
}

TEST(DramSimpleCore, ATransferArrivingAfterTheLinkFreedStartsAtArrival) {
  SimpleDram cfg;
  cfg.bandwidth_gbps = 10;
  cfg.latency_ns = 50;
  SimpleMemoryCore core(cfg);
  core.submit(0, 1000, false);  // streams 0..100, done 150
  core.skip_to(120);            // the link has been free since 100
  core.submit(0, 100, false);   // 10 ns of streaming from 120
  core.run_until_idle();
  EXPECT_EQ(core.now(), 180u);
}

TEST(DramFactory, MakesTheNamedCore) {
  DramConfig c;
  c.name = "hbm2";
  c.preset = find_dram_preset("hbm2");  // the config reader resolves the name
  const std::unique_ptr<MemoryCore> dram = make_memory_core(c);
  ASSERT_NE(dynamic_cast<DramCore*>(dram.get()), nullptr);
  EXPECT_DOUBLE_EQ(dram->clock_ns(), 1.0);
  c.name = "simple";
  c.simple.bandwidth_gbps = 12.5;
  const std::unique_ptr<MemoryCore> simple = make_memory_core(c);
  ASSERT_NE(dynamic_cast<SimpleMemoryCore*>(simple.get()), nullptr);
  EXPECT_DOUBLE_EQ(simple->peak_bytes_per_tick(), 12.5);
}

}  // namespace
}  // namespace itera::hw
