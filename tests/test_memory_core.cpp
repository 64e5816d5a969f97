// The DRAM model (models/dram_core.h) and the simple memory: a self-test of
// streaming vs random bandwidth, single accesses against the timing parameters,
// refresh, and the equivalence of cycle skipping with ticking.
#include <algorithm>
#include <iostream>
#include <random>

#include <gtest/gtest.h>
#include <fmt/format.h>

#include "dram_core.h"
#include "dram_preset_files.h"
#include "error.h"
#include "memory_core.h"
#include "simple_memory_core.h"

namespace itera::hw {
namespace {

struct Measured {
  double fraction_of_peak;
  double hit_rate;
};

// Submits `transfers` back to back (each when the previous is done, as the DMA does)
// and returns bandwidth as a fraction of peak and the row-hit rate.
template <class Gen>
Measured measure(const DramTiming& t, int transfers, Gen next) {
  DramCore core(t);
  uint64_t bytes = 0;
  for (int i = 0; i < transfers; ++i) {
    const auto [addr, n] = next(i);
    core.submit(addr, n, false);
    core.run_until_idle();
    bytes += n;
  }
  return {static_cast<double>(bytes) / (static_cast<double>(core.now()) * core.peak_bytes_per_tick()),
          core.stats().row_hit_rate()};
}

TEST(DramSelfTest, StreamingReachesNinetyPercentOfPeakAndRandomReadsLess) {
  for (const char* name : {"ddr4-2400", "ddr4-3200", "lpddr4-3200", "hbm2"}) {
    const DramTiming& t = find_dram_preset(name);
    // Streaming: 64 KiB tiles, consecutive addresses, 8 MiB in all.
    const Measured stream = measure(t, 128, [](int i) {
      return std::pair<uint64_t, uint64_t>{uint64_t(i) * 65536, 65536};
    });
    // Random: 64-byte reads anywhere in 1 GiB.
    std::mt19937_64 rng(1);
    const Measured random = measure(t, 4000, [&](int) {
      return std::pair<uint64_t, uint64_t>{(rng() % (1ull << 30)) / 64 * 64, 64};
    });
    std::cout << fmt::format("{:<12} stream {:5.1f}% of peak (row hits {:.3f}); random 64 B {:5.1f}% (row hits {:.3f})\n",
                             name, 100 * stream.fraction_of_peak, stream.hit_rate, 100 * random.fraction_of_peak,
                             random.hit_rate);
    if (std::string(name).rfind("ddr4", 0) == 0) {
      EXPECT_GE(stream.fraction_of_peak, 0.90) << name;
    }
    EXPECT_LT(random.fraction_of_peak, stream.fraction_of_peak) << name;
    EXPECT_GT(stream.hit_rate, 0.9) << name;
    EXPECT_LT(random.hit_rate, stream.hit_rate) << name;
  }
}

TEST(DramCoreTiming, SingleAccessesFollowTheTimingParameters) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = static_cast<uint64_t>(t.burst_length / 2);
  DramCore core(t);
  // A closed bank: ACT at 0, RD tRCD later, data tCL after the RD for BL/2 cycles.
  core.submit(0, 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), uint64_t(t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_misses, 1u);
  // The same row again (next burst of the row): a hit, tCL + BL/2 after it arrives.
  const uint64_t t1 = 1000;
  core.skip_to(t1);
  core.submit(64, 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), t1 + uint64_t(t.tCL) + data);
  EXPECT_EQ(core.stats().row_hits, 1u);
  // Another row of the same bank (bank 0, row 1): PRE, tRP, ACT, tRCD, RD, tCL, data.
  const uint64_t row_stride = uint64_t(t.row_bytes) * uint64_t(t.banks) * uint64_t(t.channels);
  const uint64_t t2 = 2000;
  core.skip_to(t2);
  core.submit(row_stride, 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), t2 + uint64_t(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
}

TEST(DramCoreTiming, PrechargeWaitsForTRas) {
  const DramTiming& t = find_dram_preset("ddr4-2400");
  const uint64_t data = static_cast<uint64_t>(t.burst_length / 2);
  DramCore core(t);
  const uint64_t row_stride = uint64_t(t.row_bytes) * uint64_t(t.banks);
  // Two rows of bank 0 at once: the second must wait tRAS after the first ACT to precharge.
  core.submit(0, 64, false);
  core.submit(row_stride, 64, false);
  core.run_until_idle();
  const uint64_t pre = std::max<uint64_t>(uint64_t(t.tRAS), uint64_t(t.tRCD) + 1);
  EXPECT_EQ(core.now(), pre + uint64_t(t.tRP + t.tRCD + t.tCL) + data);
}

TEST(DramCoreRefresh, SkippingAnIdleCoreCountsEveryRefresh) {
  for (const char* name : {"ddr4-3200", "hbm2", "lpddr4-3200"}) {
    const DramTiming& t = find_dram_preset(name);
    DramCore core(t);
    core.skip_to(uint64_t(t.tREFI) * 7 + 1);
    EXPECT_EQ(core.stats().refreshes, 7u * uint64_t(t.channels)) << name;
  }
}

TEST(DramCoreRefresh, StreamingLosesAtLeastTheRefreshShare) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  DramCore core(t);
  core.submit(0, 16 << 20, false);
  core.run_until_idle();
  const double fraction = (16 << 20) / (static_cast<double>(core.now()) * core.peak_bytes_per_tick());
  EXPECT_LE(fraction, 1.0 - double(t.tRFC) / double(t.tREFI));
  EXPECT_GT(core.stats().refreshes, 0u);
}

// Ticking one cycle at a time and skipping ahead must reach the same state.
TEST(DramCoreSkipping, RunUntilIdleEqualsTickingOnRandomWorkloads) {
  for (const char* name : {"ddr4-3200", "lpddr4-3200", "hbm2"}) {
    const DramTiming& t = find_dram_preset(name);
    DramCore ticked(t), skipped(t);
    std::mt19937_64 rng(7);
    for (int i = 0; i < 60; ++i) {
      const uint64_t addr = rng() % (64u << 20);
      const uint64_t bytes = 1 + rng() % 20000;
      const bool write = rng() % 3 == 0;
      const uint64_t gap = rng() % 3000;
      ticked.submit(addr, bytes, write);
      skipped.submit(addr, bytes, write);
      while (!ticked.idle()) ticked.tick();
      skipped.run_until_idle();
      ASSERT_EQ(ticked.now(), skipped.now()) << name << " transfer " << i;
      const uint64_t next = ticked.now() + gap;
      while (ticked.now() < next) ticked.tick();
      skipped.skip_to(next);
    }
    const MemoryStats &a = ticked.stats(), &b = skipped.stats();
    EXPECT_EQ(a.bursts, b.bursts);
    EXPECT_EQ(a.row_hits, b.row_hits);
    EXPECT_EQ(a.row_misses, b.row_misses);
    EXPECT_EQ(a.row_conflicts, b.row_conflicts);
    EXPECT_EQ(a.refreshes, b.refreshes);
    EXPECT_EQ(a.read_bytes, b.read_bytes);
    EXPECT_EQ(a.write_bytes, b.write_bytes);
    EXPECT_EQ(a.data_bus_busy_cycles, b.data_bus_busy_cycles);
    EXPECT_GT(a.refreshes, 0u) << name;
  }
}

TEST(DramCoreBursts, EveryBurstOfATransferIsServedOnce) {
  const DramTiming& t = find_dram_preset("hbm2");  // 8 channels: bursts spread over all of them
  DramCore core(t);
  const uint64_t burst = uint64_t(t.bus_bits / 8 * t.burst_length);
  const uint64_t addr = 3 * burst + 5, bytes = 100 * burst;  // unaligned start and end
  core.submit(addr, bytes, true);
  core.run_until_idle();
  EXPECT_EQ(core.stats().bursts, (addr + bytes - 1) / burst - addr / burst + 1);
  EXPECT_EQ(core.stats().write_bytes, bytes);
  EXPECT_EQ(core.stats().row_hits + core.stats().row_misses + core.stats().row_conflicts, core.stats().bursts);
}

TEST(SimpleMemory, CompletionTimesAreLatencyPlusStreaming) {
  SimpleDram cfg;
  cfg.bandwidth_gbps = 10;  // 10 bytes per ns
  cfg.latency_ns = 50;
  SimpleMemoryCore core(cfg);
  core.submit(0, 1000, false);  // 100 ns of streaming
  core.run_until_idle();
  EXPECT_EQ(core.now(), 150u);
  // Three back to back from t = 200: streams at 200, 300, 400; the last done at 400 + 100 + 50.
  core.skip_to(200);
  for (int i = 0; i < 3; ++i) core.submit(0, 1000, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), 550u);
}

}  // namespace
}  // namespace itera::hw
