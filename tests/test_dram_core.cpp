// The DRAM model (models/dram/): address mapping, bank timing, refresh, the FR-FCFS
// scheduler and the DramCore controller that glues them; the simple memory; the factory
// (memory_core.h); and a bandwidth self-test. Every expectation is derived here from the
// preset's timing parameters and the rules stated in the headers, not from the model.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <fmt/format.h>

#include "address_mapping.h"
#include "bank_state.h"
#include "command_scheduler.h"
#include "command_timing.h"
#include "dram_core.h"
#include "dram_preset_files.h"
#include "error.h"
#include "event_horizon.h"
#include "memory_core.h"
#include "refresh.h"
#include "simple_memory_core.h"

namespace itera::hw {
namespace {

uint64_t u(int v) { return static_cast<uint64_t>(v); }

// Bytes from one row of bank 0, channel 0 to the next row of the same bank: the address
// bits below the row are burst | channel | column | bank (address_mapping.h), i.e.
// row_bytes * banks * channels.
uint64_t row_stride(const DramTiming& t) { return u(t.row_bytes) * u(t.banks) * u(t.channels); }

// Bandwidth of a workload run to idle on one core (the self-test and the refresh share).
struct Measured {
  double fraction_of_peak = 0;  // bytes / (ticks * peak bytes per tick)
  double hit_rate = 0;
  double ns_per_burst = 0;  // wall time of run_until_idle per burst
  uint64_t refreshes = 0;
};

Measured finish(DramCore& core, uint64_t bytes) {
  const auto start = std::chrono::steady_clock::now();
  core.run_until_idle();
  const std::chrono::duration<double, std::nano> wall = std::chrono::steady_clock::now() - start;
  const MemoryStats& s = core.stats();
  return {static_cast<double>(bytes) / (static_cast<double>(core.now()) * core.peak_bytes_per_tick()),
          s.row_hit_rate(), wall.count() / static_cast<double>(s.bursts), s.refreshes};
}

// One sequential read of `bytes` from address 0, submitted at once.
Measured stream(const DramTiming& t, uint64_t bytes) {
  DramCore core(t);
  core.submit(0, bytes, false);
  return finish(core, bytes);
}

// Sequential 64 KiB tiles, each submitted when the previous is done (as the DMA does).
Measured tiled_stream(const DramTiming& t, int tiles) {
  DramCore core(t);
  const uint64_t tile = 65536;
  for (int i = 0; i < tiles; ++i) {
    core.submit(u(i) * tile, tile, false);
    core.run_until_idle();
  }
  return finish(core, u(tiles) * tile);
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

// --- address mapping -------------------------------------------------------------------

// (channel, bank, row, bursts) of each run, in call order.
using Runs = std::vector<std::tuple<uint64_t, uint32_t, uint64_t, uint64_t>>;

Runs runs_of(const AddressMapping& m, uint64_t addr, uint64_t bytes) {
  Runs runs;
  m.for_each_run(addr, bytes, [&](uint64_t ch, const BurstRun& r) { runs.emplace_back(ch, r.bank, r.row, r.count); });
  return runs;
}

void expect_address(const AddressMapping& m, uint64_t addr, uint32_t channel, uint32_t bank, uint64_t row,
                    uint64_t column) {
  const DramAddress a = m.decode(addr);
  EXPECT_EQ(a.channel, channel) << addr;
  EXPECT_EQ(a.bank, bank) << addr;
  EXPECT_EQ(a.row, row) << addr;
  EXPECT_EQ(a.column, column) << addr;
}

// hbm2: 64-byte bursts (128 bits x BL4), 8 channels, 16 bursts per 1 KB row, 16 banks.
TEST(DramAddressMapping, HbmFieldsFromTheLeastSignificantBit) {
  const AddressMapping m(find_dram_preset("hbm2"));
  EXPECT_EQ(m.burst_bytes(), 64u);
  EXPECT_EQ(m.columns(), 16u);
  EXPECT_EQ(m.channels(), 8u);
  expect_address(m, 0, 0, 0, 0, 0);
  expect_address(m, 63, 0, 0, 0, 0);  // same burst
  expect_address(m, 64, 1, 0, 0, 0);  // next burst: next channel
  expect_address(m, 7 * 64, 7, 0, 0, 0);
  expect_address(m, 8 * 64, 0, 0, 0, 1);            // every channel once: next column
  expect_address(m, 8 * 64 * 16, 0, 1, 0, 0);       // a full row in every channel: next bank
  expect_address(m, 8 * 64 * 16 * 16, 0, 0, 1, 0);  // every bank's row: next row
  // burst ((row 2 * 16 + bank 7) * 16 + column 5) * 8 + channel 3 = 5035, byte 17 of it.
  expect_address(m, 5035 * 64 + 17, 3, 7, 2, 5);
}

// ddr4-3200: 64-byte bursts, one channel, 128 bursts per 8 KB row, 16 banks.
TEST(DramAddressMapping, SingleChannelFillsARowThenTheNextBank) {
  const AddressMapping m(find_dram_preset("ddr4-3200"));
  EXPECT_EQ(m.columns(), 128u);
  expect_address(m, 127 * 64, 0, 0, 0, 127);
  expect_address(m, 8192, 0, 1, 0, 0);
  expect_address(m, 8192 + 2 * 64 + 1, 0, 1, 0, 2);
  expect_address(m, 16 * 8192 - 1, 0, 15, 0, 127);
  expect_address(m, 16 * 8192, 0, 0, 1, 0);
  expect_address(m, 3 * 16 * 8192 + 9 * 8192, 0, 9, 3, 0);
}

TEST(DramAddressMapping, CountsEveryTouchedBurst) {
  const AddressMapping m(find_dram_preset("hbm2"));  // 64-byte bursts
  EXPECT_EQ(m.bursts(0, 1), 1u);
  EXPECT_EQ(m.bursts(0, 64), 1u);
  EXPECT_EQ(m.bursts(63, 2), 2u);
  EXPECT_EQ(m.bursts(64, 65), 2u);
  EXPECT_EQ(m.bursts(7 * 64 + 3, 50 * 64), 51u);  // bursts 7 .. 57
}

TEST(DramAddressMapping, SplitsATransferIntoRunsPerChannel) {
  // hbm2, bursts 0 .. 19: channels 0-3 get bursts {c, c + 8, c + 16}, channels 4-7 two,
  // all in row 0 of bank 0; channel by channel.
  const AddressMapping hbm(find_dram_preset("hbm2"));
  Runs expected;
  for (uint64_t ch = 0; ch < 8; ++ch) expected.emplace_back(ch, 0u, 0u, ch < 4 ? 3u : 2u);
  EXPECT_EQ(runs_of(hbm, 0, 20 * 64), expected);

  // lpddr4-3200 (32-byte bursts, 2 channels), bursts 3 .. 5: channel 0 gets burst 4,
  // channel 1 bursts 3 and 5.
  const AddressMapping lp(find_dram_preset("lpddr4-3200"));
  EXPECT_EQ(runs_of(lp, 3 * 32 + 7, 2 * 32), (Runs{{0, 0, 0, 1}, {1, 0, 0, 2}}));

  // ddr4-3200 (one channel, 128 bursts per row), bursts 100 .. 399: the rest of row 0 of
  // bank 0, rows 0 of banks 1 and 2, the first 16 bursts of bank 3.
  const AddressMapping ddr(find_dram_preset("ddr4-3200"));
  EXPECT_EQ(runs_of(ddr, 100 * 64, 300 * 64), (Runs{{0, 0, 0, 28}, {0, 1, 0, 128}, {0, 2, 0, 128}, {0, 3, 0, 16}}));
  // From bank 15 of row 0 into bank 0 of row 1.
  EXPECT_EQ(runs_of(ddr, 15 * 8192 + 64, 8192), (Runs{{0, 15, 0, 127}, {0, 0, 1, 1}}));
}

// The runs agree with decode(): per (channel, bank, row), as many bursts as the
// transfer's burst addresses decode to there.
TEST(DramAddressMapping, RunsAgreeWithDecodingEveryBurst) {
  for (const DramTiming& t : dram_presets()) {
    const AddressMapping m(t);
    const uint64_t addr = 1000, bytes = 3 * row_stride(t) + 12345;
    std::map<std::tuple<uint64_t, uint32_t, uint64_t>, uint64_t> decoded, split;
    for (uint64_t b = addr / m.burst_bytes(); b <= (addr + bytes - 1) / m.burst_bytes(); ++b) {
      const DramAddress a = m.decode(b * m.burst_bytes());
      ++decoded[{a.channel, a.bank, a.row}];
    }
    uint64_t total = 0;
    for (const auto& [ch, bank, row, count] : runs_of(m, addr, bytes)) {
      split[{ch, bank, row}] += count;
      total += count;
    }
    EXPECT_EQ(split, decoded) << t.name;
    EXPECT_EQ(total, m.bursts(addr, bytes)) << t.name;
  }
}

// --- bank timing -----------------------------------------------------------------------

TEST(DramCommandTiming, CyclesOfThePreset) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));  // CL-RCD-RP-RAS 22-22-22-52, BL8
  EXPECT_EQ(c.tCL, 22u);
  EXPECT_EQ(c.tRCD, 22u);
  EXPECT_EQ(c.tRP, 22u);
  EXPECT_EQ(c.tRAS, 52u);
  EXPECT_EQ(c.tREFI, 12480u);
  EXPECT_EQ(c.tRFC, 560u);
  EXPECT_EQ(c.burst_cycles, 4u);
}

TEST(DramBankState, ReadinessAfterEachCommand) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  BankState b;
  EXPECT_FALSE(b.is_open());
  EXPECT_EQ(b.open_row(), -1);
  EXPECT_EQ(b.ready_for(7), 0u);  // closed, never precharged: ACT at once
  b.activate(7, 100, c);
  EXPECT_TRUE(b.holds(7));
  EXPECT_FALSE(b.holds(8));
  EXPECT_EQ(b.ready_col(), 100 + 22u);  // tRCD
  EXPECT_EQ(b.ready_pre(), 100 + 52u);  // tRAS
  EXPECT_EQ(b.ready_for(7), 122u);      // the open row: its RD/WR
  EXPECT_EQ(b.ready_for(8), 152u);      // another row: the PRE
  b.precharge(160, c);
  EXPECT_FALSE(b.is_open());
  EXPECT_EQ(b.ready_act(), 160 + 22u);  // tRP
  EXPECT_EQ(b.ready_for(8), 182u);
}

TEST(DramBankState, FirstBurstAfterAnActIsAMissOrAConflictTheRestHits) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  BankState b;
  b.activate(1, 0, c);  // a closed bank
  EXPECT_EQ(b.column(), RowOutcome::Miss);
  EXPECT_EQ(b.column(), RowOutcome::Hit);
  EXPECT_EQ(b.column(), RowOutcome::Hit);
  b.precharge(60, c);  // the scheduler closes row 1 for another
  b.activate(2, 82, c);
  EXPECT_EQ(b.column(), RowOutcome::Conflict);
  EXPECT_EQ(b.column(), RowOutcome::Hit);
  b.close_for_refresh();
  EXPECT_FALSE(b.is_open());
  b.activate(2, 1000, c);
  EXPECT_EQ(b.column(), RowOutcome::Miss);
  // A refresh between the PRE and the ACT also makes the next ACT a miss.
  b.precharge(1100, c);
  b.close_for_refresh();
  b.activate(3, 2000, c);
  EXPECT_EQ(b.column(), RowOutcome::Miss);
  // A PRE of a row no burst was served from still marks the next ACT a conflict.
  b.precharge(2100, c);
  b.activate(4, 2200, c);
  b.precharge(2300, c);
  b.activate(5, 2400, c);
  EXPECT_EQ(b.column(), RowOutcome::Conflict);
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

// After an idle gap (skip_to), a hit and a conflict are timed from their arrival.
TEST(DramClosedForm, AccessesAfterAnIdleGapStartAtArrival) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.run_until_idle();
  core.skip_to(1000);
  core.submit(64, 64, false);  // the open row
  core.run_until_idle();
  EXPECT_EQ(core.now(), 1000 + u(t.tCL) + data);
  EXPECT_EQ(core.stats().row_hits, 1u);
  core.skip_to(2000);
  core.submit(row_stride(t), 64, false);  // bank 0, row 1: PRE at once (tRAS long over)
  core.run_until_idle();
  EXPECT_EQ(core.now(), 2000 + u(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
  EXPECT_EQ(core.stats().refreshes, 0u);  // all before tREFI
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

// Two rows of bank 0 queued at once: the PRE for the second waits for tRAS after the
// first ACT and for the first burst's RD (at tRCD; the open row is wanted until then).
TEST(DramClosedForm, QueuedConflictPrechargesAfterTRasAndTheFirstRead) {
  const DramTiming& t = find_dram_preset("ddr4-2400");  // CL-RCD-RP-RAS 16-16-16-39
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.submit(row_stride(t), 64, false);
  core.run_until_idle();
  const uint64_t pre = std::max(u(t.tRAS), u(t.tRCD) + 1);  // 39
  EXPECT_EQ(core.now(), pre + u(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_misses, 1u);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
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
  const DramTiming& t = find_dram_preset("hbm2");  // 64-byte bursts over 8 channels
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

// --- refresh -----------------------------------------------------------------------

TEST(DramRefreshSchedule, DueEveryTRefiWaitsForTheBusThenBlocks) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));  // tREFI 12480, tRFC 560, tRP 22
  const uint64_t refi = 12480, blocked = 560 + 22;
  std::vector<BankState> banks(16);
  banks[3].activate(9, 0, c);
  Refresh r(c);
  EXPECT_EQ(r.next_due(), refi);
  EXPECT_EQ(r.step(refi - 1, 0, banks), Refresh::Gate::Free);
  // Due at tREFI while data is on the bus until tREFI + 3: the channel stops issuing and waits.
  EXPECT_EQ(r.step(refi, refi + 3, banks), Refresh::Gate::BecameDue);
  EXPECT_TRUE(r.due());
  EventHorizon waiting(refi);
  r.next_events(waiting, refi + 3);
  EXPECT_EQ(waiting.next(), refi + 3);  // the bus frees
  EXPECT_EQ(r.step(refi + 2, refi + 3, banks), Refresh::Gate::Blocked);
  EXPECT_TRUE(banks[3].holds(9));
  EXPECT_EQ(r.step(refi + 3, refi + 3, banks), Refresh::Gate::Started);
  EXPECT_FALSE(banks[3].is_open());
  EXPECT_FALSE(r.due());
  EXPECT_EQ(r.blocked_until(), refi + 3 + blocked);
  EXPECT_EQ(r.next_due(), 2 * refi);  // a fixed schedule: the late start does not move it
  EventHorizon refreshing(refi + 3);
  r.next_events(refreshing, refi + 3);
  EXPECT_EQ(refreshing.next(), refi + 3 + blocked);  // the refresh ends
  EXPECT_EQ(r.step(refi + 3 + blocked - 1, refi + 3, banks), Refresh::Gate::Blocked);
  EXPECT_EQ(r.step(refi + 3 + blocked, refi + 3, banks), Refresh::Gate::Free);
  // Due with the bus free: starts at once.
  EXPECT_EQ(r.step(2 * refi, 0, banks), Refresh::Gate::Started);
  EXPECT_EQ(r.blocked_until(), 2 * refi + blocked);
}

TEST(DramRefreshSchedule, SkippingStartsEveryRefreshDueBeforeTheTarget) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  const uint64_t refi = 12480, blocked = 560 + 22;
  std::vector<BankState> banks(16);
  Refresh r(c);
  EXPECT_EQ(r.skip(0, refi, 0, banks), 0u);  // [0, tREFI) holds no refresh
  EXPECT_EQ(r.skip(0, refi + 1, 0, banks), 1u);
  EXPECT_EQ(r.blocked_until(), refi + blocked);
  EXPECT_EQ(r.skip(refi + 1, 3 * refi + 1, 0, banks), 2u);  // at 2 tREFI and 3 tREFI
  EXPECT_EQ(r.blocked_until(), 3 * refi + blocked);
  EXPECT_EQ(r.next_due(), 4 * refi);
  // Due before the target, but the bus is busy past it: it stays due...
  EXPECT_EQ(r.skip(3 * refi + 1, 4 * refi + 1, 4 * refi + 5, banks), 0u);
  EXPECT_TRUE(r.due());
  // ...and starts once the bus is free.
  EXPECT_EQ(r.skip(4 * refi + 1, 4 * refi + 6, 4 * refi + 5, banks), 1u);
  EXPECT_EQ(r.blocked_until(), 4 * refi + 5 + blocked);
  EXPECT_FALSE(r.due());
}

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
    const Measured m = stream(t, 8u << 20);
    EXPECT_LE(m.fraction_of_peak, 1.0 - static_cast<double>(t.tRFC) / static_cast<double>(t.tREFI)) << name;
    EXPECT_GT(m.refreshes, 0u) << name;
  }
}

// --- scheduler (one channel of ddr4-3200: CL-RCD-RP-RAS 22-22-22-52, BL8) ---------------

struct SchedulerBench {
  CommandTiming c{find_dram_preset("ddr4-3200")};
  std::vector<BankState> banks = std::vector<BankState>(16);
  MemoryStats stats;  // what issue() counted
  Command at(CommandScheduler& s, uint64_t now) { return s.issue(now, banks, stats); }
};

// First ready: a RD to the open row goes before an older burst that needs another row,
// whose PRE then waits for tRAS, its ACT for tRP and its RD for tRCD.
TEST(DramScheduler, AnOpenRowHitGoesBeforeAnOlderConflict) {
  SchedulerBench b;
  CommandScheduler s(b.c, 16, 32);
  b.banks[0].activate(1, 0, b.c);  // row 1 open: RD from 22, PRE from 52
  s.enqueue({0, 2, 1});            // older: row 2 of bank 0
  s.enqueue({0, 1, 1});            // younger: the open row
  EXPECT_TRUE(s.admit());
  EXPECT_EQ(s.queued(), 2u);
  EXPECT_EQ(b.at(s, 21), Command::None);  // tRCD not over; row 1 is wanted, so no PRE
  EXPECT_EQ(b.at(s, 22), Command::Column);
  EXPECT_EQ(b.stats.row_misses, 1u);      // the first RD after the ACT to a closed bank
  EXPECT_EQ(s.bus_free(), 22 + 22 + 4u);  // data tCL after the RD, for BL/2 cycles
  EXPECT_EQ(b.at(s, 51), Command::None);  // tRAS not over
  EXPECT_EQ(b.at(s, 52), Command::Precharge);
  EXPECT_FALSE(b.banks[0].is_open());
  EXPECT_EQ(b.at(s, 73), Command::None);  // tRP not over
  EXPECT_EQ(b.at(s, 74), Command::Activate);
  EXPECT_TRUE(b.banks[0].holds(2));
  EXPECT_EQ(b.at(s, 95), Command::None);  // tRCD not over
  EXPECT_EQ(b.at(s, 96), Command::Column);
  EXPECT_EQ(b.stats.row_conflicts, 1u);  // row 1 was closed to open row 2
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_EQ(b.at(s, 97), Command::None);
  EXPECT_EQ(b.stats.bursts, 2u);
  EXPECT_EQ(b.stats.row_hits, 0u);
  EXPECT_EQ(b.stats.data_bus_busy_cycles, 2 * 4u);
}

// One command per cycle: closed banks are activated oldest first; the second RD waits
// for tCCD = BL/2 after the first.
TEST(DramScheduler, ActivatesClosedBanksOldestFirst) {
  SchedulerBench b;
  CommandScheduler s(b.c, 16, 32);
  s.enqueue({5, 0, 1});
  s.enqueue({3, 0, 1});
  s.admit();
  EXPECT_EQ(b.at(s, 0), Command::Activate);
  EXPECT_TRUE(b.banks[5].holds(0));
  EXPECT_FALSE(b.banks[3].is_open());
  EXPECT_EQ(b.at(s, 1), Command::Activate);
  EXPECT_TRUE(b.banks[3].holds(0));
  EXPECT_EQ(b.at(s, 21), Command::None);
  EXPECT_EQ(b.at(s, 22), Command::Column);  // bank 5
  EXPECT_EQ(b.at(s, 23), Command::None);    // bank 3 is ready, tCCD is not over
  EXPECT_EQ(b.at(s, 26), Command::Column);  // bank 3
  EXPECT_EQ(s.bus_free(), 26 + 22 + 4u);
  EXPECT_EQ(b.stats.row_misses, 2u);
}

TEST(DramScheduler, NoPrechargeOfARowAQueuedBurstWants) {
  SchedulerBench b;
  CommandScheduler s(b.c, 16, 32);
  b.banks[0].activate(1, 0, b.c);
  b.banks[1].activate(0, 0, b.c);
  s.enqueue({1, 0, 1});
  s.enqueue({0, 2, 1});
  s.enqueue({0, 1, 1});
  s.admit();
  // At 60 every RD is ready and bank 0 could be precharged: the oldest ready RD goes.
  EXPECT_EQ(b.at(s, 60), Command::Column);
  EXPECT_EQ(s.queue().front().bank, 0u);
  // At 61 tCCD holds the RD for row 1 of bank 0 back, but it keeps the row open.
  EXPECT_EQ(b.at(s, 61), Command::None);
  EXPECT_TRUE(b.banks[0].holds(1));
  EXPECT_EQ(b.at(s, 64), Command::Column);     // row 1 of bank 0
  EXPECT_EQ(b.at(s, 65), Command::Precharge);  // no one wants row 1 now
}

TEST(DramScheduler, RequestQueueAdmitsInOrderUpToItsDepth) {
  SchedulerBench b;
  CommandScheduler s(b.c, 16, 4);
  s.enqueue({0, 0, 3});
  s.enqueue({0, 0, 2});  // continues row 0 of bank 0: one waiting run of 5
  s.enqueue({1, 0, 2});
  EXPECT_TRUE(s.admit());
  EXPECT_EQ(s.queued(), 4u);
  ASSERT_EQ(s.queue().size(), 1u);
  EXPECT_EQ(s.queue()[0].count, 4u);
  EXPECT_FALSE(s.admit());  // full
  EXPECT_EQ(b.at(s, 0), Command::Activate);
  EXPECT_EQ(b.at(s, 1), Command::None);  // bank 1's bursts are outside the window
  EXPECT_FALSE(b.banks[1].is_open());
  EXPECT_EQ(b.at(s, 22), Command::Column);
  EXPECT_EQ(s.queued(), 3u);
  EXPECT_TRUE(s.admit());  // the fifth burst of row 0 joins its entry
  ASSERT_EQ(s.queue().size(), 1u);
  EXPECT_EQ(s.queue()[0].count, 4u);
  EXPECT_EQ(b.at(s, 26), Command::Column);
  EXPECT_TRUE(s.admit());  // one burst of bank 1 enters behind it
  ASSERT_EQ(s.queue().size(), 2u);
  EXPECT_EQ(s.queue()[1].bank, 1u);
  EXPECT_EQ(s.queue()[1].count, 1u);
  EXPECT_EQ(b.at(s, 27), Command::Activate);  // bank 1 opens while bank 0 streams
  EXPECT_TRUE(b.banks[1].holds(0));
  EXPECT_EQ(b.stats.row_misses, 1u);  // the first RD of row 0 ...
  EXPECT_EQ(b.stats.row_hits, 1u);    // ... and the second
}

TEST(DramScheduler, OffersTheCyclesAtWhichAQueuedBurstMayIssue) {
  SchedulerBench b;
  CommandScheduler s(b.c, 16, 32);
  EventHorizon empty(5);
  s.next_events(empty, b.banks);
  EXPECT_EQ(empty.next(), 6u);  // nothing queued, nothing offered: the next cycle
  b.banks[0].activate(1, 0, b.c);  // RD from 22, PRE from 52
  b.banks[3].precharge(10, b.c);   // ACT from 32
  s.enqueue({0, 1, 1});
  s.enqueue({3, 0, 1});
  s.enqueue({0, 5, 1});
  s.admit();
  for (const auto& [now, next] : std::vector<std::pair<uint64_t, uint64_t>>{{5, 22}, {22, 32}, {32, 52}, {52, 53}}) {
    EventHorizon h(now);
    s.next_events(h, b.banks);
    EXPECT_EQ(h.next(), next) << now;
  }
}

TEST(DramEventHorizon, EarliestOfferedCycleAfterNow) {
  EventHorizon h(100);
  EXPECT_EQ(h.next(), 101u);  // nothing offered: the next cycle
  h.consider(100);
  h.consider(50);
  EXPECT_EQ(h.next(), 101u);  // not after now
  h.consider(300);
  h.consider(200);
  h.consider(250);
  EXPECT_EQ(h.next(), 200u);
}

// A sequential stream opens each (bank, row) once: the first burst of it is a miss while
// banks are still closed (the first `banks` rows), a conflict once the stream wraps around
// to a bank left open on its previous row; every other burst is a hit.
TEST(DramScheduler, StreamingOpensEachRowOnce) {
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

// The DMA's pattern in the fast fidelity: one transfer at a time on an idle core, tiles
// of up to 256 KiB read and written sequentially in a few regions, small random accesses
// between them, idle gaps of up to two refresh intervals. run_until_idle issues most of
// the bursts through the streaming fast path; every figure must equal plain ticking
// after each transfer.
void compare_on_streamed_tiles(const DramTiming& t, uint64_t seed, int transfers) {
  DramCore ticked(t), fast(t);
  std::mt19937_64 rng(seed);
  uint64_t region[3] = {0, uint64_t(1) << 26, uint64_t(3) << 26};
  for (int i = 0; i < transfers; ++i) {
    const bool write = rng() % 4 == 0;
    uint64_t addr = 0, bytes = 0;
    if (rng() % 8 == 0) {
      addr = rng() % (uint64_t(1) << 28);
      bytes = 1 + rng() % 512;
    } else {
      uint64_t& r = region[rng() % 3];
      if (rng() % 5 == 0) r += rng() % 8192;  // a ragged gap before the next tile
      addr = r;
      bytes = 1 + rng() % (uint64_t(1) << 18);
      r += bytes;
    }
    ticked.submit(addr, bytes, write);
    fast.submit(addr, bytes, write);
    while (!ticked.idle()) ticked.tick();
    fast.run_until_idle();
    const std::string where = fmt::format("{} seed {} transfer {} ({} B at 0x{:x})", t.name, seed, i, bytes, addr);
    expect_same(ticked, fast, where);
    if (::testing::Test::HasFailure()) return;
    const uint64_t until = ticked.now() + (rng() % 3 == 0 ? rng() % (2 * u(t.tREFI)) : rng() % 64);
    while (ticked.now() < until) ticked.tick();
    fast.skip_to(until);
    expect_same(ticked, fast, where + " (skip_to)");
  }
  EXPECT_GT(fast.stats().refreshes, 0u) << t.name << " seed " << seed;
  EXPECT_GT(fast.streamed_bursts(), fast.stats().bursts / 2) << t.name << " seed " << seed;
}

TEST(DramFastForward, StreamedTilesEqualTicking) {
  for (const DramTiming& t : dram_presets())
    for (uint64_t seed : {11, 12, 13}) compare_on_streamed_tiles(t, seed, 60);
}

// A queue depth of 1 and of 2 leaves the fast path the fewest bursts to batch and
// puts admissions right at its edges.
TEST(DramFastForward, ShallowQueuesEqualTicking) {
  for (const DramTiming& t : dram_presets()) {
    for (int depth : {1, 2, 3}) {
      DramCore ticked(t, depth), fast(t, depth);
      std::mt19937_64 rng(static_cast<uint64_t>(depth));
      for (int i = 0; i < 40; ++i) {
        const uint64_t addr = rng() % (uint64_t(1) << 24), bytes = 1 + rng() % 20000;
        ticked.submit(addr, bytes, false);
        fast.submit(addr, bytes, false);
        if (rng() % 2 == 0) {  // a second transfer queued behind the first
          const uint64_t a2 = rng() % (uint64_t(1) << 24), b2 = 1 + rng() % 20000;
          ticked.submit(a2, b2, true);
          fast.submit(a2, b2, true);
        }
        while (!ticked.idle()) ticked.tick();
        fast.run_until_idle();
        expect_same(ticked, fast, fmt::format("{} depth {} transfer {}", t.name, depth, i));
      }
      EXPECT_GT(fast.streamed_bursts(), 0u) << t.name << " depth " << depth;
    }
  }
}

TEST(DramFastForward, RunUntilIdleOnAnIdleCoreDoesNothing) {
  DramCore core(find_dram_preset("hbm2"));
  core.run_until_idle();
  EXPECT_EQ(core.now(), 0u);
  EXPECT_TRUE(core.idle());
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

TEST(DramFactory, RejectsAnEmptyRequestQueue) {
  EXPECT_THROW(DramCore(find_dram_preset("ddr4-3200"), 0), Error);
}

// --- self-test: bandwidth of streaming and random accesses -----------------------------

TEST(DramSelfTest, PeakIsTwoTransfersPerClockOnEveryChannel) {
  for (const DramTiming& t : dram_presets()) {
    DramCore core(t);
    EXPECT_DOUBLE_EQ(core.peak_bytes_per_tick(), t.channels * t.bus_bits / 8.0 * 2.0) << t.name;
    EXPECT_NEAR(core.peak_bytes_per_tick() / core.clock_ns(), t.peak_gbps(), 1e-9) << t.name;
    EXPECT_EQ(core.burst_bytes(), u(t.bus_bits / 8 * t.burst_length)) << t.name;
  }
}

TEST(DramSelfTest, StreamingNearsPeakAndRandomReadsFallFarBelow) {
  const uint64_t stream_bytes = 16u << 20;
  for (const char* name : {"ddr4-3200", "ddr4-2400", "hbm2", "lpddr4-3200"}) {
    const DramTiming& t = find_dram_preset(name);
    const Measured seq = stream(t, stream_bytes), tiled = tiled_stream(t, 128);
    const Measured rnd = random_reads(t, 4096, true), dep = random_reads(t, 1000, false);
    std::cout << fmt::format(
        "{:<12} 16 MiB stream {:5.1f}% of peak, row hits {:.3f}, run_until_idle {:5.1f} ns/burst | 64 KiB tiles "
        "{:5.1f}%, row hits {:.3f} | random 64 B reads: 4096 queued {:5.1f}%, row hits {:.3f}; one at a time "
        "{:5.1f}%, row hits {:.3f}\n",
        name, 100 * seq.fraction_of_peak, seq.hit_rate, seq.ns_per_burst, 100 * tiled.fraction_of_peak,
        tiled.hit_rate, 100 * rnd.fraction_of_peak, rnd.hit_rate, 100 * dep.fraction_of_peak, dep.hit_rate);
    // lpddr4-3200 is reported, not asserted.
    if (std::string(name) != "lpddr4-3200") {
      EXPECT_GE(seq.fraction_of_peak, 0.90) << name;
    }
    // Tiles submitted one after another (each waits for the last to finish) still stream
    // at 90% of peak on DDR4.
    if (std::string(name).rfind("ddr4", 0) == 0) {
      EXPECT_GE(tiled.fraction_of_peak, 0.90) << name;
    }
    EXPECT_LE(seq.fraction_of_peak, 1.0) << name;
    EXPECT_GT(seq.hit_rate, 0.9) << name;
    EXPECT_GT(tiled.hit_rate, 0.9) << name;
    // Queued random reads overlap in different banks (no tRRD/tFAW limit), but every one
    // needs its own ACT and most a PRE: clearly below streaming. One at a time, each pays
    // the whole tRP + tRCD + tCL latency for BL/2 cycles of data.
    EXPECT_LT(rnd.fraction_of_peak, seq.fraction_of_peak - 0.05) << name;
    EXPECT_LT(dep.fraction_of_peak, 0.2) << name;
    EXPECT_LT(dep.fraction_of_peak, tiled.fraction_of_peak) << name;
    EXPECT_LT(rnd.hit_rate, seq.hit_rate) << name;
    EXPECT_LT(dep.hit_rate, tiled.hit_rate) << name;
  }
}

}  // namespace
}  // namespace itera::hw
