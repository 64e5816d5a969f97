// The DRAM model (models/dram/): address mapping, command timing, bank and rank timing,
// refresh, the FR-FCFS scheduler and the DramCore controller that glues them; the simple
// memory; the factory (memory_core.h); and a bandwidth self-test. Every expectation is
// derived here from the preset's timing parameters and the rules stated in the headers
// (DRAMsim3's timing table, src/timing.cc), not from the model.
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
#include "rank_timing.h"
#include "refresh.h"
#include "simple_memory_core.h"

namespace itera::hw {
namespace {

uint64_t u(int v) { return static_cast<uint64_t>(v); }

constexpr const char* kBankGroupsLowest = "rorabacobgch";  // the default
constexpr const char* kColumnsLowest = "rochrababgco";     // DRAMsim3's default

// Bytes from one row of a bank to the next row of the same bank: every field but the
// row lies below it in both mappings above.
uint64_t row_stride(const DramTiming& t) { return u(t.row_bytes) * u(t.banks) * u(t.channels); }

// ddr4-3200 under the default mapping (one channel): burst index bits, from the least
// significant: bank group (2), column (7), bank within the group (2), row. The byte
// address of (bank = group * 4 + bank in group, row, column).
uint64_t ddr4_address(uint32_t bank, uint64_t row, uint64_t column) {
  return ((row << 11) | (uint64_t{bank % 4} << 9) | (column << 2) | (bank / 4)) * 64;
}

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
Measured stream(const DramTiming& t, uint64_t bytes, const char* mapping = kBankGroupsLowest) {
  DramCore core(t, mapping);
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

void expect_address(const AddressMapping& m, uint64_t addr, uint32_t channel, uint32_t bank, uint64_t row,
                    uint64_t column) {
  const DramAddress a = m.decode(addr);
  EXPECT_EQ(a.channel, channel) << m.text() << " " << addr;
  EXPECT_EQ(a.bank, bank) << m.text() << " " << addr;
  EXPECT_EQ(a.group, bank / m.banks_per_group()) << m.text() << " " << addr;
  EXPECT_EQ(a.row, row) << m.text() << " " << addr;
  EXPECT_EQ(a.column, column) << m.text() << " " << addr;
}

// hbm2: 64-byte bursts (128 bits x BL4), 8 channels, 4 bank groups x 4 banks, 16 bursts
// per 1 KB row. Default mapping: channel (3 bits), bank group (2), column (4), bank (2), row.
TEST(DramAddressMapping, DefaultInterleavesChannelsThenBankGroups) {
  const AddressMapping m(find_dram_preset("hbm2"), kBankGroupsLowest);
  EXPECT_EQ(m.burst_bytes(), 64u);
  EXPECT_EQ(m.columns(), 16u);
  EXPECT_EQ(m.channels(), 8u);
  EXPECT_EQ(m.banks_per_group(), 4u);
  expect_address(m, 0, 0, 0, 0, 0);
  expect_address(m, 63, 0, 0, 0, 0);             // same burst
  expect_address(m, 64, 1, 0, 0, 0);             // next burst: next channel
  expect_address(m, 8 * 64, 0, 4, 0, 0);         // every channel once: next bank group (bank 1 * 4 + 0)
  expect_address(m, 3 * 8 * 64, 0, 12, 0, 0);    // bank group 3
  expect_address(m, 32 * 64, 0, 0, 0, 1);        // every group once: next column
  expect_address(m, 512 * 64, 0, 1, 0, 0);       // a full row of each group: next bank in group 0
  expect_address(m, 2048 * 64, 0, 0, 1, 0);      // every bank's row: next row
  // burst (((row 2 * 4 + bank 3) * 16 + column 5) * 4 + group 2) * 8 + channel 6, byte 17.
  expect_address(m, ((((2 * 4 + 3) * 16 + 5) * 4 + 2) * 8 + 6) * 64 + 17, 6, 2 * 4 + 3, 2, 5);
}

// ddr4-3200 (one channel, 128 bursts per 8 KB row, 4 x 4 banks) in both mappings.
TEST(DramAddressMapping, Ddr4DefaultAndDramsim3Default) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const AddressMapping bg(t, kBankGroupsLowest), co(t, kColumnsLowest);
  EXPECT_EQ(bg.columns(), 128u);
  expect_address(bg, 64, 0, 4, 0, 0);  // bank group 1
  expect_address(bg, 4 * 64, 0, 0, 0, 1);
  expect_address(bg, 512 * 64, 0, 1, 0, 0);
  expect_address(bg, 2048 * 64, 0, 0, 1, 0);
  expect_address(bg, ddr4_address(13, 7, 99) + 5, 0, 13, 7, 99);
  // rochrababgco: column (7 bits), bank group (2), bank (2), rank and channel (none), row.
  expect_address(co, 127 * 64, 0, 0, 0, 127);
  expect_address(co, 128 * 64, 0, 4, 0, 0);  // a row later: the next bank group
  expect_address(co, 512 * 64, 0, 1, 0, 0);  // every group once: the next bank in group 0
  expect_address(co, 2048 * 64, 0, 0, 1, 0);
}

// A row field below others is masked to the preset's rows; the channel field can sit
// anywhere.
TEST(DramAddressMapping, FieldsInAnyOrder) {
  const DramTiming& t = find_dram_preset("hbm2");  // 32768 rows: 15 bits
  const AddressMapping m(t, "chrorabgbaco");       // column 4, bank 2, group 2, row 15, channel 3
  expect_address(m, 16 * 64, 0, 1, 0, 0);
  expect_address(m, 64 * 64, 0, 4, 0, 0);
  expect_address(m, 256 * 64, 0, 0, 1, 0);
  expect_address(m, (uint64_t{1} << 23) * 64, 1, 0, 0, 0);            // above the 15 row bits: the channel
  expect_address(m, (uint64_t{1} << 26) * 64 + 64 * 64, 0, 4, 0, 0);  // above the channel: wraps
}

// next_in_channel and count_in_channel against a walk over every burst index.
TEST(DramAddressMapping, ChannelEnumerationAgreesWithDecoding) {
  for (const char* mapping : {kBankGroupsLowest, kColumnsLowest, "rorabachcobg", "chrorabgbaco"}) {
    for (const char* name : {"hbm2", "lpddr4-3200"}) {
      const AddressMapping m(find_dram_preset(name), mapping);
      std::mt19937_64 rng(7);
      for (int trial = 0; trial < 40; ++trial) {
        const uint64_t first = rng() % (uint64_t{1} << (trial % 2 ? 12 : 27)), last = first + rng() % 3000;
        for (uint64_t ch = 0; ch < m.channels(); ++ch) {
          uint64_t count = 0, next = UINT64_MAX;
          for (uint64_t b = first; b <= last; ++b)
            if (m.decode_burst(b).channel == ch) {
              if (count++ == 0) next = b;
            }
          EXPECT_EQ(m.count_in_channel(first, last, ch), count) << mapping << " " << name << " " << first;
          if (count > 0) {
            EXPECT_EQ(m.next_in_channel(first, ch), next) << mapping << " " << name << " " << first;
          }
        }
      }
    }
  }
}

TEST(DramAddressMapping, RejectsBadMappings) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  for (const char* bad : {"", "rochrababg", "rochrababgcox", "rochrababgbg", "rochrababgxx", "ROCHRABABGCO"})
    EXPECT_THROW(AddressMapping(t, bad), Error) << bad;
  try {
    AddressMapping(t, "rochrababgbg");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'bg' appears twice"), std::string::npos) << e.what();
  }
}

// --- command, bank and rank timing -------------------------------------------------------

// DRAMsim3's derived spacings (src/timing.cc) from DDR4_8Gb_x8_3200.ini: CL 22, CWL 16,
// BL8 (B = 4), tCCD_S/L 4/8, tRPRE 1, tRTRS 1, tWTR_S/L 4/12, tWR 24, tRTP 12, tRRD_S/L 4/8.
TEST(DramCommandTiming, Ddr4_3200SpacingsAsDramsim3DerivesThem) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  EXPECT_EQ(c.burst_cycles, 4u);
  EXPECT_EQ(c.col_to_col_s, 4u);         // max(B, tCCD_S)
  EXPECT_EQ(c.col_to_col_l, 8u);         // max(B, tCCD_L)
  EXPECT_EQ(c.read_to_write, 12u);       // RL + B - WL + tRPRE + tRTRS = 22 + 4 - 16 + 1 + 1
  EXPECT_EQ(c.write_to_read_s, 24u);     // WL + B + tWTR_S = 16 + 4 + 4
  EXPECT_EQ(c.write_to_read_l, 32u);     // 16 + 4 + 12
  EXPECT_EQ(c.read_to_precharge, 12u);   // tRTP
  EXPECT_EQ(c.write_to_precharge, 44u);  // WL + B + tWR = 16 + 4 + 24
  EXPECT_EQ(c.act_to_act_s, 4u);
  EXPECT_EQ(c.act_to_act_l, 8u);
  EXPECT_EQ(c.tFAW, 34u);
  EXPECT_EQ(c.tCL, 22u);
  EXPECT_EQ(c.tCWL, 16u);
  EXPECT_EQ(c.tRCD, 22u);
  EXPECT_EQ(c.tRP, 22u);
  EXPECT_EQ(c.tRAS, 52u);
  EXPECT_EQ(c.tREFI, 12480u);
  EXPECT_EQ(c.tRFC, 560u);
}

// HBM2 (BL4: B = 2, tCCD_S/L 1/2): the column spacing never drops below a burst.
TEST(DramCommandTiming, ColumnSpacingIsAtLeastABurst) {
  const CommandTiming c(find_dram_preset("hbm2"));
  EXPECT_EQ(c.burst_cycles, 2u);
  EXPECT_EQ(c.col_to_col_s, 2u);     // max(2, 1)
  EXPECT_EQ(c.col_to_col_l, 2u);     // max(2, 2)
  EXPECT_EQ(c.read_to_write, 14u);   // 14 + 2 - 4 + 1 + 1
  EXPECT_EQ(c.write_to_read_l, 14u);  // 4 + 2 + 8
  const CommandTiming lp(find_dram_preset("lpddr4-3200"));  // BL16: B = 8, tCCD 8, no bank groups
  EXPECT_EQ(lp.col_to_col_s, 8u);
  EXPECT_EQ(lp.col_to_col_l, 8u);
  EXPECT_EQ(lp.read_to_write, 25u);  // 32 + 8 - 18 + 1 + 2
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
  b.column(145, false, c);              // a RD: PRE no sooner than tRTP after it
  EXPECT_EQ(b.ready_pre(), 145 + 12u);
  b.column(150, true, c);               // a WR: WL + B + tWR after it
  EXPECT_EQ(b.ready_pre(), 150 + 44u);
  b.column(151, false, c);              // a later RD does not pull the PRE earlier
  EXPECT_EQ(b.ready_pre(), 194u);
  b.precharge(200, c);
  EXPECT_FALSE(b.is_open());
  EXPECT_EQ(b.ready_act(), 200 + 22u);  // tRP
  EXPECT_EQ(b.ready_for(8), 222u);
}

TEST(DramBankState, FirstBurstAfterAnActIsAMissOrAConflictTheRestHits) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  BankState b;
  b.activate(1, 0, c);  // a closed bank
  EXPECT_EQ(b.column(22, false, c), RowOutcome::Miss);
  EXPECT_EQ(b.column(30, false, c), RowOutcome::Hit);
  EXPECT_EQ(b.column(38, true, c), RowOutcome::Hit);
  b.precharge(100, c);  // the scheduler closes row 1 for another
  b.activate(2, 122, c);
  EXPECT_EQ(b.column(144, false, c), RowOutcome::Conflict);
  EXPECT_EQ(b.column(152, false, c), RowOutcome::Hit);
  b.close_for_refresh();
  EXPECT_FALSE(b.is_open());
  b.activate(2, 1000, c);
  EXPECT_EQ(b.column(1022, false, c), RowOutcome::Miss);
  // A refresh between the PRE and the ACT also makes the next ACT a miss.
  b.precharge(1100, c);
  b.close_for_refresh();
  b.activate(3, 2000, c);
  EXPECT_EQ(b.column(2022, false, c), RowOutcome::Miss);
  // A PRE of a row no burst was served from still marks the next ACT a conflict.
  b.precharge(2100, c);
  b.activate(4, 2200, c);
  b.precharge(2300, c);
  b.activate(5, 2400, c);
  EXPECT_EQ(b.column(2422, false, c), RowOutcome::Conflict);
}

// Column spacing by bank group and kind, from the spacings of the Ddr4_3200 test.
TEST(DramRankTiming, ColumnSpacingByBankGroupAndTurnaround) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  RankTiming r(c, 4);
  EXPECT_EQ(r.column_ready(false, 0), 0u);
  r.column(100, false, 1);  // RD in group 1
  EXPECT_EQ(r.column_ready(false, 1), 108u);  // tCCD_L
  EXPECT_EQ(r.column_ready(false, 0), 104u);  // tCCD_S
  EXPECT_EQ(r.column_ready(true, 1), 112u);   // read-to-write, any group
  EXPECT_EQ(r.column_ready(true, 3), 112u);
  r.column(112, true, 3);  // WR in group 3
  EXPECT_EQ(r.column_ready(false, 3), 144u);  // WL + B + tWTR_L
  EXPECT_EQ(r.column_ready(false, 1), 136u);  // WL + B + tWTR_S
  EXPECT_EQ(r.column_ready(true, 3), 120u);   // tCCD_L
  EXPECT_EQ(r.column_ready(true, 0), 116u);   // tCCD_S
}

// ACT spacing: tRRD_L within a group, tRRD_S across; a fifth ACT waits for tFAW after
// the first of the last four.
TEST(DramRankTiming, ActivateSpacingAndFourActivateWindow) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));  // tRRD_S 4, tRRD_L 8, tFAW 34
  RankTiming r(c, 4);
  EXPECT_EQ(r.activate_ready(0), 0u);
  r.activate(10, 0);
  EXPECT_EQ(r.activate_ready(0), 18u);
  EXPECT_EQ(r.activate_ready(1), 14u);
  r.activate(14, 1);
  r.activate(18, 2);
  r.activate(22, 3);
  // Four ACTs at 10, 14, 18, 22: the fifth no sooner than 10 + tFAW = 44, in any group.
  EXPECT_EQ(r.activate_ready(0), 44u);
  EXPECT_EQ(r.activate_ready(2), 44u);
  r.activate(44, 0);
  EXPECT_EQ(r.activate_ready(1), 14 + 34u);  // now the window starts at the ACT at 14
  EXPECT_EQ(r.activate_ready(0), 52u);       // tRRD_L after 44 is later than 48
}

// --- closed-form cases on the whole controller ------------------------------------------

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
  EXPECT_EQ(core.stats().reads, 1u);
  EXPECT_EQ(core.stats().read_latency_cycles, first_done);

  // Same row, next column, arriving at 48: RD at once.
  core.submit(ddr4_address(0, 0, 1), 64, false);
  core.run_until_idle();
  const uint64_t second_done = first_done + u(t.tCL) + data;  // 74
  EXPECT_EQ(core.now(), second_done);
  EXPECT_EQ(core.stats().row_hits, 1u);

  // Another row of bank 0 arriving at 74: PRE at max(arrival, tRAS after the ACT at 0,
  // tRTP after the RD at 48), then ACT tRP later, RD tRCD after that, data tCL after the RD.
  core.submit(row_stride(t), 64, false);
  core.run_until_idle();
  const uint64_t pre = std::max({second_done, u(t.tRAS), first_done + u(t.tRTP)});
  EXPECT_EQ(core.now(), pre + u(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
  EXPECT_EQ(core.stats().bursts, 3u);
  EXPECT_EQ(core.stats().data_bus_busy_cycles, 3 * data);
  EXPECT_DOUBLE_EQ(core.stats().avg_read_latency(),
                   static_cast<double>(first_done + (u(t.tCL) + data) + (core.now() - second_done)) / 3.0);
}

// After an idle gap (skip_to), a hit and a conflict are timed from their arrival.
TEST(DramClosedForm, AccessesAfterAnIdleGapStartAtArrival) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.run_until_idle();
  core.skip_to(1000);
  core.submit(ddr4_address(0, 0, 1), 64, false);  // the open row
  core.run_until_idle();
  EXPECT_EQ(core.now(), 1000 + u(t.tCL) + data);
  EXPECT_EQ(core.stats().row_hits, 1u);
  core.skip_to(2000);
  core.submit(row_stride(t), 64, false);  // bank 0, row 1: PRE at once (tRAS, tRTP long over)
  core.run_until_idle();
  EXPECT_EQ(core.now(), 2000 + u(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
  EXPECT_EQ(core.stats().refreshes, 0u);  // all before tREFI
}

// A write's data starts tCWL after its command.
TEST(DramClosedForm, WriteDataFollowsTheCommandByTCwl) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  DramCore core(t);
  core.submit(0, 64, true);
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tRCD + t.tCWL + t.burst_length / 2));  // 22 + 16 + 4
  EXPECT_EQ(core.stats().writes, 1u);
  EXPECT_EQ(core.stats().reads, 0u);
  EXPECT_EQ(core.stats().read_latency_cycles, 0u);
}

TEST(DramClosedForm, PrechargeWaitsForTRasAfterTheActivate) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.run_until_idle();  // done at tRCD + tCL + BL/2 = 48 < tRAS = 52 (tRTP after the RD: 34)
  ASSERT_LT(core.now(), u(t.tRAS));
  core.submit(row_stride(t), 64, true);
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tRAS + t.tRP + t.tRCD + t.tCWL) + data);
  EXPECT_EQ(core.stats().write_bytes, 64u);
}

// Two rows of bank 0 queued at once: the PRE for the second waits for tRAS after the
// first ACT, for tRTP after the first burst's RD (at tRCD) and for that RD itself.
TEST(DramClosedForm, QueuedConflictPrechargesAfterTRasAndTRtp) {
  const DramTiming& t = find_dram_preset("ddr4-2400");  // CL-RCD-RP-RAS 16-16-16-39, tRTP 9
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.submit(row_stride(t), 64, false);
  core.run_until_idle();
  const uint64_t pre = std::max({u(t.tRAS), u(t.tRCD) + 1, u(t.tRCD + t.tRTP)});  // 39
  EXPECT_EQ(core.now(), pre + u(t.tRP + t.tRCD + t.tCL) + data);
  EXPECT_EQ(core.stats().row_misses, 1u);
  EXPECT_EQ(core.stats().row_conflicts, 1u);
}

// tRTP: a RD to an open row long after its ACT, then a burst for another row of the same
// bank: the PRE waits tRTP after the RD.
TEST(DramClosedForm, ReadToPrechargeIsTRtp) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.run_until_idle();
  core.skip_to(1000);
  core.submit(ddr4_address(0, 0, 1), 64, false);  // RD at 1000
  core.submit(row_stride(t), 64, false);          // PRE at 1000 + tRTP
  core.run_until_idle();
  EXPECT_EQ(core.now(), 1000 + u(t.tRTP + t.tRP + t.tRCD + t.tCL) + data);
}

// Write recovery: the PRE after a WR waits WL + B + tWR after it.
TEST(DramClosedForm, WriteToPrechargeIsWriteRecovery) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(0, 64, false);
  core.run_until_idle();
  core.skip_to(1000);
  core.submit(ddr4_address(0, 0, 1), 64, true);  // WR at 1000
  core.submit(row_stride(t), 64, false);         // PRE at 1000 + WL + B + tWR = 1044
  core.run_until_idle();
  EXPECT_EQ(core.now(), 1000 + u(t.tCWL) + data + u(t.tWR + t.tRP + t.tRCD + t.tCL) + data);
}

// Reads from one row of one bank (DRAMsim3's default mapping keeps a sequential stream
// there): the column commands are tCCD_L apart.
TEST(DramClosedForm, StreamInOneBankGroupIsTCcdLBound) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t n = 20;
  DramCore core(t, kColumnsLowest);
  core.submit(0, n * 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tRCD) + (n - 1) * u(t.tCCD_L) + u(t.tCL + t.burst_length / 2));
  EXPECT_EQ(core.stats().row_hits, n - 1);
  // The same bursts under the default mapping cycle through the four bank groups: after
  // the four ACTs (tRRD_S apart), the column commands are tCCD_S apart.
  DramCore bg(t);
  bg.submit(0, n * 64, false);
  bg.run_until_idle();
  // RDs of the first four at tRCD + 0, 4, 8, 12 (each bank tRRD_S = 4 after the last),
  // then one every tCCD_S = B = 4: the last at tRCD + (n - 1) * 4.
  EXPECT_EQ(bg.now(), u(t.tRCD) + (n - 1) * u(t.tCCD_S) + u(t.tCL + t.burst_length / 2));
}

// Open banks, then two reads at once: tCCD_S apart in two bank groups, tCCD_L apart in
// two banks of one group.
TEST(DramClosedForm, ColumnSpacingAcrossAndWithinBankGroups) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  for (const bool same_group : {false, true}) {
    DramCore core(t);
    const uint32_t other = same_group ? 1 : 4;  // bank 1 is in group 0, bank 4 in group 1
    core.submit(ddr4_address(0, 0, 0), 64, false);
    core.submit(ddr4_address(other, 0, 0), 64, false);
    core.run_until_idle();
    core.skip_to(1000);
    core.submit(ddr4_address(0, 0, 1), 64, false);
    core.submit(ddr4_address(other, 0, 1), 64, false);
    core.run_until_idle();
    EXPECT_EQ(core.now(), 1000 + u(same_group ? t.tCCD_L : t.tCCD_S + 0) + u(t.tCL) + data) << same_group;
  }
}

// Write-to-read: the RD waits WL + B + tWTR after the WR, tWTR_L in the WR's bank group
// and tWTR_S in another; read-to-write: the WR waits RL + B - WL + tRPRE + tRTRS.
TEST(DramClosedForm, TurnaroundBetweenWritesAndReads) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  for (const bool same_group : {false, true}) {
    DramCore core(t);
    const uint32_t other = same_group ? 1 : 4;
    core.submit(ddr4_address(0, 0, 0), 64, false);
    core.submit(ddr4_address(other, 0, 0), 64, false);
    core.run_until_idle();
    core.skip_to(1000);
    core.submit(ddr4_address(0, 0, 1), 64, true);       // WR at 1000
    core.submit(ddr4_address(other, 0, 1), 64, false);  // RD after tWTR
    core.run_until_idle();
    const uint64_t rd = 1000 + u(t.tCWL) + data + u(same_group ? t.tWTR_L : t.tWTR_S);
    EXPECT_EQ(core.now(), rd + u(t.tCL) + data) << same_group;
  }
  DramCore core(t);
  core.submit(ddr4_address(0, 0, 0), 64, false);
  core.submit(ddr4_address(4, 0, 0), 64, false);
  core.run_until_idle();
  core.skip_to(1000);
  core.submit(ddr4_address(0, 0, 1), 64, false);  // RD at 1000
  core.submit(ddr4_address(4, 0, 1), 64, true);   // WR at 1000 + 12
  core.run_until_idle();
  const uint64_t wr = 1000 + u(t.tCL) + data - u(t.tCWL) + u(t.tRPRE + t.tRTRS);
  EXPECT_EQ(core.now(), wr + u(t.tCWL) + data);
}

// ACT spacing: banks 0 and 1 share bank group 0, bank 4 is in group 1. Queued in that
// order at 0: bank 0 opens at 0; bank 1 must wait tRRD_L = 8, so bank 4 (tRRD_S = 4
// after bank 0) opens first, at 4; bank 1 at 8 (tRRD_S after bank 4's ACT, tRRD_L
// after bank 0's). RDs: bank 0 at 22, bank 4 at 26, bank 1 at 30 (tRCD after its ACT;
// tCCD_L after bank 0's RD). Were bank 1 allowed at tRRD_S, it would open at 4 and bank 4
// at 8, and the last RD would fall at 34.
TEST(DramClosedForm, ActivatesAreTRrdApartByBankGroup) {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  const uint64_t data = u(t.burst_length / 2);
  DramCore core(t);
  core.submit(ddr4_address(0, 0, 0), 64, false);
  core.submit(ddr4_address(1, 0, 0), 64, false);
  core.submit(ddr4_address(4, 0, 0), 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tRRD_L + t.tRCD + t.tCL) + data);  // 8 + 22 + 22 + 4 = 56
  EXPECT_EQ(core.stats().row_misses, 3u);
}

// tFAW: five closed banks, four bank groups, on ddr4-2400 (tRRD_S 4, tRRD_L 6, tFAW 26,
// tRCD 16). ACTs at 0, 4, 8, 12 (tRRD_S), the fifth (bank 1, group 0) no sooner than
// tFAW after the first; the four RDs at 16, 20, 24, 28 leave cycle 26 free for it; its
// RD tRCD later.
TEST(DramClosedForm, FifthActivateWaitsForTheFourActivateWindow) {
  const DramTiming& t = find_dram_preset("ddr4-2400");
  const uint64_t data = u(t.burst_length / 2);
  ASSERT_GT(u(t.tFAW), 4 * u(t.tRRD_S));
  DramCore core(t);
  for (uint32_t bank : {0u, 4u, 8u, 12u, 1u}) core.submit(ddr4_address(bank, 0, 0), 64, false);
  core.run_until_idle();
  EXPECT_EQ(core.now(), u(t.tFAW + t.tRCD + t.tCL) + data);  // 26 + 16 + 16 + 4 = 62
  EXPECT_EQ(core.stats().row_misses, 5u);
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
  EXPECT_EQ(s.writes, 51u);
  EXPECT_EQ(s.write_bytes, bytes);
  EXPECT_EQ(s.read_bytes, 0u);
  EXPECT_EQ(s.row_hits + s.row_misses + s.row_conflicts, s.bursts);
  // Bursts 7 .. 57 of row 0 in each channel: groups 0..3 of bank-in-group 0 (32 bursts a
  // column across channels and groups): channel c touches group g when some burst
  // 8 g + c + 32 k lies in 7 .. 57.
  uint64_t opened = 0;
  for (uint64_t c = 0; c < 8; ++c)
    for (uint64_t g = 0; g < 4; ++g) {
      bool any = false;
      for (uint64_t b = 7; b <= 57; ++b) any = any || (b % 8 == c && (b / 8) % 4 == g);
      opened += any ? 1 : 0;
    }
  EXPECT_EQ(s.row_misses, opened);
  EXPECT_EQ(s.data_bus_busy_cycles, 51 * u(t.burst_length / 2));
}

// --- refresh -----------------------------------------------------------------------

TEST(DramRefreshSchedule, DueEveryTRefiWaitsForThePrechargeThenBlocks) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));  // tREFI 12480, tRFC 560, tRP 22, tRAS 52
  const uint64_t refi = 12480, blocked = 560 + 22;
  std::vector<BankState> banks(16);
  Refresh r(c);
  EXPECT_EQ(r.next_due(), refi);
  EXPECT_EQ(r.step(refi - 1, banks), Refresh::Gate::Free);
  // A bank activated 10 cycles before tREFI may not be precharged before tRAS after it.
  banks[3].activate(9, refi - 10, c);
  EXPECT_EQ(r.step(refi, banks), Refresh::Gate::BecameDue);
  EXPECT_TRUE(r.due());
  EventHorizon waiting(refi);
  r.next_events(waiting, banks);
  EXPECT_EQ(waiting.next(), refi + 42);  // the bank may be precharged
  EXPECT_EQ(r.step(refi + 41, banks), Refresh::Gate::Blocked);
  EXPECT_TRUE(banks[3].holds(9));
  EXPECT_EQ(r.step(refi + 42, banks), Refresh::Gate::Started);
  EXPECT_FALSE(banks[3].is_open());
  EXPECT_FALSE(r.due());
  EXPECT_EQ(r.blocked_until(), refi + 42 + blocked);
  EXPECT_EQ(r.next_due(), 2 * refi);  // a fixed schedule: the late start does not move it
  EventHorizon refreshing(refi + 42);
  r.next_events(refreshing, banks);
  EXPECT_EQ(refreshing.next(), refi + 42 + blocked);  // the refresh ends
  EXPECT_EQ(r.step(refi + 42 + blocked - 1, banks), Refresh::Gate::Blocked);
  EXPECT_EQ(r.step(refi + 42 + blocked, banks), Refresh::Gate::Free);
  // Due with every bank closed: starts at once.
  EXPECT_EQ(r.step(2 * refi, banks), Refresh::Gate::Started);
  EXPECT_EQ(r.blocked_until(), 2 * refi + blocked);
}

TEST(DramRefreshSchedule, SkippingStartsEveryRefreshDueBeforeTheTarget) {
  const CommandTiming c(find_dram_preset("ddr4-3200"));
  const uint64_t refi = 12480, blocked = 560 + 22;
  std::vector<BankState> banks(16);
  Refresh r(c);
  EXPECT_EQ(r.skip(0, refi, banks), 0u);  // [0, tREFI) holds no refresh
  EXPECT_EQ(r.skip(0, refi + 1, banks), 1u);
  EXPECT_EQ(r.blocked_until(), refi + blocked);
  EXPECT_EQ(r.skip(refi + 1, 3 * refi + 1, banks), 2u);  // at 2 tREFI and 3 tREFI
  EXPECT_EQ(r.blocked_until(), 3 * refi + blocked);
  EXPECT_EQ(r.next_due(), 4 * refi);
  // Due before the target, but a bank written at 4 tREFI - 30 may not be precharged until
  // 44 cycles after that WR (WL + B + tWR): it stays due...
  banks[0].activate(1, 4 * refi - 100, c);
  banks[0].column(4 * refi - 30, true, c);
  EXPECT_EQ(r.skip(3 * refi + 1, 4 * refi + 1, banks), 0u);
  EXPECT_TRUE(r.due());
  // ...and starts once it may.
  EXPECT_EQ(r.skip(4 * refi + 1, 4 * refi + 15, banks), 1u);
  EXPECT_EQ(r.blocked_until(), 4 * refi + 14 + blocked);
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

// --- scheduler (one channel of ddr4-3200, default mapping) -------------------------------

struct SchedulerBench {
  const DramTiming& t = find_dram_preset("ddr4-3200");
  CommandTiming c{t};
  AddressMapping m{t, kBankGroupsLowest};
  std::vector<BankState> banks = std::vector<BankState>(16);
  MemoryStats stats;  // what issue() counted
  Command at(CommandScheduler& s, uint64_t now) { return s.issue(now, banks, stats); }
  CommandScheduler make(size_t depth = 32) const { return CommandScheduler(c, m, 0, 16, depth); }
  // Queues `count` bursts from (bank, row, column) on, in one row, arriving at 0.
  void enqueue(CommandScheduler& s, uint32_t bank, uint64_t row, uint64_t column = 0, uint64_t count = 1,
               bool write = false) {
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t b = ddr4_address(bank, row, column + i) / 64;
      s.enqueue(b, b, write, 0, 1);
    }
  }
};

// First ready: a RD to the open row goes before an older burst that needs another row,
// whose PRE then waits for tRAS, its ACT for tRP and its RD for tRCD.
TEST(DramScheduler, AnOpenRowHitGoesBeforeAnOlderConflict) {
  SchedulerBench b;
  CommandScheduler s = b.make();
  b.banks[0].activate(1, 0, b.c);  // row 1 open: RD from 22, PRE from 52
  b.enqueue(s, 0, 2);              // older: row 2 of bank 0
  b.enqueue(s, 0, 1);              // younger: the open row
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

// One command per cycle: closed banks are activated oldest first (tRRD_S apart in two
// bank groups); the second RD waits for tCCD_S after the first.
TEST(DramScheduler, ActivatesClosedBanksOldestFirst) {
  SchedulerBench b;
  CommandScheduler s = b.make();
  b.enqueue(s, 5, 0);  // group 1
  b.enqueue(s, 3, 0);  // group 0
  s.admit();
  EXPECT_EQ(b.at(s, 0), Command::Activate);
  EXPECT_TRUE(b.banks[5].holds(0));
  EXPECT_FALSE(b.banks[3].is_open());
  EXPECT_EQ(b.at(s, 1), Command::None);  // tRRD_S
  EXPECT_EQ(b.at(s, 4), Command::Activate);
  EXPECT_TRUE(b.banks[3].holds(0));
  EXPECT_EQ(b.at(s, 21), Command::None);
  EXPECT_EQ(b.at(s, 22), Command::Column);  // bank 5
  EXPECT_EQ(b.at(s, 25), Command::None);
  EXPECT_EQ(b.at(s, 26), Command::Column);  // bank 3: tRCD after its ACT, tCCD_S after bank 5's RD
  EXPECT_EQ(s.bus_free(), 26 + 22 + 4u);
  EXPECT_EQ(b.stats.row_misses, 2u);
}

TEST(DramScheduler, NoPrechargeOfARowAQueuedBurstWants) {
  SchedulerBench b;
  CommandScheduler s = b.make();
  b.banks[0].activate(1, 0, b.c);
  b.banks[1].activate(0, 0, b.c);
  b.enqueue(s, 1, 0);
  b.enqueue(s, 0, 2);
  b.enqueue(s, 0, 1);
  s.admit();
  // At 60 every RD is ready and bank 0 could be precharged: the oldest ready RD goes.
  EXPECT_EQ(b.at(s, 60), Command::Column);
  EXPECT_EQ(s.queued_burst(0).bank, 0u);  // bank 1's burst left
  // At 61 tCCD_L (banks 0 and 1 share group 0) holds the RD for row 1 of bank 0 back,
  // but it keeps the row open.
  EXPECT_EQ(b.at(s, 61), Command::None);
  EXPECT_TRUE(b.banks[0].holds(1));
  EXPECT_EQ(b.at(s, 68), Command::Column);     // row 1 of bank 0
  EXPECT_EQ(b.at(s, 69), Command::None);       // tRTP after that RD
  EXPECT_EQ(b.at(s, 80), Command::Precharge);  // no one wants row 1 now
}

TEST(DramScheduler, RequestQueueAdmitsInOrderUpToItsDepth) {
  SchedulerBench b;
  CommandScheduler s = b.make(4);
  b.enqueue(s, 0, 0, 0, 5);  // five bursts of row 0 of bank 0
  b.enqueue(s, 1, 0, 0, 2);  // two of bank 1
  EXPECT_EQ(s.pending(), 7u);
  EXPECT_TRUE(s.admit());
  EXPECT_EQ(s.queued(), 4u);
  EXPECT_EQ(s.pending(), 7u);
  EXPECT_FALSE(s.admit());  // full
  EXPECT_EQ(b.at(s, 0), Command::Activate);
  EXPECT_EQ(b.at(s, 8), Command::None);  // bank 1's bursts are outside the window
  EXPECT_FALSE(b.banks[1].is_open());
  EXPECT_EQ(b.at(s, 22), Command::Column);
  EXPECT_EQ(s.queued(), 3u);
  EXPECT_TRUE(s.admit());  // the fifth burst of row 0
  EXPECT_EQ(s.queued_burst(3).bank, 0u);
  EXPECT_EQ(b.at(s, 30), Command::Column);  // tCCD_L after the first
  EXPECT_TRUE(s.admit());  // one burst of bank 1 enters behind them
  EXPECT_EQ(s.queued_burst(3).bank, 1u);
  EXPECT_EQ(b.at(s, 31), Command::Activate);  // bank 1 opens while bank 0 streams
  EXPECT_TRUE(b.banks[1].holds(0));
  EXPECT_EQ(b.stats.row_misses, 1u);  // the first RD of row 0 ...
  EXPECT_EQ(b.stats.row_hits, 1u);    // ... and the second
  EXPECT_EQ(s.pending(), 5u);         // four queued, one waiting
}

TEST(DramScheduler, OffersTheCyclesAtWhichAQueuedBurstMayIssue) {
  SchedulerBench b;
  CommandScheduler s = b.make();
  EventHorizon empty(5);
  s.next_events(empty, b.banks, 5);
  EXPECT_EQ(empty.next(), 6u);  // nothing queued, nothing offered: the next cycle
  b.banks[0].activate(1, 0, b.c);  // RD from 22, PRE from 52
  b.banks[3].precharge(10, b.c);   // ACT from 32
  b.enqueue(s, 0, 1);
  b.enqueue(s, 3, 0);
  b.enqueue(s, 0, 5);
  s.admit();
  for (const auto& [now, next] : std::vector<std::pair<uint64_t, uint64_t>>{{5, 22}, {22, 32}, {32, 52}, {52, 53}}) {
    EventHorizon h(now);
    s.next_events(h, b.banks, now);
    EXPECT_EQ(h.next(), next) << now;
  }
  // An issue() that finds nothing to issue offers the same cycles from its own pass: at 5
  // the RD waits for tRCD (22), the ACT for tRP (32), and bank 0's PRE for the row-1
  // burst that wants it open.
  CommandScheduler t = b.make();
  b.enqueue(t, 0, 1);
  b.enqueue(t, 3, 0);
  b.enqueue(t, 0, 5);
  t.admit();
  EXPECT_EQ(t.issue(5, b.banks, b.stats), Command::None);
  EventHorizon h(5);
  t.next_events(h, b.banks, 5);
  EXPECT_EQ(h.next(), 22u);
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
  for (const char* mapping : {kBankGroupsLowest, kColumnsLowest}) {
    DramCore core(t, mapping);
    // 20 rows = 2560 bursts: done before the first refresh at tREFI = 12480 when streaming
    // near peak (the default mapping); with columns lowest the refresh may fall inside.
    const uint64_t rows = 20, bytes = rows * u(t.row_bytes);
    core.submit(0, bytes, false);
    core.run_until_idle();
    const MemoryStats& s = core.stats();
    EXPECT_EQ(s.bursts, bytes / core.burst_bytes()) << mapping;
    if (s.refreshes == 0) {
      EXPECT_EQ(s.row_misses, u(t.banks)) << mapping;
      EXPECT_EQ(s.row_conflicts, rows - u(t.banks)) << mapping;
      EXPECT_EQ(s.row_hits, s.bursts - rows) << mapping;
    }
    EXPECT_EQ(s.data_bus_busy_cycles, s.bursts * u(t.burst_length / 2)) << mapping;
    EXPECT_EQ(s.read_bytes, bytes) << mapping;
  }
  DramCore core(t);
  core.submit(0, 20 * u(t.row_bytes), false);
  core.run_until_idle();
  EXPECT_EQ(core.stats().refreshes, 0u);
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
  EXPECT_EQ(x.reads, y.reads) << where;
  EXPECT_EQ(x.writes, y.writes) << where;
  EXPECT_EQ(x.read_latency_cycles, y.read_latency_cycles) << where;
  EXPECT_TRUE(a.same_state(b)) << where << ": the banks, rank constraints, queues or refresh differ";
}

// Drives two cores with the same submissions; `ticked` only ever tick()s, `fast` uses
// run_until_idle and skip_to. Some batches are submitted while earlier ones are in flight.
void compare_on_random_workload(const DramTiming& t, const char* mapping, uint64_t seed, int batches) {
  DramCore ticked(t, mapping), fast(t, mapping);
  ticked.step_every_cycle();
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
    const std::string where = fmt::format("{} {} seed {} batch {}", t.name, mapping, seed, i);
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
  expect_same(ticked, fast, fmt::format("{} {} seed {} end", t.name, mapping, seed));
  EXPECT_GT(fast.stats().refreshes, 0u) << t.name << " seed " << seed;  // the workload spans refreshes
}

TEST(DramFastForward, RunUntilIdleAndSkipToEqualTicking) {
  for (const DramTiming& t : dram_presets())
    for (const char* mapping : {kBankGroupsLowest, kColumnsLowest})
      for (uint64_t seed : {1, 2, 3}) compare_on_random_workload(t, mapping, seed, 40);
}

// The DMA's pattern in the fast fidelity: one transfer at a time on an idle core, tiles
// of up to 256 KiB read and written sequentially in a few regions, small random accesses
// between them, idle gaps of up to two refresh intervals. run_until_idle issues most of
// the bursts through the streaming fast path; every figure must equal plain ticking
// after each transfer.
void compare_on_streamed_tiles(const DramTiming& t, const char* mapping, uint64_t seed, int transfers) {
  DramCore ticked(t, mapping), fast(t, mapping);
  ticked.step_every_cycle();
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
    const std::string where =
        fmt::format("{} {} seed {} transfer {} ({} B at 0x{:x})", t.name, mapping, seed, i, bytes, addr);
    expect_same(ticked, fast, where);
    if (::testing::Test::HasFailure()) return;
    const uint64_t until = ticked.now() + (rng() % 3 == 0 ? rng() % (2 * u(t.tREFI)) : rng() % 64);
    while (ticked.now() < until) ticked.tick();
    fast.skip_to(until);
    expect_same(ticked, fast, where + " (skip_to)");
  }
  EXPECT_GT(fast.stats().refreshes, 0u) << t.name << " seed " << seed;
  // The default mapping streams most bursts; with columns lowest the same bank group's
  // column commands are tCCD_L apart, which the fast path leaves to ticking on DDR4.
  if (std::string(mapping) == kBankGroupsLowest) {
    EXPECT_GT(fast.streamed_bursts(), fast.stats().bursts / 2) << t.name << " seed " << seed;
  }
}

TEST(DramFastForward, StreamedTilesEqualTicking) {
  for (const DramTiming& t : dram_presets())
    for (const char* mapping : {kBankGroupsLowest, kColumnsLowest})
      for (uint64_t seed : {11, 12, 13}) compare_on_streamed_tiles(t, mapping, seed, 60);
}

// tick() skips the steps of cycles in which no channel can change (the cycle fidelity
// ticks every DRAM clock through it); stepping every cycle must reach the same state at
// every cycle, with submissions arriving at any cycle, idle or busy.
TEST(DramFastForward, TickSkippingQuietCyclesEqualsSteppingEveryCycle) {
  for (const DramTiming& t : dram_presets()) {
    for (const char* mapping : {kBankGroupsLowest, kColumnsLowest}) {
      DramCore every(t, mapping), skipping(t, mapping);
      every.step_every_cycle();
      std::mt19937_64 rng(5);
      for (int i = 0; i < 300; ++i) {
        const bool write = rng() % 3 == 0;
        const uint64_t addr = rng() % 4 == 0 ? rng() % (uint64_t(1) << 28) : (rng() % 64) * 4096;
        const uint64_t bytes = 1 + rng() % (rng() % 2 == 0 ? 256 : 65536);
        every.submit(addr, bytes, write);
        skipping.submit(addr, bytes, write);
        const uint64_t cycles = rng() % 4 == 0 ? rng() % (2 * u(t.tREFI)) : rng() % 2000;
        for (uint64_t c = 0; c < cycles; ++c) {
          every.tick();
          skipping.tick();
        }
        expect_same(every, skipping, fmt::format("{} {} submission {}", t.name, mapping, i));
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

// Transfers spanning several blocks (a row of one bank in each bank group), which the
// streaming fast path issues in one jump with the ACTs and PREs of the blocks after the
// first, each followed at once by an access to another row of a bank the transfer
// used: that access's PRE must wait for the bank's last RD (tRTP) or WR (write
// recovery), however long before the jump's end that RD/WR was. Transfers start
// inside and at the edges of blocks, end at every offset, and meet banks closed, open
// on the wanted row and open on another.
TEST(DramFastForward, TransfersAcrossBlocksEqualTicking) {
  for (const DramTiming& t : dram_presets()) {
    for (const char* mapping : {kBankGroupsLowest, kColumnsLowest}) {
      DramCore ticked(t, mapping), fast(t, mapping);
      ticked.step_every_cycle();
  ticked.step_every_cycle();
      std::mt19937_64 rng(7);
      // A block in the default mapping: every channel's and bank group's bursts of a row.
      const uint64_t block = u(t.row_bytes) * u(t.bank_groups) * u(t.channels);
      for (int i = 0; i < 120; ++i) {
        const bool write = rng() % 2 == 0;
        const uint64_t start = (rng() % 64) * block + (rng() % 3 == 0 ? 0 : rng() % block);
        const uint64_t bytes = block * (1 + rng() % 5) + rng() % block;
        // Another row of the bank holding the transfer's first block, and one of its last.
        const uint64_t other_row = row_stride(t) * (1 + rng() % 4);
        const std::pair<uint64_t, uint64_t> accesses[] = {
            {start, bytes}, {start + other_row, 64}, {start + bytes - 1 + other_row, 64}};
        for (const auto& [addr, n] : accesses) {  // the two short accesses queue behind the transfer
          ticked.submit(addr, n, write);
          fast.submit(addr, n, write);
        }
        while (!ticked.idle()) ticked.tick();
        fast.run_until_idle();
        expect_same(ticked, fast, fmt::format("{} {} transfer {} ({} B at 0x{:x})", t.name, mapping, i, bytes, start));
        if (::testing::Test::HasFailure()) return;
        // Now one transfer alone, then the conflicting access as soon as it is idle.
        ticked.submit(start + block, bytes, !write);
        fast.submit(start + block, bytes, !write);
        while (!ticked.idle()) ticked.tick();
        fast.run_until_idle();
        ticked.submit(start + block + other_row, 64, write);
        fast.submit(start + block + other_row, 64, write);
        while (!ticked.idle()) ticked.tick();
        fast.run_until_idle();
        expect_same(ticked, fast, fmt::format("{} {} lone transfer {}", t.name, mapping, i));
        if (::testing::Test::HasFailure()) return;
        const uint64_t gap = rng() % 3 == 0 ? rng() % 64 : 0;
        for (uint64_t c = 0; c < gap; ++c) ticked.tick();
        fast.skip_to(ticked.now());
      }
      if (std::string(mapping) == kBankGroupsLowest) {
        EXPECT_GT(fast.streamed_bursts(), fast.stats().bursts / 2) << t.name;
      }
    }
  }
}

// A queue depth of 1 and of 2 leaves the fast path the fewest bursts to batch and
// puts admissions right at its edges.
TEST(DramFastForward, ShallowQueuesEqualTicking) {
  for (const DramTiming& t : dram_presets()) {
    for (int depth : {1, 2, 3}) {
      DramCore ticked(t, kBankGroupsLowest, depth), fast(t, kBankGroupsLowest, depth);
      ticked.step_every_cycle();
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

TEST(DramFactory, UsesTheConfiguredMapping) {
  DramConfig c;
  c.name = "ddr4-3200";
  c.preset = find_dram_preset("ddr4-3200");
  c.address_mapping = kColumnsLowest;
  const std::unique_ptr<MemoryCore> dram = make_memory_core(c);
  const auto* core = dynamic_cast<DramCore*>(dram.get());
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(core->mapping().text(), kColumnsLowest);
  EXPECT_NE(core->describe().find("mapping rochrababgco"), std::string::npos) << core->describe();
}

TEST(DramFactory, RejectsAnEmptyRequestQueue) {
  EXPECT_THROW(DramCore(find_dram_preset("ddr4-3200"), kBankGroupsLowest, 0), Error);
}

// A request-driven front end submits only while the target channel has room.
TEST(DramCore, AcceptsWhileTheChannelHasRoom) {
  const DramTiming& t = find_dram_preset("hbm2");  // 8 channels, interleaved burst by burst
  DramCore core(t, kBankGroupsLowest, 2);
  EXPECT_TRUE(core.accepts(0));
  core.submit(0, 64, false);
  core.submit(8 * 64, 64, false);  // channel 0 again
  EXPECT_FALSE(core.accepts(16 * 64));
  EXPECT_TRUE(core.accepts(64));  // channel 1 is empty
  core.submit(64, 64, false);
  core.run_until_idle();
  EXPECT_TRUE(core.accepts(0));
  EXPECT_EQ(core.stats().reads, 3u);
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
    const Measured one_group = stream(t, stream_bytes, kColumnsLowest);
    const Measured rnd = random_reads(t, 4096, true), dep = random_reads(t, 1000, false);
    std::cout << fmt::format(
        "{:<12} 16 MiB stream {:5.1f}% of peak, row hits {:.3f}, run_until_idle {:5.1f} ns/burst | columns lowest "
        "{:5.1f}%, {:5.1f} ns/burst | 64 KiB tiles {:5.1f}%, row hits {:.3f} | random 64 B reads: 4096 queued "
        "{:5.1f}%, row hits {:.3f}; one at a time {:5.1f}%, row hits {:.3f}\n",
        name, 100 * seq.fraction_of_peak, seq.hit_rate, seq.ns_per_burst, 100 * one_group.fraction_of_peak,
        one_group.ns_per_burst, 100 * tiled.fraction_of_peak, tiled.hit_rate, 100 * rnd.fraction_of_peak,
        rnd.hit_rate, 100 * dep.fraction_of_peak, dep.hit_rate);
    // Bank groups interleaved, a sequential stream runs one burst every max(B, tCCD_S)
    // cycles but for the refreshes and the row switches.
    const double burst_share = static_cast<double>(t.burst_length / 2) /
                               static_cast<double>(std::max(t.burst_length / 2, t.tCCD_S));
    EXPECT_GE(seq.fraction_of_peak, 0.90 * burst_share) << name;
    EXPECT_LE(seq.fraction_of_peak, 1.0) << name;
    // With the columns lowest, a row's bursts stay in one bank group: at best one burst
    // per max(B, tCCD_L) while the queue holds a single row.
    const double one_group_share = static_cast<double>(t.burst_length / 2) /
                                   static_cast<double>(std::max(t.burst_length / 2, t.tCCD_L));
    if (t.tCCD_L > t.burst_length / 2) {
      EXPECT_LT(one_group.fraction_of_peak, seq.fraction_of_peak - 0.1) << name;
    }
    EXPECT_GE(one_group.fraction_of_peak, 0.85 * one_group_share) << name;
    if (std::string(name).rfind("ddr4", 0) == 0) {
      EXPECT_GE(tiled.fraction_of_peak, 0.85) << name;
    }
    EXPECT_GT(seq.hit_rate, 0.9) << name;
    EXPECT_GT(tiled.hit_rate, 0.9) << name;
    // Queued random reads overlap in different banks within tRRD and tFAW, but every one
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
