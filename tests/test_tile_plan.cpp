// The tiling model (models/arch/tile_plan.h): closed-form DRAM traffic against a brute-force
// walk of the loop nest, capacity limits, and errors for tiles that cannot fit.
#include <gtest/gtest.h>

#include "accel_config_reader.h"
#include "test_support.h"
#include "tile_plan.h"
#include "trace.h"

namespace itera {
namespace {

TraceOp dense(int m, int k, int n, int wbits = 8, int abits = 8, int group = 0) {
  TraceOp op;
  op.name = "op";
  op.m = m;
  op.k = k;
  op.n = n;
  op.wbits = wbits;
  op.abits = abits;
  op.group = group;
  return op;
}

// The plan on the main array of `c`.
TilePlan plan(const TraceOp& op, const AccelConfig& c, OpFlow flow = {}) {
  return plan_tiles(op, unit_arrays(c)[0], c.buffers, c.memory.ideal, flow);
}

struct Walk {
  int64_t w = 0, x = 0, y = 0, steps = 0, macs = 0;
};

// Walks every step the DMA controller will take and adds up what it moves.
Walk walk(const TilePlan& p, const TraceOp& op) {
  Walk s;
  for (int64_t i = 0; i < p.steps(); ++i) {
    const TileStep t = tile_step(p, op, i);
    s.w += t.w_bytes;
    s.x += t.x_bytes;
    s.y += t.y_bytes;
    s.macs += t.dims.mt * t.dims.kt * t.dims.nt;
    ++s.steps;
  }
  return s;
}

TEST(TilePlan, ClosedFormTrafficEqualsTheLoopNestWalkAndCoversEveryMac) {
  AccelConfig c = default_accel_config();
  c.array.rows = 16;
  c.array.cols = 8;
  c.buffers.weight.kb = 16;
  c.buffers.input.kb = 8;
  c.buffers.output.kb = 8;
  for (Dataflow df : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary}) {
    c.array.dataflow = df;
    for (const TraceOp& op : {dense(1, 512, 300), dense(77, 200, 130, 4, 8, 64), dense(300, 1000, 40, 3, 6, 0),
                              dense(512, 128, 1000, 8, 8, 128)}) {
      const TilePlan p = plan(op, c);
      const Walk s = walk(p, op);
      SCOPED_TRACE(::testing::Message() << to_string(df) << " M" << op.m << " K" << op.k << " N" << op.n);
      EXPECT_EQ(s.macs, int64_t{op.m} * op.k * op.n);
      EXPECT_EQ(s.w, p.weight_read_bytes);
      EXPECT_EQ(s.x, p.input_read_bytes);
      EXPECT_EQ(s.y, p.dram_write_bytes);
      EXPECT_GE(p.dram_read_bytes + p.dram_write_bytes, p.compulsory_bytes);
      // Compulsory: every weight code, input and output byte once.
      EXPECT_EQ(p.compulsory_bytes, (int64_t{op.k} * op.n * op.wbits + 7) / 8 +
                                        (int64_t{op.m} * op.k * op.abits + 7) / 8 +
                                        (int64_t{op.m} * op.n * op.abits + 7) / 8);
      // Every tile fits its half of the buffer.
      EXPECT_LE(weight_tile_bytes(op, p.tile.kt, p.tile.nt), c.buffers.weight.kb * 1024 / 2);
      EXPECT_LE(act_tile_bytes(op.abits, p.tile.mt, p.tile.kt), c.buffers.input.kb * 1024 / 2);
      EXPECT_LE(p.tile.mt * p.tile.nt * 4, c.buffers.output.kb * 1024 / 2);
    }
  }
}

TEST(TilePlan, DecodeReadsEveryWeightExactlyOnce) {
  const AccelConfig c = default_accel_config();  // default buffers
  const TraceOp op = dense(1, 4096, 4096, 4, 8, 128);
  const TilePlan p = plan(op, c);
  // 4-bit codes plus one F16 scale per 128 weights of each output channel.
  EXPECT_EQ(p.weight_read_bytes, 4096LL * 4096 / 2 + 4096LL * (4096 / 128) * 2);
}

TEST(TilePlan, LowRankIntermediateStaysOnChipAndAccumulateReadsBack) {
  const AccelConfig c = default_accel_config();
  TraceOp down = dense(16, 1024, 32);
  TraceOp up = dense(16, 32, 1024);
  const TilePlan pd = plan(down, c, {false, true, false});
  const TilePlan pu = plan(up, c, {true, false, true});
  EXPECT_EQ(pd.dram_write_bytes, 0);
  EXPECT_EQ(pu.input_read_bytes, 0);
  EXPECT_EQ(pu.output_read_bytes, 16 * 1024);
  EXPECT_EQ(pu.dram_write_bytes, 16 * 1024);
}

TEST(TilePlan, IdealMemoryIsOneTileWithoutTraffic) {
  AccelConfig c = default_accel_config();
  c.memory.ideal = true;
  const TraceOp op = dense(100, 300, 200);
  const TilePlan p = plan(op, c);
  EXPECT_EQ(p.steps(), 1);
  EXPECT_EQ(p.dram_read_bytes + p.dram_write_bytes, 0);
}

TEST(TilePlan, ATileThatCannotFitNamesTheBufferAndTheMinimumSize) {
  AccelConfig c = default_accel_config();
  c.buffers.weight.kb = 1;  // 512 B per half; a 32 x 32 8-bit tile needs 1024 + 64 B of scales
  const TraceOp op = dense(1, 256, 256);
  // (32 x 32 codes + 32 scales x 2 B) x 2 halves = 2176 B -> 3 KiB
  EXPECT_TRUE(testing::contains_all(testing::error_of([&] { plan(op, c); }), {"buffers.weight", "at least 3"}));
}

}  // namespace
}  // namespace itera
