// Unit tests of single SystemC blocks: the PE array fed tile jobs directly, the SRAM's
// port model, and the DMA controller against a recording memory. SystemC elaborates
// once per process, so each test elaborates its own small design in a forked child
// (a gtest death-test child that must exit 0); the child fails when any of its
// assertions fails, and prints them on stderr.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "accel_config_reader.h"
#include "dma_controller.h"
#include "dram_layout.h"
#include "op_progress.h"
#include "pe_array.h"
#include "sram.h"
#include "test_support.h"
#include "tile_job.h"
#include "units.h"

namespace itera::hw {
namespace {

// Runs `body` in a child process that elaborates and simulates once. The child's
// assertion results are collected and written to a file that the parent reports (a
// death-test child's own output is not shown); the child exits 1 when any failed.
template <class F>
void in_child(F body) {
  const testing::TempDir dir;
  const std::string report = dir.file("failures.txt");
  const auto child = [&] {
    ::testing::TestPartResultArray results;
    {
      const ::testing::ScopedFakeTestPartResultReporter collect(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
      sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
      sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
      sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
      body();
    }
    std::ofstream out(report);
    int failed = 0;
    for (int i = 0; i < results.size(); ++i) {
      const ::testing::TestPartResult& r = results.GetTestPartResult(i);
      if (!r.failed()) continue;
      ++failed;
      out << r.file_name() << ":" << r.line_number() << ": " << r.message() << "\n";
    }
    out.close();
    std::_Exit(failed > 0 ? 1 : 0);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "");
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  if (!text.str().empty()) ADD_FAILURE() << "in the simulated child:\n" << text.str();
}

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A PE array with its three SRAMs, fed a list of tile jobs at time 0 by a driver thread.
struct ArrayBench : sc_core::sc_module {
  Clocking clocking{1000};
  std::unique_ptr<sc_core::sc_clock> clock;
  PerBuffer<std::unique_ptr<Sram>> srams;
  std::unique_ptr<PeArray> array;
  std::vector<TileJob> jobs;
  int64_t done_cycle = -1;

  SC_HAS_PROCESS(ArrayBench);
  ArrayBench(const sc_core::sc_module_name& name, const ArrayDesc& desc, const BuffersConfig& buffers,
             Fidelity fidelity, std::vector<TileJob> tile_jobs)
      : sc_module(name), jobs(std::move(tile_jobs)) {
    if (fidelity == Fidelity::Cycle) clock = std::make_unique<sc_core::sc_clock>("clk", clocking.period);
    PerBuffer<Sram*> raw;
    for (Buffer b : kBuffers) {
      srams[b] = std::make_unique<Sram>((std::string(to_string(b)) + "_sram").c_str(), buffer_config(buffers, b));
      raw[b] = srams[b].get();
    }
    array = std::make_unique<PeArray>("array", desc, buffers, raw, fidelity, clocking, clock.get(), 1);
    SC_THREAD(drive);
  }
  void drive() {
    for (const TileJob& j : jobs) array->push(j);
    while (array->jobs_done() < static_cast<int64_t>(jobs.size())) sc_core::wait(array->job_done_event());
    done_cycle = clocking.now_cycle();
    sc_core::sc_stop();
  }
};

// One tile job covering a whole op of M x K x N.
TileJob whole_op(int64_t m, int64_t k, int64_t n, int wbits, int pack) {
  TileJob j;
  j.op = 0;
  j.step.dims = {m, k, n};
  j.shape = {{m, k, n}, wbits, 8, pack, false};
  j.first_of_op = j.last_of_op = true;
  return j;
}

ArrayDesc array_desc(int rows, int cols, Dataflow df, ArrayTiming timing) {
  ArrayDesc a;
  a.rows = rows;
  a.cols = cols;
  a.dataflow = df;
  a.timing = timing;
  return a;
}

// Buffers wide enough never to stall the array.
BuffersConfig wide_buffers() {
  BuffersConfig b = default_accel_config().buffers;
  for (BufferConfig* c : {&b.weight, &b.input, &b.output}) {
    c->banks = 1024;
    c->ports = 16;
    c->width_bytes = 4096;
  }
  return b;
}

// SCALE-Sim's per-fold counts, written out from the mapping (ws: K x N on the array,
// T = M; os: M x N, T = K; is: K x M, T = N).
int64_t expected_cycles(Dataflow df, ArrayTiming timing, int64_t r, int64_t c, int64_t m, int64_t k, int64_t n) {
  const int64_t sr = df == Dataflow::OutputStationary ? m : k;
  const int64_t sc = df == Dataflow::InputStationary ? m : n;
  const int64_t t = df == Dataflow::WeightStationary ? m : df == Dataflow::OutputStationary ? k : n;
  const int64_t folds = cdiv(sr, r) * cdiv(sc, c);
  const bool preload = df != Dataflow::OutputStationary;
  if (timing == ArrayTiming::Classic) return folds * ((preload ? r : 0) + r + c - 2 + t);
  return (preload ? r : 0) + folds * std::max(t, r) + r + c - 2;
}

TEST(PeArrayBlock, RunsAWholeOpInTheClosedFormCyclesInBothFidelities) {
  for (Dataflow df : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary})
    for (ArrayTiming timing : {ArrayTiming::Classic, ArrayTiming::Overlapped})
      for (Fidelity fid : {Fidelity::Fast, Fidelity::Cycle}) {
        SCOPED_TRACE(std::string(to_string(df)) + " " + to_string(timing) + " " + to_string(fid));
        in_child([&] {
          const int64_t m = 7, k = 9, n = 5;
          ArrayBench bench("bench", array_desc(4, 3, df, timing), wide_buffers(), fid, {whole_op(m, k, n, 8, 1)});
          sc_core::sc_start();
          const ArrayCounters c = bench.array->counters_now();
          const int64_t want = expected_cycles(df, timing, 4, 3, m, k, n);
          EXPECT_EQ(c.compute, want);
          EXPECT_EQ(c.bank_stall, 0);
          EXPECT_EQ(c.macs, m * k * n);
          // Every cycle until the end is in exactly one bucket.
          EXPECT_EQ(c.total(), bench.done_cycle);
          EXPECT_EQ(c.compute + c.idle, bench.done_cycle);
        });
      }
}

TEST(PeArrayBlock, NarrowInputPortsStallTheStreamByHandComputedCycles) {
  // ws on 4 x 4, one tile M 8, K 4, N 4 at 8 bits, overlapped timing; the input SRAM
  // moves one byte per cycle (1 bank x 1 port x 1 B). The single fold streams
  // T = M = 8 rows of 4 inputs = 32 bytes: 32 port cycles instead of 8.
  //   first preload 4 (weights, wide buffer) + fold max(32, 4) + drain 4 + 4 - 2 = 42;
  //   compute = 4 + 8 + 6 = 18, bank stalls = 24.
  for (Fidelity fid : {Fidelity::Fast, Fidelity::Cycle}) {
    SCOPED_TRACE(to_string(fid));
    in_child([&] {
      BuffersConfig b = wide_buffers();
      b.input.banks = b.input.ports = b.input.width_bytes = 1;
      ArrayBench bench("bench", array_desc(4, 4, Dataflow::WeightStationary, ArrayTiming::Overlapped), b, fid,
                       {whole_op(8, 4, 4, 8, 1)});
      sc_core::sc_start();
      const ArrayCounters c = bench.array->counters_now();
      EXPECT_EQ(c.compute, 18);
      EXPECT_EQ(c.bank_stall, 24);
      EXPECT_EQ(c.compute + c.bank_stall + c.idle, bench.done_cycle);
      // SRAM traffic: weights preloaded once (16 B), inputs streamed once (32 B), one
      // 32-bit accumulator per output written (8 x 4 x 4 B).
      EXPECT_EQ(bench.srams[Buffer::Weight]->counters().read_bytes, 16);
      EXPECT_EQ(bench.srams[Buffer::Input]->counters().read_bytes, 32);
      EXPECT_EQ(bench.srams[Buffer::Input]->counters().reads, 32);
      EXPECT_EQ(bench.srams[Buffer::Output]->counters().write_bytes, 128);
    });
  }
}

TEST(PeArrayBlock, PackedNarrowWeightsShareOneInputAcrossFeatures) {
  // 4-bit weights on 8-bit PEs pack two MACs per PE: ws on 4 x 4 with N = 8 fits one
  // column fold (ceil(8 / (4 x 2)) = 1); classic: 1 fold x (2 x 4 + 4 + M - 2) cycles.
  in_child([] {
    ArrayBench bench("bench", array_desc(4, 4, Dataflow::WeightStationary, ArrayTiming::Classic), wide_buffers(),
                     Fidelity::Cycle, {whole_op(6, 4, 8, 4, 2)});
    sc_core::sc_start();
    const ArrayCounters c = bench.array->counters_now();
    EXPECT_EQ(c.compute, 2 * 4 + 4 + 6 - 2);
    EXPECT_EQ(c.folds, 1);
    EXPECT_EQ(c.macs, 6 * 4 * 8);
  });
}

TEST(SramBlock, GrantsAtMostBanksTimesPortsAndCountsWords) {
  in_child([] {
    BufferConfig cfg;
    cfg.kb = 4;
    cfg.banks = 3;
    cfg.ports = 2;
    cfg.width_bytes = 16;
    cfg.double_buffer = true;
    Sram sram("sram", cfg);
    EXPECT_EQ(sram.grant(100), 6);
    EXPECT_EQ(sram.grant(5), 5);
    EXPECT_EQ(sram.grant(0), 0);
    sram.count_array_read(33);  // 3 words of 16 B
    sram.count_array_write(16);
    sram.count_dma_fill(1);     // a partial word is a whole access
    sram.count_dma_drain(48);
    EXPECT_EQ(sram.counters().read_bytes, 33 + 48);
    EXPECT_EQ(sram.counters().reads, 3 + 3);
    EXPECT_EQ(sram.counters().write_bytes, 16 + 1);
    EXPECT_EQ(sram.counters().writes, 1 + 1);
  });
}

// A TLM target that answers every transfer after a fixed latency and records it.
struct RecordingMemory : sc_core::sc_module {
  struct Access {
    int64_t cycle;
    uint64_t addr;
    unsigned bytes;
    bool write;
  };
  tlm_utils::simple_target_socket<RecordingMemory> socket;
  Clocking clocking;
  int64_t latency;
  std::vector<Access> log;
  RecordingMemory(const sc_core::sc_module_name& name, const Clocking& c, int64_t latency_cycles)
      : sc_module(name), socket("socket"), clocking(c), latency(latency_cycles) {
    socket.register_b_transport(this, &RecordingMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    log.push_back({clocking.now_cycle(), t.get_address(), t.get_data_length(), t.is_write()});
    delay += clocking.cycles(latency);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// A DMA controller and its array against a recording memory, for a one-op trace.
struct DmaBench : sc_core::sc_module {
  Clocking clocking{1000};
  Trace trace;
  DramLayout layout;
  std::vector<OpProgress> progress;
  PerBuffer<std::unique_ptr<Sram>> srams;
  std::unique_ptr<PeArray> array;
  std::unique_ptr<DmaController> dma;
  std::unique_ptr<RecordingMemory> memory;
  SimFailure failure;
  sc_core::sc_event finished;

  SC_HAS_PROCESS(DmaBench);
  DmaBench(const sc_core::sc_module_name& name, const AccelConfig& config, Trace t)
      : sc_module(name),
        trace(std::move(t)),
        layout(lay_out_ops(trace, unit_arrays(config), config.buffers, config.memory.ideal)),
        progress(layout.tasks.size()) {
    PerBuffer<Sram*> raw;
    for (Buffer b : kBuffers) {
      srams[b] = std::make_unique<Sram>((std::string(to_string(b)) + "_sram").c_str(),
                                        buffer_config(config.buffers, b));
      raw[b] = srams[b].get();
    }
    const ArrayDesc desc = unit_arrays(config)[0];
    array = std::make_unique<PeArray>("array", desc, config.buffers, raw, Fidelity::Fast, clocking, nullptr,
                                      static_cast<int>(layout.tasks.size()));
    dma = std::make_unique<DmaController>("dma", Unit::Main, config.buffers, *array, raw, clocking, layout.tasks,
                                          progress, &failure, finished);
    memory = std::make_unique<RecordingMemory>("memory", clocking, 100);
    dma->socket.bind(memory->socket);
    SC_THREAD(stop_when_done);
  }
  void stop_when_done() {
    while (!dma->finished()) sc_core::wait(finished);
    sc_core::sc_stop();
  }
};

Trace one_op(int m, int k, int n) {
  Trace t;
  TraceOp op;
  op.name = "gemm";
  op.m = m;
  op.k = k;
  op.n = n;
  t.ops.push_back(op);
  return t;
}

TEST(DmaControllerBlock, MovesExactlyThePlannedTilesToThePlannedAddresses) {
  for (bool double_buffer : {true, false}) {
    SCOPED_TRACE(double_buffer ? "double-buffered" : "single-buffered");
    in_child([&] {
      AccelConfig config = default_accel_config();
      config.array.rows = config.array.cols = 8;
      config.buffers.weight.kb = config.buffers.input.kb = 2;
      config.buffers.output.kb = 4;
      for (BufferConfig* b : {&config.buffers.weight, &config.buffers.input, &config.buffers.output})
        b->double_buffer = double_buffer;
      DmaBench bench("bench", config, one_op(40, 96, 72));
      sc_core::sc_start();
      ASSERT_TRUE(bench.dma->finished());
      const OpTask& task = bench.layout.tasks[0];
      const TilePlan& plan = task.plan;
      ASSERT_GT(plan.steps(), 4);  // several tiles along every loop
      // The loads, in loop-nest order, and the write-backs, in the order the tiles finish.
      std::vector<std::pair<uint64_t, unsigned>> want_reads, want_writes, reads, writes;
      for (int64_t s = 0; s < plan.steps(); ++s) {
        const TileStep st = tile_step(plan, *task.op, s);
        if (st.load_w) want_reads.push_back({task.w_addr(st.ki, st.ni), static_cast<unsigned>(st.w_bytes)});
        if (st.load_x) want_reads.push_back({task.x_addr(st.mi, st.ki), static_cast<unsigned>(st.x_bytes)});
        if (st.write_y) want_writes.push_back({task.y_addr(st.mi, st.ni), static_cast<unsigned>(st.y_bytes)});
      }
      int64_t read_bytes = 0, write_bytes = 0;
      for (const auto& a : bench.memory->log) {
        (a.write ? writes : reads).push_back({a.addr, a.bytes});
        (a.write ? write_bytes : read_bytes) += a.bytes;
      }
      EXPECT_EQ(reads, want_reads);
      EXPECT_EQ(writes, want_writes);
      EXPECT_EQ(read_bytes, plan.dram_read_bytes);
      EXPECT_EQ(write_bytes, plan.dram_write_bytes);
      // Every transfer takes the memory's 100 cycles and the DMA issues one at a time.
      for (size_t i = 1; i < bench.memory->log.size(); ++i)
        EXPECT_GE(bench.memory->log[i].cycle, bench.memory->log[i - 1].cycle + 100);
      EXPECT_EQ(bench.dma->counters().transfers, static_cast<int64_t>(bench.memory->log.size()));
      EXPECT_EQ(bench.dma->counters().busy_cycles, 100 * static_cast<int64_t>(bench.memory->log.size()));
      EXPECT_TRUE(bench.progress[0].done);
    });
  }
}

TEST(DmaControllerBlock, SingleBufferingWaitsForTheArrayBeforeTheNextLoad) {
  // With double buffering the DMA loads step s + 1 while the array computes step s;
  // with single buffers loads and compute alternate.
  for (int db = 0; db < 2; ++db) {
    SCOPED_TRACE(db == 1 ? "double-buffered" : "single-buffered");
    in_child([&] {
      AccelConfig config = default_accel_config();
      config.array.rows = config.array.cols = 8;
      config.buffers.weight.kb = config.buffers.input.kb = 2;
      config.buffers.output.kb = 4;
      for (BufferConfig* b : {&config.buffers.weight, &config.buffers.input, &config.buffers.output})
        b->double_buffer = db == 1;
      DmaBench bench("bench", config, one_op(64, 64, 64));
      sc_core::sc_start();
      const int64_t end = bench.clocking.now_cycle();
      const ArrayCounters c = bench.array->counters_now();
      const int64_t transfers = static_cast<int64_t>(bench.memory->log.size());
      if (db == 0) {
        // Single buffers: the array never computes while a transfer is in flight, so the
        // run is at least every transfer plus every compute cycle, back to back.
        EXPECT_GE(end, 100 * transfers + c.compute);
      } else {
        // Double buffers: compute hides under the transfers.
        EXPECT_LT(end, 100 * transfers + c.compute);
      }
    });
  }
}

}  // namespace
}  // namespace itera::hw
