// The `bound` of a layer (sim/sim_report.h): the resource that alone needed the most
// cycles, compute, dram or sram, on hand-built layers where each is unambiguous, with
// the cycle figures the rule compares checked against closed forms written out here,
// and the issue's 16 x 64 layer, whose bank stalls equal its streaming cycles.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace itera {
namespace {

using nlohmann::json;
using testing::run_cli;
using testing::TempDir;

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The single layer of `trace_row` simulated on `config` (fast fidelity): its JSON record.
json layer_of(const std::string& trace_row, const std::string& config) {
  TempDir dir;
  testing::write_file(dir.file("t.trace"), "itera-trace 1\n" + trace_row);
  testing::write_file(dir.file("c.yaml"), config);
  const auto r = run_cli("simulate '" + dir.file("t.trace") + "' --config '" + dir.file("c.yaml") +
                         "' --no-timing --json '" + dir.file("r.json") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return json::object();
  return json::parse(testing::slurp(dir.file("r.json")))["layers"][0];
}

int64_t get(const json& l, const char* key) { return l.value(key, int64_t{-1}); }

// A 64 x 64 x 64 8-bit layer on an 8 x 8 weight-stationary array with classic timing:
// K / 8 x N / 8 = 64 folds of 2R + C + T - 2 = 86 cycles, T = M = 64.
const char* const kLayer = "l dense 64 64 64 8 8 0 0 1 - -\n";
constexpr int64_t kFolds = 64, kT = 64, kComputeCycles = kFolds * (2 * 8 + 8 + kT - 2);
const std::string kArray = "array: {rows: 8, cols: 8, dataflow: ws, timing: classic}\n";

// The SRAM ports a fold of kLayer needs: the 8 x 8 weight slice (64 B) preloaded from the
// weight buffer, then the stream: 64 x 8 input bytes, and 64 x 8 32-bit partial sums
// read and written (K spans 8 row folds), 4096 B, through the output buffer.
int64_t fold_port_cycles(int64_t weight_words_per_cycle, int64_t output_words_per_cycle, int64_t output_width,
                         int64_t input_words_per_cycle) {
  const int64_t preload = cdiv(cdiv(64, 16), weight_words_per_cycle);
  const int64_t input = cdiv(cdiv(kT * 8, 16), input_words_per_cycle);
  const int64_t output = cdiv(cdiv(kT * 8 * 4 * 2, output_width), output_words_per_cycle);
  return preload + std::max(input, output);
}

TEST(Bound, AmpleSramAndIdealMemoryAreComputeBound) {
  // Default buffers: weight and input 8 banks x 2 ports x 16 B, output 16 x 2 x 16 B.
  const json l = layer_of(kLayer, kArray + "memory: {ideal: true}\n");
  EXPECT_EQ(get(l, "compute_cycles"), kComputeCycles);
  EXPECT_EQ(get(l, "stall_bank_cycles"), 0);
  EXPECT_EQ(get(l, "dram_busy_cycles"), 0);
  EXPECT_EQ(get(l, "sram_port_cycles"), kFolds * fold_port_cycles(16, 32, 16, 16));  // 64 x (1 + 8)
  EXPECT_LT(get(l, "sram_port_cycles"), get(l, "compute_cycles"));
  EXPECT_EQ(l.value("bound", ""), "compute");
}

TEST(Bound, ATrickleOfDramBandwidthIsDramBound) {
  // 0.5 GB/s at 1 GHz: half a byte per cycle. The layer moves at least its 4 KB of
  // weights, 4 KB of inputs and 4 KB of outputs (8-bit), so the DRAM alone needs at least
  // 12288 / 0.5 cycles, far beyond the 5504 the array computes.
  const json l = layer_of(kLayer, kArray + "memory: {dram: simple, simple: {bandwidth_gbps: 0.5, latency_ns: 10}}\n");
  const int64_t bytes = get(l, "dram_read_bytes") + get(l, "dram_write_bytes");
  EXPECT_GE(bytes, 3 * 64 * 64);
  EXPECT_GE(get(l, "dram_busy_cycles"), 2 * bytes);
  EXPECT_EQ(get(l, "compute_cycles"), kComputeCycles);
  EXPECT_GT(get(l, "dram_busy_cycles"), std::max(get(l, "compute_cycles"), get(l, "sram_port_cycles")));
  EXPECT_EQ(l.value("bound", ""), "dram");
}

TEST(Bound, ANarrowOneBankOutputSramIsSramBound) {
  // Output buffer: 1 bank x 1 port x 4 B, one 32-bit partial sum per cycle: each fold's
  // 1024 partial-sum words take 1024 cycles where the array streams in 64. Bank stalls:
  // 960 per fold; SRAM port cycles: 1 + 1024 per fold.
  const json l = layer_of(kLayer, kArray +
                                      "memory: {ideal: true}\n"
                                      "buffers: {output: {banks: 1, ports: 1, width_bytes: 4}}\n");
  EXPECT_EQ(get(l, "compute_cycles"), kComputeCycles);
  EXPECT_EQ(get(l, "stall_bank_cycles"), kFolds * (1024 - kT));
  EXPECT_EQ(get(l, "sram_port_cycles"), kFolds * fold_port_cycles(16, 1, 4, 16));
  EXPECT_EQ(get(l, "sram_port_cycles"), kFolds * 1025);
  EXPECT_EQ(l.value("bound", ""), "sram");
}

TEST(Bound, TheIssues16x64LayerIsSramBound) {
  // 4-bit 512 x 4096 x 4096 on a 16 x 64 ws array (two 4-bit MACs per PE: 128 output
  // features per column fold), default buffers and DDR4-3200. Each fold streams T = Mt
  // rows while its 128 columns read and write 32-bit partial sums, 128 x 4 x 2 = 1024 B
  // per row against the output buffer's 16 x 2 x 16 = 512 B per cycle: the stream takes
  // 2T. Over the layer the array streams (K / 16) x (N / 128) x M = 4,194,304 cycles and
  // loses as many to bank stalls, while the DRAM (47.9% of its peak in the issue) is
  // busy for fewer cycles than the SRAM ports.
  const json l = layer_of("big dense 512 4096 4096 4 8 0 0 1 - -\n", "array: {rows: 16, cols: 64, dataflow: ws}\n");
  const int64_t stream = (4096 / 16) * (4096 / 128) * int64_t{512};
  EXPECT_EQ(stream, 4194304);
  EXPECT_EQ(get(l, "stall_bank_cycles"), stream);
  // Overlapped timing: the streams, one exposed preload of R = 16 and the final drain of
  // R + C - 2 = 78 (the array never waits for data mid-layer here).
  EXPECT_EQ(get(l, "compute_cycles"), stream + 16 + 78);
  // The ports: 2T per fold for the partial sums, the weight preloads hidden under them,
  // plus the exposed first preload: 16 x 128 4-bit weights = 1024 B over 8 x 2 x 16 B.
  EXPECT_EQ(get(l, "sram_port_cycles"), 2 * stream + 1024 / 256);
  EXPECT_LT(get(l, "dram_busy_cycles"), get(l, "sram_port_cycles"));
  EXPECT_EQ(l.value("bound", ""), "sram");
}

}  // namespace
}  // namespace itera
