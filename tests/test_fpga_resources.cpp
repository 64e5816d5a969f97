// The FPGA resource model (models/arch/fpga_resources.h), the device presets
// (configs/fpga/*.yaml, sim/fpga_device_files.h) and `itera resources`. Every expected
// number is counted by hand in the comment beside it (docs/fpga-resources.md has the
// formulas), never taken from the program.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "accel_config_reader.h"
#include "embedded_configs.h"
#include "error.h"
#include "fpga_device_files.h"
#include "fpga_resources.h"
#include "test_support.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;

ArrayDesc array(int rows, int cols, Dataflow df = Dataflow::WeightStationary, int native = 8, bool pack = true) {
  ArrayDesc a;
  a.rows = rows;
  a.cols = cols;
  a.dataflow = df;
  a.native_bits = native;
  a.pack_lower_bits = pack;
  return a;
}

BufferConfig buffer(int kb, int banks, int ports, int width_bytes, bool double_buffer) {
  BufferConfig b;
  b.kb = kb;
  b.banks = banks;
  b.ports = ports;
  b.width_bytes = width_bytes;
  b.double_buffer = double_buffer;
  return b;
}

// ---- DSPs ----

TEST(FpgaDsp, PackingPerOperandWidths) {
  // <= 4 x 4 bits: 4 products per DSP (FINN mvu_4sx4u); <= 8 x 8: 2 (WP486); else one
  // 27 x 18 product; wider products tiled over ceil(wide / 27) x ceil(narrow / 18) DSPs.
  EXPECT_EQ(dsp_packing(4, 4).lanes, 4);
  EXPECT_EQ(dsp_packing(2, 3).lanes, 4);
  EXPECT_EQ(dsp_packing(4, 8).lanes, 2);
  EXPECT_EQ(dsp_packing(8, 8).lanes, 2);
  EXPECT_EQ(dsp_packing(8, 5).lanes, 2);
  EXPECT_EQ(dsp_packing(16, 8).lanes, 1);
  EXPECT_EQ(dsp_packing(16, 8).dsps_per_product, 1);
  EXPECT_EQ(dsp_packing(27, 18).dsps_per_product, 1);
  EXPECT_EQ(dsp_packing(18, 27).dsps_per_product, 1);  // the wider operand takes the 27-bit port
  EXPECT_EQ(dsp_packing(28, 8).dsps_per_product, 2);   // ceil(28/27) x ceil(8/18) = 2 x 1
  EXPECT_EQ(dsp_packing(32, 32).dsps_per_product, 4);  // ceil(32/27) x ceil(32/18) = 2 x 2
  EXPECT_EQ(dsp_packing(32, 32).lanes, 1);
  EXPECT_TRUE(contains(error_of([] { dsp_packing(0, 8); }), "1..64"));
}

TEST(FpgaDsp, EightBitArrayPairsNeighboursOnOneDsp) {
  // 16 x 16 ws, 8-bit PEs, w8a8: 1 MAC per PE; two PEs of a row share the activation on
  // one DSP (WP486): 16 rows x ceil(16 / 2) = 128.
  EXPECT_EQ(array_dsps(array(16, 16), {8, 8}), 128);
  // Odd columns: a row of 5 PEs needs ceil(5 / 2) = 3 DSPs; 3 rows -> 9.
  EXPECT_EQ(array_dsps(array(3, 5), {8, 8}), 9);
}

TEST(FpgaDsp, PackedFourBitArray) {
  // 8-bit PEs packing 4-bit weights: 2 MACs per PE (floor(8 / 4)), on the same activation.
  // w4a4: 4 products per DSP: 16 rows x ceil(16 x 2 / 4) = 128.
  EXPECT_EQ(array_dsps(array(16, 16), {4, 4}), 128);
  // w4a8: the 8-bit activation allows only 2 per DSP: 16 x ceil(32 / 2) = 256, twice the
  // 8-bit array, because the packed PE does twice the MACs.
  EXPECT_EQ(array_dsps(array(16, 16), {4, 8}), 256);
  // Without packing, a w4a4 PE does 1 MAC: 16 x ceil(16 / 4) = 64.
  EXPECT_EQ(array_dsps(array(16, 16, Dataflow::WeightStationary, 8, false), {4, 4}), 64);
  // 2-bit weights on 8-bit PEs: 4 MACs per PE; w2a4: 16 x ceil(64 / 4) = 256.
  EXPECT_EQ(array_dsps(array(16, 16), {2, 4}), 256);
}

TEST(FpgaDsp, SixteenBitAndWider) {
  // 16-bit weights (F16 factors): one product per DSP, 1 MAC per PE (16 >= native 8).
  EXPECT_EQ(array_dsps(array(16, 16), {16, 8}), 256);
  EXPECT_EQ(array_dsps(array(16, 16, Dataflow::WeightStationary, 16), {16, 16}), 256);
  // 32 x 32: 4 DSPs per product, 256 PEs -> 1024.
  EXPECT_EQ(array_dsps(array(16, 16, Dataflow::WeightStationary, 32), {32, 32}), 1024);
}

TEST(FpgaDsp, DataflowDecidesWhichProductsShareAnOperand) {
  // 3 x 5 array, w4a4 on 8-bit PEs (2 MACs per PE, 4 products per DSP).
  // ws (K x N) and os (M x N): a row shares the activation, and so do the packed MACs:
  // 3 x ceil(5 x 2 / 4) = 3 x 3 = 9.
  EXPECT_EQ(array_dsps(array(3, 5, Dataflow::WeightStationary), {4, 4}), 9);
  EXPECT_EQ(array_dsps(array(3, 5, Dataflow::OutputStationary), {4, 4}), 9);
  // is (K x M): a row shares the weight, lane by lane; a PE's two MACs share its input.
  // Per row: lane j of 4 neighbouring PEs: 2 x ceil(5 / 4) = 4, or within PEs:
  // 5 x ceil(2 / 4) = 5; the fewer: 4. 3 rows -> 12.
  EXPECT_EQ(array_dsps(array(3, 5, Dataflow::InputStationary), {4, 4}), 12);
  // One MAC per PE: is pairs along the row like ws: 3 x ceil(5 / 2) = 9.
  EXPECT_EQ(array_dsps(array(3, 5, Dataflow::InputStationary), {8, 8}), 9);
}

// ---- LUTs ----

TEST(FpgaLut, FinnRFormulaByHand) {
  // LUT multiplier (FINN-R): (2 ceil((W + A) / 6) - 1)(W + A).
  EXPECT_EQ(lut_multiplier_luts(8, 8), 80);  // (2 x 3 - 1) x 16
  EXPECT_EQ(lut_multiplier_luts(4, 4), 24);  // (2 x 2 - 1) x 8
  EXPECT_EQ(lut_multiplier_luts(2, 2), 4);   // (2 x 1 - 1) x 4
  // 16 x 16, w8a8 on DSPs: 300 + ceil(1.1 x 256 lanes x (0 + 16 + 32)) = 300 + ceil(13516.8) = 13817.
  EXPECT_EQ(array_luts(array(16, 16), {8, 8}, MultiplierStyle::Dsp), 13817);
  // The same with LUT multipliers: 256 x (80 + 16 + 32) = 32768; x 1.1 = 36044.8 -> 36045; + 300.
  EXPECT_EQ(array_luts(array(16, 16), {8, 8}, MultiplierStyle::Lut), 36345);
  // w4a4 packed: 512 lanes x (8 + 32) = 20480; x 1.1 = 22528 exactly; + 300.
  EXPECT_EQ(array_luts(array(16, 16), {4, 4}, MultiplierStyle::Dsp), 22828);
}

// ---- memories ----

const MemoryAspect& bram(const std::string& name) {
  for (const MemoryAspect& a : bram36_aspects())
    if (a.name == name) return a;
  throw Error("no aspect " + name);
}

TEST(FpgaMemory, PrimitiveTables) {
  // BRAM36 holds 36 Kb in every aspect; URAM288 is 72 x 4096 = 288 Kb.
  ASSERT_EQ(bram36_aspects().size(), 7u);
  for (const MemoryAspect& a : bram36_aspects()) {
    EXPECT_EQ(a.kind, MemoryKind::Bram36);
    EXPECT_EQ(int64_t{a.width} * a.depth, a.width == 1 || a.width == 2 || a.width == 4 ? 32768 : 36864) << a.name;
  }
  EXPECT_EQ(bram("72x512 SDP").array_ports, 1);
  EXPECT_TRUE(bram("72x512 SDP").dma_port);
  EXPECT_EQ(bram("36x1024").array_ports, 2);
  EXPECT_EQ(uram_aspect().width, 72);
  EXPECT_EQ(uram_aspect().depth, 4096);
  EXPECT_EQ(uram_aspect().array_ports, 2);
}

// 64 KiB in 8 banks of 16-byte words: each bank 8192 B = 512 words of 128 bits.
TEST(FpgaMemory, SixtyFourKibInEightBanksOfSixteenBytes) {
  const BankShape two = bank_shape(buffer(64, 8, 2, 16, false));
  EXPECT_EQ(two.word_bits, 128);
  EXPECT_EQ(two.words, 512);
  // 2 ports, single-buffered: a true-dual-port copy gives both. 36x1024: ceil(128/36) x
  // ceil(512/1024) = 4 x 1 = 4; 18x2048: 8; 9x4096: 15; 72x512 (1 array port): 2 copies x
  // ceil(128/72) x 1 = 4, later in the table. Best 4 per bank -> 32 BRAM36.
  EXPECT_EQ(map_bank(two, bram("18x2048"), BankLayout::Whole).blocks, 8);
  EXPECT_EQ(map_bank(two, bram("9x4096"), BankLayout::Whole).blocks, 15);
  EXPECT_EQ(map_bank(two, bram("72x512 SDP"), BankLayout::Whole).blocks, 4);
  const BankMapping b = best_bank_mapping(two, MemoryKind::Bram36);
  EXPECT_EQ(b.blocks, 4);
  EXPECT_STREQ(b.aspect.name, "36x1024");
  EXPECT_EQ(b.copies, 1);
  // URAM: ceil(128/72) x ceil(512/4096) = 2 per bank -> 16 URAM; 2 URAM = 16 BRAM36 of bits
  // > 4, so BRAM36 is chosen even where URAM is allowed.
  EXPECT_EQ(best_bank_mapping(two, MemoryKind::Uram).blocks, 2);
  ResourceEstimate e;
  AccelConfig c = default_accel_config();
  c.buffers.weight = c.buffers.input = c.buffers.output = buffer(64, 8, 2, 16, false);
  e = estimate_resources(c, same_precisions(unit_arrays(c), {{8, 8}}), EstimateOptions{MultiplierStyle::Dsp, true});
  const BufferEstimate& w = e.units[0].buffers[Buffer::Weight];
  EXPECT_EQ(w.resources.bram36, 32);
  EXPECT_EQ(w.resources.uram, 0);
  EXPECT_EQ(w.chosen, MemoryKind::Bram36);
  // Control: 8 banks x (2 + 1) ports x ceil(log2 512) = 8 x 3 x 9 = 216 LUTs.
  EXPECT_EQ(w.resources.lut, 216);
  EXPECT_EQ(w.resources.dsp, 0);
}

TEST(FpgaMemory, OnePortTwoPortsFourPorts) {
  // The same 512 x 128-bit bank.
  // 1 port: the simple-dual-port 72x512 serves it: 1 copy x ceil(128/72) = 2 x 1 = 2.
  const BankMapping one = best_bank_mapping(bank_shape(buffer(64, 8, 1, 16, false)), MemoryKind::Bram36);
  EXPECT_EQ(one.blocks, 2);
  EXPECT_STREQ(one.aspect.name, "72x512 SDP");
  // 2 ports: 4 (above). 4 ports: beyond a copy's 2, so the bank is replicated:
  // 36x1024: ceil(4/2) = 2 copies x 4 = 8; 72x512: 4 copies x 2 = 8; the earlier aspect wins.
  const BankMapping four = best_bank_mapping(bank_shape(buffer(64, 8, 4, 16, false)), MemoryKind::Bram36);
  EXPECT_EQ(four.blocks, 8);
  EXPECT_EQ(four.copies, 2);
  EXPECT_STREQ(four.aspect.name, "36x1024");
  EXPECT_EQ(map_bank(bank_shape(buffer(64, 8, 4, 16, false)), bram("72x512 SDP"), BankLayout::Whole).copies, 4);
  // URAM with 4 ports: 2 copies x 2 x 1 = 4 per bank.
  EXPECT_EQ(best_bank_mapping(bank_shape(buffer(64, 8, 4, 16, false)), MemoryKind::Uram).blocks, 4);
}

TEST(FpgaMemory, DoubleBufferingKeepsCapacityButNeedsTheDmaPort) {
  // kb is the whole buffer, both halves (the simulator gives a tile half of it): the bank
  // stays 512 words. Whole: a true-dual-port memory needs ceil((2 + 1) / 2) = 2 copies
  // (the DMA fills the idle half concurrently): 36x1024 -> 8; the 72x512's write port
  // takes the fills: 2 copies x 2 = 4. Halves (256 words each, 1 copy): 2 x 4 = 8 on
  // 36x1024, 2 x 2 copies x 2 = 8 on 72x512. Best 4.
  const BankShape db = bank_shape(buffer(64, 8, 2, 16, true));
  EXPECT_EQ(db.words, 512);
  EXPECT_EQ(map_bank(db, bram("36x1024"), BankLayout::Whole).blocks, 8);
  EXPECT_EQ(map_bank(db, bram("36x1024"), BankLayout::Whole).copies, 2);
  EXPECT_EQ(map_bank(db, bram("36x1024"), BankLayout::Halves).blocks, 8);
  EXPECT_EQ(map_bank(db, bram("72x512 SDP"), BankLayout::Halves).blocks, 8);
  const BankMapping best = best_bank_mapping(db, MemoryKind::Bram36);
  EXPECT_EQ(best.blocks, 4);
  EXPECT_STREQ(best.aspect.name, "72x512 SDP");
  EXPECT_EQ(best.layout, BankLayout::Whole);
  EXPECT_TRUE(contains(error_of([] { map_bank(bank_shape(buffer(64, 8, 2, 16, false)), bram("36x1024"),
                                              BankLayout::Halves); }),
                       "double-buffered"));

  // A 4 KiB bank of 32-bit words, 2 ports: 1024 words. Single-buffered: one 36x1024.
  // Double-buffered: whole needs 2 copies (2 blocks); 72x512: 2 copies x 1 x 2 = 4;
  // halves: 2 x 1 = 2. So double buffering costs a block here, not capacity.
  EXPECT_EQ(best_bank_mapping(bank_shape(buffer(4, 1, 2, 4, false)), MemoryKind::Bram36).blocks, 1);
  EXPECT_EQ(best_bank_mapping(bank_shape(buffer(4, 1, 2, 4, true)), MemoryKind::Bram36).blocks, 2);

  // A deep bank: 512 KiB in 4 banks of 8 bytes = 16384 words of 64 bits.
  // Single: 2x16384: 32 x 1 = 32 (1x32768: 64; 4x8192: 16 x 2 = 32, later). Double-buffered:
  // halves of 8192 words, 1 copy: 4x8192 2 x 16 x 1 = 32; whole needs 2 copies: 64. Same 32:
  // double buffering costs nothing here.
  const BankMapping deep = best_bank_mapping(bank_shape(buffer(512, 4, 2, 8, false)), MemoryKind::Bram36);
  EXPECT_EQ(deep.blocks, 32);
  EXPECT_STREQ(deep.aspect.name, "2x16384");
  const BankMapping deep_db = best_bank_mapping(bank_shape(buffer(512, 4, 2, 8, true)), MemoryKind::Bram36);
  EXPECT_EQ(deep_db.blocks, 32);
  EXPECT_STREQ(deep_db.aspect.name, "4x8192");
  EXPECT_EQ(deep_db.layout, BankLayout::Halves);
  // URAM: single 1 x ceil(16384/4096) = 4; double-buffered halves 2 x 2 = 4, whole 2 copies x 4 = 8.
  EXPECT_EQ(best_bank_mapping(bank_shape(buffer(512, 4, 2, 8, false)), MemoryKind::Uram).blocks, 4);
  EXPECT_EQ(best_bank_mapping(bank_shape(buffer(512, 4, 2, 8, true)), MemoryKind::Uram).blocks, 4);
}

TEST(FpgaMemory, UramWhenItHoldsNoMoreBits) {
  // The deep bank: 4 URAM (= 32 BRAM36 of bits) vs 32 BRAM36: a tie goes to URAM.
  AccelConfig c = default_accel_config();
  c.buffers.weight = buffer(512, 4, 2, 8, false);
  const UnitPrecisions p = same_precisions(unit_arrays(c), {{8, 8}});
  const ResourceEstimate with_uram = estimate_resources(c, p, EstimateOptions{MultiplierStyle::Dsp, true});
  EXPECT_EQ(with_uram.units[0].buffers[Buffer::Weight].resources.uram, 16);  // 4 banks x 4
  EXPECT_EQ(with_uram.units[0].buffers[Buffer::Weight].resources.bram36, 0);
  const ResourceEstimate without = estimate_resources(c, p, EstimateOptions{MultiplierStyle::Dsp, false});
  EXPECT_EQ(without.units[0].buffers[Buffer::Weight].resources.bram36, 128);  // 4 banks x 32
  EXPECT_EQ(without.units[0].buffers[Buffer::Weight].resources.uram, 0);
  // A device decides: zcu102 has no URAM, zcu104 has.
  EXPECT_EQ(estimate_resources(c, p, find_fpga_device("zcu102")).units[0].buffers[Buffer::Weight].resources.uram, 0);
  EXPECT_EQ(estimate_resources(c, p, find_fpga_device("zcu104")).units[0].buffers[Buffer::Weight].resources.uram,
            16);
}

// ---- whole configs ----

TEST(FpgaEstimate, DefaultConfigByHand) {
  // configs/default.yaml: 32 x 32 ws, 8-bit PEs packing; weight and input 256 KiB in 8 banks,
  // output 128 KiB in 16 banks, all 2 ports of 16 B, double-buffered.
  const AccelConfig c = default_accel_config();
  const ResourceEstimate e =
      estimate_resources(c, same_precisions(unit_arrays(c), {{8, 8}}), EstimateOptions{MultiplierStyle::Dsp, false});
  ASSERT_EQ(e.units.size(), 1u);
  // DSP: 32 x ceil(32 / 2) = 512.
  EXPECT_EQ(e.total.dsp, 512);
  // Weight bank: 262144 / 8 = 32768 B = 2048 words of 128 bits. Halves of 1024 words, 1 copy:
  // 36x1024 2 x 4 x 1 = 8 (whole: 2 copies x 4 x 2 = 16; 72x512 whole 2 x 2 x 4 = 16). 8 banks -> 64.
  EXPECT_EQ(e.units[0].buffers[Buffer::Weight].resources.bram36, 64);
  EXPECT_EQ(e.units[0].buffers[Buffer::Input].resources.bram36, 64);
  // Output bank: 131072 / 16 = 8192 B = 512 words: 4 per bank (above) -> 64.
  EXPECT_EQ(e.units[0].buffers[Buffer::Output].resources.bram36, 64);
  EXPECT_EQ(e.total.bram36, 192);
  EXPECT_EQ(e.total.uram, 0);
  // LUT: array 300 + ceil(1.1 x 1024 x 48) = 300 + ceil(54067.2) = 54368; control: weight and
  // input 8 x 3 x 11 = 264 each, output 16 x 3 x 9 = 432 -> 54368 + 960 = 55328.
  EXPECT_EQ(e.total.lut, 55328);
}

AccelConfig small_dedicated() {
  AccelConfig c = default_accel_config();
  c.array.rows = c.array.cols = 16;
  c.buffers.weight = c.buffers.input = c.buffers.output = buffer(64, 8, 2, 16, false);
  c.low_rank.datapath = LowRankDatapath::Dedicated;
  c.low_rank.dedicated_rows = c.low_rank.dedicated_cols = 4;
  return c;
}

TEST(FpgaEstimate, DedicatedLowRankArrayHasItsOwnBuffers) {
  const AccelConfig c = small_dedicated();
  const ResourceEstimate e =
      estimate_resources(c, same_precisions(unit_arrays(c), {{8, 8}}), EstimateOptions{MultiplierStyle::Dsp, false});
  ASSERT_EQ(e.units.size(), 2u);
  // main 16 x 16: 128 DSP, 13817 LUT; low-rank 4 x 4: 4 x ceil(4/2) = 8 DSP,
  // 300 + ceil(1.1 x 16 x 48 = 844.8) = 1145 LUT. Each unit has 3 buffers of 32 BRAM36, 216 LUT.
  EXPECT_EQ(e.units[0].total.dsp, 128);
  EXPECT_EQ(e.units[1].total.dsp, 8);
  EXPECT_EQ(e.units[1].compute.resources.lut, 1145);
  EXPECT_EQ(e.units[1].total.bram36, 96);
  EXPECT_EQ(e.total.dsp, 136);
  EXPECT_EQ(e.total.bram36, 192);
  EXPECT_EQ(e.total.uram, 0);
  EXPECT_EQ(e.total.lut, 13817 + 1145 + 6 * 216);  // 16258

  // Each unit at its own widths: main w4a8 (16 x ceil(32/2) = 256), low-rank w4a4 (4 x ceil(8/4) = 8).
  const ResourceEstimate per_unit =
      estimate_resources(c, UnitPrecisions{{{4, 8}}, {{4, 4}}}, EstimateOptions{MultiplierStyle::Dsp, false});
  EXPECT_EQ(per_unit.units[0].compute.resources.dsp, 256);
  EXPECT_EQ(per_unit.units[1].compute.resources.dsp, 8);
}

TEST(FpgaEstimate, SizedForTheWidestPair) {
  // 16 x 16 running w8a8 (128 DSP) and w4a8 (256 DSP): the slices serve both -> 256.
  AccelConfig c = small_dedicated();
  c.low_rank.datapath = LowRankDatapath::Shared;
  const ResourceEstimate e = estimate_resources(c, same_precisions(unit_arrays(c), {{8, 8}, {4, 8}}),
                                                EstimateOptions{MultiplierStyle::Dsp, false});
  EXPECT_EQ(e.units[0].compute.resources.dsp, 256);
  EXPECT_EQ(e.units[0].compute.dsp_sizing, (Precision{4, 8}));
  EXPECT_EQ(e.units[0].compute.pack, 2);
  // LUTs: w8a8: 256 lanes x 48 = 12288; w4a8: 512 lanes x 44 = 22528 -> 300 + ceil(24780.8) = 25081.
  EXPECT_EQ(e.units[0].compute.resources.lut, 25081);
  EXPECT_EQ(e.units[0].compute.lut_sizing, (Precision{4, 8}));
  // LUT multipliers: no DSPs.
  const ResourceEstimate luts = estimate_resources(c, same_precisions(unit_arrays(c), {{8, 8}}),
                                                   EstimateOptions{MultiplierStyle::Lut, false});
  EXPECT_EQ(luts.total.dsp, 0);
  EXPECT_EQ(luts.units[0].compute.resources.lut, 36345);
}

TEST(FpgaEstimate, PairsFromATrace) {
  const Trace t = parse_trace(
      "itera-trace 1\n"
      "q dense 1 64 64 4 8 0 0 1 - -\n"
      "q.down lr_down 1 64 16 4 8 0 16 1 - -\n"
      "q.up lr_up 1 16 64 16 8 0 16 1 q.down q\n",
      "t.trace");
  AccelConfig c = small_dedicated();
  c.low_rank.datapath = LowRankDatapath::Shared;
  const UnitPrecisions shared = trace_precisions(t, unit_arrays(c));
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_EQ(shared[0], (std::vector<Precision>{{4, 8}, {16, 8}}));
  c.low_rank.datapath = LowRankDatapath::Dedicated;
  const UnitPrecisions dedicated = trace_precisions(t, unit_arrays(c));
  ASSERT_EQ(dedicated.size(), 2u);
  EXPECT_EQ(dedicated[0], (std::vector<Precision>{{4, 8}}));
  EXPECT_EQ(dedicated[1], (std::vector<Precision>{{4, 8}, {16, 8}}));
  // A unit that runs nothing is sized at its PEs' native width.
  const Trace dense_only = parse_trace("itera-trace 1\nq dense 1 64 64 4 8 0 0 1 - -\n", "d.trace");
  EXPECT_EQ(trace_precisions(dense_only, unit_arrays(c))[1], (std::vector<Precision>{{8, 8}}));
}

TEST(FpgaEstimate, PairsOfADecomposition) {
  AccelConfig c = small_dedicated();
  // ITERA compensated, 4-bit weights + 4-bit factors, 8-bit activations, dedicated array:
  // main w4a8, low-rank w4a8.
  const UnitPrecisions d = decomposition_precisions(unit_arrays(c), 4, 4, 8);
  EXPECT_EQ(d, (UnitPrecisions{{{4, 8}}, {{4, 8}}}));
  // Factorized form with F16 factors (no dense part): the main array runs nothing.
  EXPECT_EQ(decomposition_precisions(unit_arrays(c), 0, 16, 8), (UnitPrecisions{{{8, 8}}, {{16, 8}}}));
  // Shared datapath: the main array runs both.
  c.low_rank.datapath = LowRankDatapath::Shared;
  EXPECT_EQ(decomposition_precisions(unit_arrays(c), 3, 16, 8), (UnitPrecisions{{{3, 8}, {16, 8}}}));
  EXPECT_EQ(decomposition_precisions(unit_arrays(c), 8, 0, 8), (UnitPrecisions{{{8, 8}}}));
  EXPECT_TRUE(contains(error_of([&] { decomposition_precisions(unit_arrays(c), 4, 4, 0); }), "1..64"));
}

TEST(FpgaEstimate, BadInputs) {
  const AccelConfig c = default_accel_config();
  EXPECT_TRUE(contains(error_of([&] { estimate_resources(c, UnitPrecisions{{}}, EstimateOptions{}); }),
                       "no operand widths given for the main array"));
  EXPECT_TRUE(contains(error_of([&] { estimate_resources(c, UnitPrecisions{{{8, 8}}, {{8, 8}}}, EstimateOptions{}); }),
                       "given for 2 units; the config has 1"));
  EXPECT_TRUE(contains(error_of([&] { estimate_resources(c, UnitPrecisions{{{65, 8}}}, EstimateOptions{}); }),
                       "1..64"));
}

// ---- device presets ----

// The device table of the co-design background notes (AMD product tables), written out.
struct ExpectedDevice {
  const char* name;
  int64_t dsp, bram36, uram, lut;
};
const ExpectedDevice kTable[] = {
    {"zcu102", 2520, 912, 0, 274080},      {"zcu104", 1728, 312, 96, 230400},
    {"kv260", 1248, 144, 64, 117120},      {"vcu118", 6840, 2160, 960, 1182240},
    {"u250", 12288, 2688, 1280, 1728000},  {"u280", 9024, 2016, 960, 1303680},
};

std::vector<std::pair<std::string, std::string>> source_device_files() {
  std::vector<std::pair<std::string, std::string>> files;
  for (const fs::directory_entry& e : fs::directory_iterator(fs::path(ITERA_SOURCE_DIR) / "configs" / "fpga"))
    if (e.is_regular_file() && e.path().extension() == ".yaml")
      files.emplace_back("configs/fpga/" + e.path().filename().string(), testing::slurp(e.path().string()));
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FpgaDevices, CompiledInFilesAreExactlyTheFolder) {
  const auto source = source_device_files();
  const std::vector<EmbeddedFile>& embedded = embedded_fpga_device_files();
  ASSERT_EQ(embedded.size(), source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    EXPECT_EQ(embedded[i].path, source[i].first);
    EXPECT_EQ(embedded[i].text, source[i].second);
  }
  EXPECT_EQ(builtin_fpga_devices().all().size(), source.size());
}

TEST(FpgaDevices, NumbersAreTheTables) {
  ASSERT_EQ(builtin_fpga_devices().all().size(), std::size(kTable));
  for (const ExpectedDevice& x : kTable) {
    SCOPED_TRACE(x.name);
    const FpgaDevice& d = find_fpga_device(x.name);
    EXPECT_EQ(d.name, x.name);
    EXPECT_EQ(d.dsp, x.dsp);
    EXPECT_EQ(d.bram36, x.bram36);
    EXPECT_EQ(d.uram, x.uram);
    EXPECT_EQ(d.lut, x.lut);
    EXPECT_FALSE(d.source.empty());
    EXPECT_FALSE(d.part.empty());
  }
  EXPECT_EQ(builtin_fpga_devices().names(), "kv260, u250, u280, vcu118, zcu102, zcu104");
}

// The "FPGA device presets" table of configs/README.md: one row per file, with its numbers.
TEST(FpgaDevices, ReadmeTableMatchesTheFiles) {
  std::istringstream in(testing::slurp(std::string(ITERA_SOURCE_DIR) + "/configs/README.md"));
  std::string line;
  std::map<std::string, std::vector<std::string>> rows;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| device | part | DSP | BRAM36 | URAM | LUT |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty() || line[0] != '|') break;
    if (line.rfind("|---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream cs(line.substr(1));
    while (std::getline(cs, cell, '|')) {
      const size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
      cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
    }
    ASSERT_GE(cells.size(), 6u) << line;
    std::string name = cells[0];
    name.erase(std::remove(name.begin(), name.end(), '`'), name.end());
    rows[name] = cells;
  }
  ASSERT_EQ(rows.size(), builtin_fpga_devices().all().size());
  const auto number = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ','), s.end());
    return std::stoll(s);
  };
  for (const FpgaDevice& d : builtin_fpga_devices().all()) {
    SCOPED_TRACE(d.name);
    ASSERT_TRUE(rows.count(d.name));
    const auto& r = rows[d.name];
    EXPECT_EQ(number(r[2]), d.dsp);
    EXPECT_EQ(number(r[3]), d.bram36);
    EXPECT_EQ(number(r[4]), d.uram);
    EXPECT_EQ(number(r[5]), d.lut);
  }
}

std::vector<std::string> device_lines() {
  return {"part: \"a test part\"", "dsp: 100", "bram36: 50", "uram: 10", "lut: 20000", "source: \"a test\""};
}
std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}
std::vector<std::string> with(std::vector<std::string> lines, size_t n, const std::string& line) {
  lines.at(n - 1) = line;
  return lines;
}
std::string device_error(const std::vector<std::string>& lines) {
  return error_of([&] { parse_fpga_device(join(lines), "dir/xcvu13p.yaml"); });
}

TEST(FpgaDevices, ANewFileIsANewDevice) {
  std::vector<EmbeddedFile> files = embedded_fpga_device_files();
  files.push_back({"configs/fpga/xcvu13p.yaml", join(device_lines())});
  const FpgaDevices devices(files);
  EXPECT_EQ(devices.names(), "kv260, u250, u280, vcu118, xcvu13p, zcu102, zcu104");
  const FpgaDevice& d = devices.get("xcvu13p");
  EXPECT_EQ(d.dsp, 100);
  EXPECT_EQ(d.bram36, 50);
  EXPECT_EQ(d.uram, 10);
  EXPECT_EQ(d.lut, 20000);
  EXPECT_EQ(d.part, "a test part");
  EXPECT_EQ(d.source, "a test");
}

TEST(FpgaDevices, Errors) {
  EXPECT_EQ(error_of([] { find_fpga_device("zcu999"); }),
            "unknown FPGA device 'zcu999'; known devices: kv260, u250, u280, vcu118, zcu102, zcu104");
  std::vector<std::string> extra = device_lines();
  extra.push_back("ff: 1000");
  EXPECT_EQ(device_error(extra),
            "dir/xcvu13p.yaml:7: unknown key 'ff'; allowed keys at the top level: part, dsp, bram36, uram, lut, source");
  std::vector<std::string> missing = device_lines();
  missing.erase(missing.begin() + 3);  // uram
  EXPECT_TRUE(contains(device_error(missing), "dir/xcvu13p.yaml:1: missing key 'uram' at the top level"));
  EXPECT_EQ(device_error(with(device_lines(), 2, "dsp: -1")),
            "dir/xcvu13p.yaml:2: dsp = -1 is out of range; allowed: 0..1000000");
  EXPECT_EQ(device_error(with(device_lines(), 3, "bram36: 1.5")),
            "dir/xcvu13p.yaml:3: bram36 must be an integer in 0..1000000; got '1.5'");
  EXPECT_EQ(device_error(with(device_lines(), 5, "lut: \"20000\"")),
            "dir/xcvu13p.yaml:5: lut must be an integer in 1..100000000; got the quoted string '20000'");
  std::vector<std::string> twice = device_lines();
  twice.push_back("dsp: 5");
  EXPECT_EQ(device_error(twice), "dir/xcvu13p.yaml:7: duplicate key 'dsp' (first given on line 2)");
  const std::vector<EmbeddedFile> same = {{"a/x.yaml", join(device_lines())}, {"b/x.yaml", join(device_lines())}};
  EXPECT_EQ(error_of([&] { FpgaDevices d(same); }), "b/x.yaml: FPGA device 'x' is also defined by a/x.yaml");
}

// ---- against a device ----

TEST(FpgaFit, UtilizationAndMaxUtilization) {
  const FpgaDevice& z = find_fpga_device("zcu102");  // 2520 DSP, 912 BRAM36, 0 URAM, 274080 LUT
  FpgaResources used;
  used.dsp = 2016;  // 0.8 x 2520
  used.bram36 = 456;  // 0.5 x 912
  used.lut = 137040;  // 0.5 x 274080
  EXPECT_DOUBLE_EQ(utilization(used, z, Resource::Dsp), 0.8);
  EXPECT_DOUBLE_EQ(utilization(used, z, Resource::Bram36), 0.5);
  EXPECT_EQ(utilization(used, z, Resource::Uram), 0.0);
  EXPECT_TRUE(feasible(used, z, 0.8));
  EXPECT_TRUE(feasible(used, z, 1.0));
  used.dsp = 2017;
  EXPECT_FALSE(feasible(used, z, 0.8));
  EXPECT_EQ(over_limit(used, z, 0.8), std::vector<Resource>{Resource::Dsp});
  EXPECT_TRUE(feasible(used, z, 0.9));
  // A resource the device has none of.
  used.dsp = 0;
  used.uram = 1;
  EXPECT_TRUE(std::isinf(utilization(used, z, Resource::Uram)));
  EXPECT_EQ(over_limit(used, z, 1.0), std::vector<Resource>{Resource::Uram});
  // 0.29 x 100 is 28.999999999999996 in binary; 29 still fits.
  FpgaDevice small;
  small.dsp = small.bram36 = small.uram = small.lut = 100;
  FpgaResources u29;
  u29.lut = 29;
  EXPECT_TRUE(feasible(u29, small, 0.29));
  u29.lut = 30;
  EXPECT_FALSE(feasible(u29, small, 0.29));
  EXPECT_TRUE(contains(error_of([&] { feasible(u29, small, 0.0); }), "(0, 1]"));
  EXPECT_TRUE(contains(error_of([&] { feasible(u29, small, 1.5); }), "(0, 1]"));
}

TEST(FpgaFit, DefaultConfigOnTwoBoards) {
  // 512 DSP, 192 BRAM36, 55328 LUT (DefaultConfigByHand). zcu104: 192 / 312 = 61.5% of BRAM:
  // fits at 1.0 and at 0.7, not at 0.6 (0.6 x 312 = 187.2). kv260: 192 > 144 BRAM36.
  const AccelConfig c = default_accel_config();
  const UnitPrecisions p = same_precisions(unit_arrays(c), {{8, 8}});
  const FpgaResources zcu104 = estimate_resources(c, p, find_fpga_device("zcu104")).total;
  EXPECT_EQ(zcu104.bram36, 192);
  EXPECT_TRUE(feasible(zcu104, find_fpga_device("zcu104"), 1.0));
  EXPECT_TRUE(feasible(zcu104, find_fpga_device("zcu104"), 0.7));
  EXPECT_EQ(over_limit(zcu104, find_fpga_device("zcu104"), 0.6), std::vector<Resource>{Resource::Bram36});
  const FpgaResources kv260 = estimate_resources(c, p, find_fpga_device("kv260")).total;
  EXPECT_EQ(over_limit(kv260, find_fpga_device("kv260"), 1.0), std::vector<Resource>{Resource::Bram36});
}

// ---- the CLI ----

const char* kSmallConfig =
    "array: {rows: 16, cols: 16}\n"
    "buffers:\n"
    "  weight: {kb: 64, banks: 8, ports: 2, width_bytes: 16, double_buffer: false}\n"
    "  input: {kb: 64, banks: 8, ports: 2, width_bytes: 16, double_buffer: false}\n"
    "  output: {kb: 64, banks: 8, ports: 2, width_bytes: 16, double_buffer: false}\n";

TEST(ResourcesCli, JsonTotalsAreTheLibrarysAndTheHandCount) {
  testing::TempDir dir;
  const std::string config = dir.file("small.yaml");
  testing::write_file(config, kSmallConfig);
  const testing::CliResult r = testing::run_cli("resources --config " + testing::shell_quote(config) +
                                                " --device zcu104 --wbits 8 --abits 8 --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  // By hand: 16 x ceil(16/2) = 128 DSP; 3 buffers x 8 banks x 4 = 96 BRAM36 (URAM would take
  // 2 per bank = 16 BRAM36 of bits > 4); LUT 13817 + 3 x 216 = 14465.
  EXPECT_EQ(j["total"]["dsp"], 128);
  EXPECT_EQ(j["total"]["bram36"], 96);
  EXPECT_EQ(j["total"]["uram"], 0);
  EXPECT_EQ(j["total"]["lut"], 14465);
  // The library on the same config.
  const AccelConfig c = load_accel_config(config);
  const FpgaResources lib =
      estimate_resources(c, same_precisions(unit_arrays(c), {{8, 8}}), find_fpga_device("zcu104")).total;
  EXPECT_EQ(j["total"]["dsp"], lib.dsp);
  EXPECT_EQ(j["total"]["bram36"], lib.bram36);
  EXPECT_EQ(j["total"]["uram"], lib.uram);
  EXPECT_EQ(j["total"]["lut"], lib.lut);
  EXPECT_EQ(j["device"]["name"], "zcu104");
  EXPECT_DOUBLE_EQ(j["device"]["utilization"]["dsp"].get<double>(), 128.0 / 1728);
  EXPECT_EQ(j["device"]["feasible"], true);
  EXPECT_EQ(j["units"][0]["buffers"][0]["aspect"], "36x1024");
  // The table went to standard error.
  EXPECT_TRUE(testing::contains_all(r.err, {"DSP", "BRAM36", "total", "fits at max utilization 100%: yes"}));
}

TEST(ResourcesCli, TableFileAndLimits) {
  testing::TempDir dir;
  const std::string config = dir.file("small.yaml");
  testing::write_file(config, kSmallConfig);
  const std::string json = dir.file("out.json");
  // w4a8: 16 x ceil(32/2) = 256 DSPs; 3 x 32 = 96 BRAM36; LUT 300 + ceil(1.1 x 512 x (12 + 32))
  // = 300 + ceil(24780.8) = 25081, plus 3 x 216 = 25729. At 0.1 of kv260 (1248 DSP, 144 BRAM36,
  // 64 URAM, 117120 LUT) the limits are 124.8, 14.4, 6.4 and 11712: DSP, BRAM36 and LUT are over.
  const testing::CliResult r =
      testing::run_cli("resources --config " + testing::shell_quote(config) +
                       " --device kv260 --wbits 4 --abits 8 --max-utilization 0.1 --json " + testing::shell_quote(json));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(testing::contains_all(
      r.out, {"main", "array 16x16", "fits at max utilization 10%: no: DSP 256 > 124.8 BRAM36 96 > 14.4 LUT 25729 > 11712"}));
  const nlohmann::json j = nlohmann::json::parse(testing::slurp(json));
  EXPECT_EQ(j["total"]["dsp"], 256);
  EXPECT_EQ(j["total"]["bram36"], 96);
  EXPECT_EQ(j["total"]["lut"], 25729);
  EXPECT_EQ(j["device"]["feasible"], false);
  EXPECT_EQ(j["device"]["over"], nlohmann::json::array({"dsp", "bram36", "lut"}));
  // At 0.25: 312, 36, 16 and 29280: only BRAM36 is over.
  const testing::CliResult quarter =
      testing::run_cli("resources --config " + testing::shell_quote(config) +
                       " --device kv260 --wbits 4 --abits 8 --max-utilization 0.25");
  ASSERT_EQ(quarter.exit_code, 0) << quarter.err;
  EXPECT_TRUE(contains(quarter.out, "fits at max utilization 25%: no: BRAM36 96 > 36\n"));
}

// --trace: each unit's pairs from the ops it runs.
TEST(ResourcesCli, PairsFromATrace) {
  testing::TempDir dir;
  const std::string config = dir.file("small.yaml");
  testing::write_file(config, std::string(kSmallConfig) +
                                  "low_rank: {datapath: dedicated, dedicated_rows: 4, dedicated_cols: 4}\n");
  const std::string trace = dir.file("t.trace");
  testing::write_file(trace,
                      "itera-trace 1\n"
                      "q dense 1 64 64 4 8 0 0 1 - -\n"
                      "q.down lr_down 1 64 16 4 4 0 16 1 - -\n"
                      "q.up lr_up 1 16 64 4 4 0 16 1 q.down q\n");
  const testing::CliResult r = testing::run_cli("resources --config " + testing::shell_quote(config) + " --trace " +
                                                testing::shell_quote(trace) + " --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  // main runs w4a8: 16 x ceil(32/2) = 256; the low-rank array w4a4: 4 x ceil(8/4) = 8.
  EXPECT_EQ(j["units"][0]["array"]["dsp"], 256);
  EXPECT_EQ(j["units"][1]["array"]["dsp"], 8);
  EXPECT_EQ(j["units"][1]["precisions"], nlohmann::json::parse(R"([{"wbits": 4, "abits": 4}])"));
  EXPECT_EQ(j["total"]["dsp"], 264);
  EXPECT_EQ(j.count("device"), 0u);
}

TEST(ResourcesCli, Errors) {
  testing::CliResult r = testing::run_cli("resources --device zcu999");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "unknown FPGA device 'zcu999'; known devices: kv260, u250, u280, vcu118, zcu102, zcu104"));
  r = testing::run_cli("resources --wbits 4");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--wbits and --abits go together"));
  r = testing::run_cli("resources --wbits 4 --wbits 8 --abits 8 --abits 8 --abits 4");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "give them in pairs"));
  r = testing::run_cli("resources --max-utilization 0.5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--max-utilization needs --device"));
  r = testing::run_cli("resources --device zcu104 --max-utilization 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "(0, 1]"));
  r = testing::run_cli("resources --multipliers bram");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "allowed: dsp, lut"));
}

}  // namespace
}  // namespace itera
