// Functional mode checks the compensated chain itself: the dense op and the lr_down
// read the same layer input X, the lr_down's result stays on chip as the rank-r
// intermediate T (requantized to the lr_up's precision) that the lr_up multiplies,
// and the lr_up adds its result onto the dense output it reads back from DRAM; the
// final output of each layer, read from the DRAM after the run, must equal an Eigen
// integer computation of D x + A requant(B x) bit for bit. SystemC allows one
// simulation per process, so the simulations run the itera binary.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "functional_check.h"
#include "functional_data.h"
#include "test_support.h"
#include "trace.h"

namespace itera {
namespace {

using nlohmann::json;
using testing::contains_all;
using testing::run_cli;
using testing::shell_quote;
using testing::slurp;
using testing::TempDir;
using testing::write_file;

// ---- the integer rules, by hand ----

TEST(FunctionalRules, RequantizeRoundsToNearestTiesUpThenSaturates) {
  EXPECT_EQ(hw::requantize(400, 4, 8), 25);    // 25.0 + 0.5 -> 25.5 -> 25
  EXPECT_EQ(hw::requantize(408, 4, 8), 26);    // 25.5: a tie goes up
  EXPECT_EQ(hw::requantize(-100, 4, 8), -6);   // -6.25 -> -6
  EXPECT_EQ(hw::requantize(-104, 4, 8), -6);   // -6.5: a tie goes up (toward +infinity)
  EXPECT_EQ(hw::requantize(-105, 4, 8), -7);   // -6.5625 -> -7
  EXPECT_EQ(hw::requantize(5000, 4, 8), 127);  // 312.5 saturates
  EXPECT_EQ(hw::requantize(-5000, 4, 8), -128);
  EXPECT_EQ(hw::requantize(9, 0, 4), 7);       // no shift: saturation only
  EXPECT_EQ(hw::requantize(-9, 0, 4), -8);
}

TEST(FunctionalRules, AccumulatorsWrapAt32Bits) {
  EXPECT_EQ(hw::wrap_accumulator(int64_t{1} << 31), INT32_MIN);
  EXPECT_EQ(hw::wrap_accumulator((int64_t{1} << 32) + 5), 5);
  EXPECT_EQ(hw::wrap_accumulator(-(int64_t{1} << 31) - 1), INT32_MAX);
  EXPECT_EQ(hw::add_read_back(18, 25, 3), 218);   // 18 + 25 x 8
  EXPECT_EQ(hw::add_read_back(-27, -6, 3), -75);  // -27 - 6 x 8
  EXPECT_EQ(hw::add_read_back(INT32_MAX, 1, 0), INT32_MIN);
}

TEST(FunctionalRules, ShiftBringsTheTypicalAccumulatorToTheOutputRange) {
  // sqrt(K) x max|w| x max|x|, each a power of two: sqrt(2) -> 2, 8, 128: 2^11 -> 11 - 7.
  EXPECT_EQ(hw::requant_shift(2, 4, true, 8, 8), 4);
  EXPECT_EQ(hw::requant_shift(1, 4, true, 8, 8), 3);
  EXPECT_EQ(hw::requant_shift(64, 4, true, 8, 8), 6);     // 8 x 8 x 128 = 2^13
  EXPECT_EQ(hw::requant_shift(172, 4, true, 8, 8), 7);    // sqrt(256) = 16
  EXPECT_EQ(hw::requant_shift(8, 4, true, 8, 8), 5);      // sqrt(8) -> 4
  EXPECT_EQ(hw::requant_shift(64, 4, false, 8, 8), 7);    // unsigned codes up to 15 -> 16
  EXPECT_EQ(hw::requant_shift(64, 4, true, 8, 4), 10);    // T requantized to a 4-bit lr_up
  EXPECT_EQ(hw::requant_shift(1, 2, true, 2, 16), 0);     // already fits
}

// A one-token compensated layer worked out by hand (M 1, K 2, N 2, rank 1, 4-bit
// weights, 8-bit activations): X = [100 -50], D = [3 -2; 1 4], B = [5 7], A = [2; -3].
//   dense:   D x = [400 -100], shift 4        -> codes [25 -6]   (written to DRAM)
//   lr_down: B x = 150, shift 4               -> T = 9           (on chip)
//   lr_up:   A T = [18 -27]; + [25 -6] x 2^3  =  [218 -75], shift 3 -> [27 -9]
struct HandLayer {
  Trace trace;
  hw::FunctionalData data;
};

HandLayer hand_layer() {
  HandLayer h;
  h.trace = parse_trace(
      "itera-trace 1\n"
      "L         dense   1 2 2 4 8 0 0 1 -         -\n"
      "L.lr_down lr_down 1 2 1 4 8 0 1 1 -         -\n"
      "L.lr_up   lr_up   1 1 2 4 8 0 1 1 L.lr_down L\n",
      "hand.trace");
  hw::FunctionalOp dense, down, up;
  for (hw::FunctionalOp* f : {&dense, &down, &up}) {
    f->enabled = true;
    f->wbits = 4;
    f->abits = f->out_bits = 8;
    f->layer = 0;
  }
  dense.m = 1, dense.k = 2, dense.n = 2, dense.shift = 4;
  dense.w = {3, -2, 1, 4};
  dense.x = {100, -50};
  down.m = 1, down.k = 2, down.n = 1, down.shift = 4;
  down.w = {5, 7};
  down.x = dense.x;
  up.m = 1, up.k = 1, up.n = 2, up.shift = 3;
  up.w = {2, -3};
  up.input_op = 1;
  up.accumulate_op = 0;
  // What a correct simulation records.
  dense.acc = {400, -100};
  dense.out = {25, -6};
  dense.final_out = {27, -9};
  down.acc = {150};
  down.out = {9};
  up.acc = {18, -27};
  up.read_back = {25, -6};
  up.out = {27, -9};
  h.data.ops = {dense, down, up};
  return h;
}

TEST(FunctionalReference, AcceptsTheChainWorkedOutByHand) {
  const HandLayer h = hand_layer();
  FunctionalSummary s;
  EXPECT_EQ(check_functional(h.trace, h.data, &s), "");
  EXPECT_EQ(s.layers, 1);
  EXPECT_EQ(s.final_outputs, 2);
  EXPECT_EQ(s.op_outputs, 5);
}

TEST(FunctionalReference, AFinalOutputThatDiffersNamesTheLayerTheElementAndBothValues) {
  HandLayer h = hand_layer();
  h.data.ops[0].final_out[1] = -8;
  EXPECT_EQ(check_functional(h.trace, h.data),
            "layer 'L' (ops L, L.lr_down, L.lr_up): final output [0, 1] is -8 in DRAM but the Eigen integer "
            "reference of the chain gives -9");
}

// Every op self-consistent with the input it was given, but the lr_up was given a
// wrong T: a per-op check cannot see it, the chain check must.
TEST(FunctionalReference, AnLrUpFedTheWrongIntermediateIsCaughtEvenIfItMultipliedCorrectly) {
  HandLayer h = hand_layer();
  // T = 10 instead of 9: A T = [20 -30]; + [200 -48] = [220 -78] -> [28 -10].
  h.data.ops[1].out = {10};
  h.data.ops[2].acc = {20, -30};
  h.data.ops[2].out = {28, -10};
  h.data.ops[0].final_out = {28, -10};
  const std::string r = check_functional(h.trace, h.data);
  EXPECT_TRUE(contains_all(r, {"layer 'L' (ops L, L.lr_down, L.lr_up): final output [0, 0] is 28",
                               "gives 27",
                               "first stage that differs: op 'L.lr_down': intermediate T (on chip) [0, 0] is 10 but "
                               "the Eigen integer reference gives 9"}))
      << r;
}

TEST(FunctionalReference, AnLrUpThatDidNotAddTheReadBackIsCaught) {
  HandLayer h = hand_layer();
  // [18 -27] >> 3 -> [2 -3], as if nothing had been read back.
  h.data.ops[2].out = {2, -3};
  h.data.ops[0].final_out = {2, -3};
  const std::string r = check_functional(h.trace, h.data);
  EXPECT_TRUE(contains_all(r, {"layer 'L'", "final output [0, 0] is 2", "gives 27",
                               "op 'L.lr_up': code written to DRAM [0, 0] is 2"}))
      << r;
}

// ---- the chain through the simulator ----

// Three layers of a trace: q_proj (64 -> 64), gate_proj (64 -> 172) and down_proj
// (172 -> 64), each dense + lr_down + lr_up.
std::string three_layers(const std::string& trace_text) {
  std::istringstream in(trace_text);
  std::string line, kept;
  while (std::getline(in, line))
    if (line.rfind("model.", 0) != 0 || line.find("q_proj") != std::string::npos ||
        line.find("gate_proj") != std::string::npos || line.find("down_proj") != std::string::npos)
      kept += line + "\n";
  return kept;
}

// One decomposition of stories260k (compensated ITERA, 4-bit weights and factors,
// rank 8) and traces made from it (prefill of 37 tokens: a ragged M; repeat 5), per
// test process.
struct Layers {
  TempDir dir;
  std::string file, full_trace;
  std::string trace;        // three layers, 8-bit activations
  std::string trace_3bit;   // three layers, 3-bit activations (codes straddle bytes)
  Layers() {
    file = dir.file("layers.safetensors");
    full_trace = dir.file("full.trace");
    trace = dir.file("three.trace");
    trace_3bit = dir.file("three-3bit.trace");
    const auto d = run_cli("decompose --shape stories260k --method itera --form compensated --bits 4 "
                           "--factor-bits 4 --rank 8 --seed 0 --save " + shell_quote(file));
    EXPECT_EQ(d.exit_code, 0) << d.err;
    for (const auto& [path, abits] : {std::pair{full_trace, 8}, std::pair{trace_3bit, 3}}) {
      const auto t = run_cli("trace --decomposition " + shell_quote(file) + " --phase prefill --seq-len 37 --abits " +
                             std::to_string(abits) + " -o " + shell_quote(path));
      EXPECT_EQ(t.exit_code, 0) << t.err;
    }
    write_file(trace, three_layers(slurp(full_trace)));
    write_file(trace_3bit, three_layers(slurp(trace_3bit)));
  }
};

const Layers& layers() {
  static const Layers l;
  return l;
}

struct ChainRun {
  int code = -1;
  std::string out, err;
  json report;
};

ChainRun simulate(const std::string& trace, const std::string& config_yaml, const std::string& fidelity,
             const std::string& extra = "") {
  TempDir dir;
  write_file(dir.file("c.yaml"), config_yaml);
  const auto r = run_cli("simulate " + shell_quote(trace) + " --functional --decomposition " +
                         shell_quote(layers().file) + " --config " + shell_quote(dir.file("c.yaml")) +
                         " --fidelity " + fidelity + " --no-timing --json " + shell_quote(dir.file("r.json")) + " " +
                         extra);
  ChainRun run{r.exit_code, r.out, r.err, json()};
  if (r.exit_code == 0) run.report = json::parse(slurp(dir.file("r.json")));
  return run;
}

// Which GEMM dimensions some op of `kind` splits into several tiles.
struct Splits {
  bool m = false, k = false, n = false;
};
Splits splits(const json& report, const std::string& kind) {
  Splits s;
  for (const json& l : report["layers"]) {
    if (l["kind"] != kind) continue;
    s.m = s.m || l["tile"]["M"].get<int>() < l["M"].get<int>();
    s.k = s.k || l["tile"]["K"].get<int>() < l["K"].get<int>();
    s.n = s.n || l["tile"]["N"].get<int>() < l["N"].get<int>();
  }
  return s;
}

// 3 layers of 37 tokens: 37 x (64 + 172 + 64) final outputs.
constexpr const char* kThreeLayers = "so do the final outputs of 3 layers (11100 codes read from DRAM";

std::string config(const std::string& df, const std::string& buffers, const std::string& extra = "") {
  return "array: {rows: 8, cols: 6, dataflow: " + df + "}\nbuffers: {" + buffers + "}\n" + extra;
}

// Small buffers: every op is cut into many tiles, and each lr_up tiles the output
// differently from its dense op (its read-back is gathered from the dense op's tiles).
TEST(FunctionalChain, EveryLayerIsBitExactInEachDataflowAndFidelity) {
  for (const std::string df : {"ws", "os", "is"}) {
    for (const std::string fidelity : {"fast", "cycle"}) {
      const ChainRun r = simulate(layers().trace, config(df, "weight: {kb: 1}, input: {kb: 2}, output: {kb: 2}"), fidelity);
      ASSERT_EQ(r.code, 0) << df << " " << fidelity << ": " << r.err;
      EXPECT_TRUE(contains_all(r.out, {"functional: 9 ops", kThreeLayers, "accumulating ops tile the output unlike"}))
          << df << " " << fidelity << r.out;
      const Splits dense = splits(r.report, "dense"), down = splits(r.report, "lr_down"),
                   up = splits(r.report, "lr_up");
      EXPECT_TRUE(dense.m && dense.k && dense.n) << df;  // tiles split along every dimension
      EXPECT_TRUE(down.m && down.k) << df;
      EXPECT_TRUE(up.m && up.n) << df;
    }
  }
}

// A wide array with a 1 KB weight buffer: the dense op and its lr_up pick the same
// output tiles, so every read-back and write carries exactly the tile's codes; the
// gate_proj lr_up also splits its rank (K) dimension, reading T in two column blocks.
const char* kSameTiles = "array: {rows: 4, cols: 64, dataflow: ws}\n"
                         "buffers: {weight: {kb: 1}, input: {kb: 2}, output: {kb: 4}}\n";

TEST(FunctionalChain, ReadBacksUseTheTimedTransfersWhenTheTilesAgree) {
  for (const std::string fidelity : {"fast", "cycle"}) {
    const ChainRun r = simulate(layers().trace, kSameTiles, fidelity);
    ASSERT_EQ(r.code, 0) << fidelity << ": " << r.err;
    EXPECT_TRUE(contains_all(r.out, {"functional: 9 ops", kThreeLayers})) << r.out;
    EXPECT_EQ(r.out.find("element by element"), std::string::npos) << r.out;
    const Splits up = splits(r.report, "lr_up");
    EXPECT_TRUE(up.m && up.k && up.n) << r.report["layers"].dump();
  }
}

TEST(FunctionalChain, ThreeBitActivationsAreBitExact) {
  for (const std::string& yaml : {config("ws", "weight: {kb: 1}, input: {kb: 2}, output: {kb: 2}"),
                                 std::string(kSameTiles),
                                 config("is", "weight: {kb: 1}, input: {kb: 1}, output: {kb: 1}")}) {
    const ChainRun r = simulate(layers().trace_3bit, yaml, "fast");
    ASSERT_EQ(r.code, 0) << yaml << ": " << r.err;
    EXPECT_TRUE(contains_all(r.out, {"functional: 9 ops", kThreeLayers})) << r.out;
  }
}

TEST(FunctionalChain, TheDedicatedLowRankArrayIsBitExact) {
  for (const std::string fidelity : {"fast", "cycle"}) {
    const ChainRun r = simulate(layers().trace,
                           config("os", "weight: {kb: 2}, input: {kb: 2}, output: {kb: 2}",
                                  "low_rank: {datapath: dedicated, dedicated_rows: 4, dedicated_cols: 4}\n"),
                           fidelity);
    ASSERT_EQ(r.code, 0) << fidelity << ": " << r.err;
    EXPECT_TRUE(contains_all(r.out, {"functional: 9 ops", kThreeLayers})) << r.out;
    int lowrank = 0;
    for (const json& l : r.report["layers"]) lowrank += l["array"] == "low_rank" ? 1 : 0;
    EXPECT_EQ(lowrank, 6) << r.report["layers"].dump();
  }
}

// The whole model's trace (7 layers, 21 ops) on the default accelerator.
TEST(FunctionalChain, TheWholeTraceIsBitExactOnTheDefaultAccelerator) {
  TempDir dir;
  write_file(dir.file("empty.yaml"), "{}\n");
  const auto r = run_cli("simulate " + shell_quote(layers().full_trace) + " --functional --decomposition " +
                         shell_quote(layers().file) + " --config " + shell_quote(dir.file("empty.yaml")) +
                         " --no-timing");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 37 x (64 + 32 + 32 + 64 + 172 + 172 + 64)
  EXPECT_TRUE(contains_all(r.out, {"functional: 21 ops", "final outputs of 7 layers (22200 codes"})) << r.out;
}

// The check bites: the same runs with the chain broken on purpose must fail, naming the
// layer. A per-op check (each op against the input it was given) passes both.
TEST(FunctionalChain, ACorruptedIntermediateIsReportedWithItsLayer) {
  for (const std::string& yaml : {config("ws", "weight: {kb: 1}, input: {kb: 2}, output: {kb: 2}"),
                                 std::string(kSameTiles)}) {
    const ChainRun r = simulate(layers().trace, yaml, "fast", "--inject-fault functional-corrupt-intermediate");
    EXPECT_EQ(r.code, 1) << yaml << ": " << r.out;
    EXPECT_TRUE(contains_all(
        r.err, {"functional check failed: layer 'model.layers.*.self_attn.q_proj' (ops model.layers.*.self_attn.q_proj, "
                "model.layers.*.self_attn.q_proj.lr_down, model.layers.*.self_attn.q_proj.lr_up): final output [0, ",
                "in DRAM but the Eigen integer reference of the chain gives",
                "first stage that differs: op 'model.layers.*.self_attn.q_proj.lr_down': intermediate T (on chip) "
                "[0, 0]"}))
        << r.err;
  }
}

TEST(FunctionalChain, ADroppedReadBackIsReportedWithItsLayer) {
  for (const std::string& yaml : {config("is", "weight: {kb: 1}, input: {kb: 2}, output: {kb: 2}"),
                                 std::string(kSameTiles)}) {
    const ChainRun r = simulate(layers().trace, yaml, "fast", "--inject-fault functional-drop-read-back");
    EXPECT_EQ(r.code, 1) << yaml << ": " << r.out;
    EXPECT_TRUE(contains_all(r.err, {"functional check failed: layer 'model.layers.*.self_attn.q_proj' (ops",
                                     "final output [0, 0] is",
                                     "first stage that differs: op 'model.layers.*.self_attn.q_proj.lr_up': code "
                                     "written to DRAM [0, 0]"}))
        << r.err;
  }
}

TEST(FunctionalChain, TheChainFaultsNeedFunctionalMode) {
  TempDir dir;
  const auto r = run_cli("simulate " + shell_quote(layers().trace) + " --inject-fault functional-drop-read-back");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("needs functional mode"), std::string::npos) << r.err;
}

// ---- binding a trace to the codes ----

TEST(FunctionalOperands, TheDenseOpAndItsLrDownReadTheSameLayerInput) {
  const Trace trace = read_trace(layers().trace);
  const hw::FunctionalData data = functional_operands(trace, layers().file, 7);
  ASSERT_EQ(data.ops.size(), 9u);
  for (int layer = 0; layer < 3; ++layer) {
    const hw::FunctionalOp &dense = data.ops[3 * layer], &down = data.ops[3 * layer + 1],
                           &up = data.ops[3 * layer + 2];
    EXPECT_EQ(dense.x, down.x);
    EXPECT_EQ(dense.x.size(), static_cast<size_t>(37 * dense.k));
    EXPECT_TRUE(up.x.empty());  // the lr_up reads T, not host data
    EXPECT_EQ(up.input_op, 3 * layer + 1);
    EXPECT_EQ(up.accumulate_op, 3 * layer);
    for (const hw::FunctionalOp* f : {&dense, &down, &up}) EXPECT_EQ(f->layer, 3 * layer);
  }
  EXPECT_NE(data.ops[0].x, functional_operands(trace, layers().file, 8).ops[0].x);  // seeded
}

TEST(FunctionalOperands, ADenseOpReadingAnotherOpsOutputIsRefused) {
  // The timing model loads such an op's input from its own DRAM region, which no op writes.
  const Trace full = read_trace(layers().full_trace);
  Trace t;
  t.ops = {full.ops[0], full.ops[9]};  // q_proj, o_proj (64 -> 64): o_proj reads q_proj's output
  t.ops[1].input = t.ops[0].name;
  validate_trace(t, "chained");
  const std::string e = testing::error_of([&] { functional_operands(t, layers().file, 0); });
  EXPECT_TRUE(contains_all(e, {"reads the output of op 'model.layers.*.self_attn.q_proj'", "cannot follow"})) << e;
}

}  // namespace
}  // namespace itera
