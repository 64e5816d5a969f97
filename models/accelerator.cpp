#include "accelerator.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <systemc>
#include <unistd.h>

#include "atomic_file.h"
#include "dma_controller.h"
#include "dram.h"
#include "error.h"
#include "pe_array.h"
#include "sim_failure.h"
#include "sram.h"

namespace itera::hw {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// The ops as the hardware runs them: tile plans, units, DRAM regions.
std::vector<OpTask> make_tasks(const Trace& trace, const AccelConfig& config, uint64_t& end) {
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < trace.ops.size(); ++i) index_of[trace.ops[i].name] = static_cast<int>(i);
  const bool dedicated = config.low_rank.datapath == LowRankDatapath::Dedicated;
  std::vector<OpTask> tasks;
  uint64_t next = 0;
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    const TraceOp& op = trace.ops[i];
    OpTask t;
    t.index = static_cast<int>(i);
    t.op = &op;
    t.unit = dedicated && op.kind != OpKind::Dense ? 1 : 0;
    if (!op.accumulate.empty()) t.accumulate_target = index_of.at(op.accumulate);
    AccelConfig unit_config = config;
    unit_config.array.rows = array_dims(config, t.unit).rows;
    unit_config.array.cols = array_dims(config, t.unit).cols;
    t.plan = plan_tiles(op, unit_config, op.kind == OpKind::LowRankUp, op.kind == OpKind::LowRankDown,
                        !op.accumulate.empty());
    const TilePlan& p = t.plan;
    const auto region = [&](int64_t tiles, int64_t tile_bytes) {
      const uint64_t base = next;
      next = align_up(next + static_cast<uint64_t>(tiles * tile_bytes), 4096);
      return base;
    };
    t.base_w = region(p.k_tiles * p.n_tiles, weight_tile_bytes(op, p.tile.kt, p.tile.nt));
    t.base_x = region(p.m_tiles * p.k_tiles, act_tile_bytes(op.abits, p.tile.mt, p.tile.kt));
    t.base_y = op.accumulate.empty() ? region(p.m_tiles * p.n_tiles, act_tile_bytes(op.abits, p.tile.mt, p.tile.nt))
                                     : 0;
    tasks.push_back(t);
  }
  // An op that accumulates writes into its target's output region.
  for (OpTask& t : tasks)
    if (t.accumulate_target >= 0) t.base_y = tasks[t.accumulate_target].base_y;
  end = next;
  return tasks;
}

// The rows x cols block of a row-major matrix (row length `stride`) at (r0, c0), packed
// at `bits` into the image at byte `at`: one tile as the DMA will read it.
void put_tile(std::vector<uint8_t>& image, uint64_t at, const std::vector<int16_t>& matrix, int64_t stride,
              int64_t r0, int64_t c0, int64_t rows, int64_t cols, int bits) {
  std::vector<int16_t> codes;
  codes.reserve(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) codes.push_back(matrix[static_cast<size_t>((r0 + r) * stride + c0 + c)]);
  const std::vector<uint8_t> bytes = pack_codes(codes, bits);
  std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<std::ptrdiff_t>(at));
}

// Functional mode: the DRAM image with every op's weight and input tiles, packed in the
// tile-major layout the DMA reads (codes first; the scale bytes of a weight tile stay 0).
std::vector<uint8_t> build_image(const std::vector<OpTask>& tasks, const FunctionalData& data, uint64_t end) {
  constexpr uint64_t kMaxBytes = uint64_t{1} << 30;
  if (end > kMaxBytes)
    throw Error(fmt::format("functional mode is for small layers: this trace needs {} MiB of DRAM image (limit {})",
                            end >> 20, kMaxBytes >> 20));
  std::vector<uint8_t> image(end, 0);
  for (const OpTask& t : tasks) {
    const FunctionalOp& f = data.ops[static_cast<size_t>(t.index)];
    const TilePlan& p = t.plan;
    for (int64_t ni = 0; ni < p.n_tiles; ++ni)
      for (int64_t ki = 0; ki < p.k_tiles; ++ki) {
        const int64_t n0 = ni * p.tile.nt, k0 = ki * p.tile.kt;
        put_tile(image, t.w_addr(ki, ni), f.w, f.k, n0, k0,
                 std::min(p.tile.nt, f.n - n0), std::min(p.tile.kt, f.k - k0), f.wbits);
      }
    if (!p.load_x) continue;
    for (int64_t mi = 0; mi < p.m_tiles; ++mi)
      for (int64_t ki = 0; ki < p.k_tiles; ++ki) {
        const int64_t m0 = mi * p.tile.mt, k0 = ki * p.tile.kt;
        put_tile(image, t.x_addr(mi, ki), f.x, f.k, m0, k0,
                 std::min(p.tile.mt, f.m - m0), std::min(p.tile.kt, f.k - k0), f.abits);
      }
  }
  return image;
}

// One compute unit: an array with its three SRAMs and its DMA controller.
struct Unit {
  std::unique_ptr<Sram> weight, input, output;
  std::unique_ptr<PeArray> array;
  std::unique_ptr<DmaController> dma;
};

class Top : public sc_core::sc_module {
 public:
  Top(const sc_core::sc_module_name& name, const AccelConfig& config, const SimOptions& options,
      const std::vector<OpTask>& tasks, std::vector<OpProgress>& progress)
      : sc_module(name), config_(config), clocking_(config.clock_mhz), tasks_(tasks), progress_(progress) {
    if (options.fidelity == Fidelity::Cycle) clock_ = std::make_unique<sc_core::sc_clock>("clk", clocking_.period);
    dram_ = std::make_unique<Dram>("dram", make_memory_core(config.memory.dram), options.fidelity, clocking_,
                                   clock_.get(), &failure_);
    dram_->drop_responses = options.fault == "drop-dram-response";
    const bool dedicated = config.low_rank.datapath == LowRankDatapath::Dedicated;
    const int n_units = dedicated ? 2 : 1;
    for (int u = 0; u < n_units; ++u) {
      Unit unit;
      const std::string p = u == 0 ? "" : "lowrank_";
      const auto [rows, cols] = array_dims(config, u);
      unit.weight = std::make_unique<Sram>((p + "weight_sram").c_str(), config.buffers.weight);
      unit.input = std::make_unique<Sram>((p + "input_sram").c_str(), config.buffers.input);
      unit.output = std::make_unique<Sram>((p + "output_sram").c_str(), config.buffers.output);
      // The cycle fidelity clocks the array; the fast fidelity has no clock at all (its
      // blocks wait exact latencies), so an sc_clock is only built for the former.
      unit.array = std::make_unique<PeArray>((p + "pe_array").c_str(), config, rows, cols, options.fidelity,
                                             clocking_, clock_.get(), unit.weight.get(), unit.input.get(), unit.output.get(),
                                             static_cast<int>(tasks.size()));
      unit.dma = std::make_unique<DmaController>((p + "dma").c_str(), u, config, *unit.array, unit.weight.get(),
                                                 unit.input.get(), unit.output.get(), clocking_, tasks, progress,
                                                 &failure_, finished_);
      unit.dma->socket.bind(dram_->socket);
      units_.push_back(std::move(unit));
    }
    SC_THREAD(monitor);
    if (options.fidelity == Fidelity::Cycle) SC_THREAD(watchdog);
  }

  const Clocking& clocking() const { return clocking_; }
  void attach_functional(FunctionalData* data, std::vector<uint8_t>* image) {
    dram_->image = image;
    for (Unit& u : units_) {
      u.array->set_functional(data);
      u.dma->set_functional(data);
    }
  }
  SimFailure& failure() { return failure_; }
  const Dram& dram() const { return *dram_; }
  const std::vector<Unit>& units() const { return units_; }
  sc_core::sc_clock* clock() const { return clock_.get(); }
  bool all_finished() const {
    for (const Unit& u : units_)
      if (!u.dma->finished()) return false;
    return true;
  }
  // Who is waiting on what, for deadlock reports.
  std::string blocked_report() const {
    std::string out;
    for (const Unit& u : units_) {
      if (u.dma->finished()) continue;
      out += fmt::format("\n  {}: {}", u.dma->name(), u.dma->status());
      out += fmt::format("\n  {}: {} tile jobs finished", u.array->name(), u.array->jobs_done());
    }
    out += fmt::format("\n  {}: {}", dram_->name(), dram_->status());
    return out;
  }

  // The longest a healthy run can go without any block making progress: far more than
  // the slowest tile and the slowest transfer.
  int64_t watchdog_cycles = 0;

 private:
  SC_HAS_PROCESS(Top);

  void monitor() {
    while (!all_finished()) sc_core::wait(finished_);
    sc_core::sc_stop();
  }

  int64_t progress_count() const {
    int64_t n = dram_->core().stats().bursts;
    for (const Unit& u : units_) n += u.array->jobs_done() + u.dma->counters().transfers;
    return n;
  }

  void watchdog() {
    int64_t last = -1;
    for (;;) {
      sc_core::wait(clocking_.cycles(watchdog_cycles));
      const int64_t now = progress_count();
      if (now == last && !all_finished()) {
        failure_.raise(fmt::format("deadlock: no block made progress for {} cycles (at cycle {}); blocked:{}",
                                   watchdog_cycles, clocking_.now_cycle(), blocked_report()));
        return;
      }
      last = now;
    }
  }

  AccelConfig config_;
  Clocking clocking_;
  const std::vector<OpTask>& tasks_;
  std::vector<OpProgress>& progress_;
  SimFailure failure_;
  std::unique_ptr<sc_core::sc_clock> clock_;
  std::unique_ptr<Dram> dram_;
  std::vector<Unit> units_;
  sc_core::sc_event finished_;
};

ArrayCounters minus(const ArrayCounters& a, const ArrayCounters& b) {
  ArrayCounters d;
  d.compute = a.compute - b.compute;
  d.bank_stall = a.bank_stall - b.bank_stall;
  d.dram_stall = a.dram_stall - b.dram_stall;
  d.dep_stall = a.dep_stall - b.dep_stall;
  d.idle = a.idle - b.idle;
  return d;
}

SramCounters minus(const SramCounters& a, const SramCounters& b) {
  return {a.read_bytes - b.read_bytes, a.write_bytes - b.write_bytes, a.reads - b.reads, a.writes - b.writes};
}

bool g_elaborated = false;

}  // namespace

SimRun simulate_trace(const Trace& trace, const AccelConfig& config, const SimOptions& options) {
  if (g_elaborated) throw Error("internal: SystemC allows one simulation per process");
  if (!options.fault.empty() && options.fault != "drop-dram-response")
    throw Error(fmt::format("unknown fault '{}'; allowed: drop-dram-response", options.fault));
  g_elaborated = true;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);

  uint64_t end = 0;
  const std::vector<OpTask> tasks = make_tasks(trace, config, end);  // throws on tiles that do not fit
  std::vector<OpProgress> progress(tasks.size());
  std::vector<uint8_t> image;
  if (options.functional != nullptr) {
    if (config.memory.ideal) throw Error("functional mode needs a memory model (memory.ideal: false): the operands travel through DRAM");
    image = build_image(tasks, *options.functional, end);
  }
  Top top("top", config, options, tasks, progress);
  if (options.functional != nullptr) top.attach_functional(options.functional, &image);
  {
    // Watchdog bound: 64 x (the slowest tile's classic cycles + its bytes at 1 byte/cycle).
    int64_t worst = 0;
    for (const OpTask& t : tasks) {
      const auto [rows, cols] = array_dims(config, t.unit);
      const FoldPlan fp = plan_folds(config.array.dataflow, rows, cols, t.plan.pack, t.plan.tile.mt, t.plan.tile.kt,
                                     t.plan.tile.nt);
      const int64_t bytes = weight_tile_bytes(*t.op, t.plan.tile.kt, t.plan.tile.nt) +
                            act_tile_bytes(t.op->abits, t.plan.tile.mt, t.plan.tile.kt) +
                            2 * act_tile_bytes(t.op->abits, t.plan.tile.mt, t.plan.tile.nt);
      worst = std::max(worst, classic_cycles(fp) + bytes);
    }
    top.watchdog_cycles = 64 * worst + 1000000;
  }

  sc_core::sc_trace_file* vcd = nullptr;
  std::string vcd_tmp;
  if (!options.vcd_path.empty()) {
    vcd_tmp = options.vcd_path + ".tmp" + std::to_string(::getpid());
    vcd = sc_core::sc_create_vcd_trace_file(vcd_tmp.c_str());  // SystemC appends ".vcd"
    vcd->set_time_unit(1, sc_core::SC_PS);
    if (top.clock() != nullptr) sc_core::sc_trace(vcd, *top.clock(), "clk");
    for (const Unit& u : top.units())
      sc_core::sc_trace(vcd, u.array->state_signal(), std::string(u.array->name()) + ".state");
    sc_core::sc_trace(vcd, top.dram().busy_signal(), "top.dram.busy");
  }

  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const auto t1 = std::chrono::steady_clock::now();
  if (vcd != nullptr) sc_core::sc_close_vcd_trace_file(vcd);

  const auto discard_vcd = [&] {
    if (!vcd_tmp.empty()) std::remove((vcd_tmp + ".vcd").c_str());
  };
  if (top.failure().failed()) {
    discard_vcd();
    throw SimulationAborted(top.failure().message);
  }
  if (!top.all_finished()) {
    discard_vcd();
    throw SimulationAborted(fmt::format("deadlock: the simulation ran out of events at cycle {} with work left; blocked:{}",
                            top.clocking().now_cycle(), top.blocked_report()));
  }

  SimRun run;
  run.clock_period_ns = top.clocking().period_ns();
  run.wall_seconds = std::chrono::duration<double>(t1 - t0).count();
  run.pes_main = config.array.rows * config.array.cols;
  if (config.low_rank.datapath == LowRankDatapath::Dedicated)
    run.pes_lowrank = array_dims(config, 1).rows * array_dims(config, 1).cols;
  run.dram = top.dram().core().stats();
  run.dram_description = config.memory.ideal ? std::string("ideal (no DRAM)") : top.dram().core().describe();
  run.dram_peak_bytes_per_cycle = config.memory.ideal ? 0.0 : top.dram().peak_bytes_per_cycle();

  int64_t frontier = 0;
  std::vector<ArrayCounters> prev_array(top.units().size());
  std::vector<std::array<SramCounters, 3>> prev_sram(top.units().size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    const OpTask& t = tasks[i];
    const OpProgress& p = progress[i];
    const Unit& u = top.units()[static_cast<size_t>(t.unit)];
    OpResult r;
    r.index = t.index;
    r.unit = t.unit;
    r.plan = t.plan;
    r.start_cycle = p.start_cycle < 0 ? 0 : p.start_cycle;
    r.done_cycle = p.done_cycle;
    r.total_cycles = std::max<int64_t>(0, p.done_cycle - frontier);
    frontier = std::max(frontier, p.done_cycle);
    r.array = minus(p.array_at_done, prev_array[t.unit]);
    prev_array[t.unit] = p.array_at_done;
    for (int b = 0; b < 3; ++b) {
      r.sram[b] = minus(p.sram_at_done[b], prev_sram[t.unit][b]);
      prev_sram[t.unit][b] = p.sram_at_done[b];
    }
    r.dma = p.dma;
    r.macs = u.array->op_macs(t.index);
    r.pe_active = u.array->op_pe_active(t.index);
    r.folds = u.array->op_folds(t.index);
    run.ops.push_back(r);
  }
  run.makespan_cycles = frontier;
  if (!options.vcd_path.empty()) {
    // SystemC stamps the file with the wall-clock date; drop that block so the same
    // inputs give the same bytes, then move the file into place.
    {
      std::ifstream in(vcd_tmp + ".vcd");
      std::ofstream out(vcd_tmp + ".clean");
      std::string line;
      bool in_date = false, date_done = false;
      while (std::getline(in, line)) {
        if (!date_done && line.rfind("$date", 0) == 0) in_date = true;
        if (in_date) {
          if (line.find("$end") != std::string::npos) {
            in_date = false;
            date_done = true;
          }
          continue;
        }
        out << line << '\n';
      }
      if (!out) {
        discard_vcd();
        std::remove((vcd_tmp + ".clean").c_str());
        throw Error(fmt::format("cannot write the waveform to '{}'", options.vcd_path));
      }
    }
    discard_vcd();
    if (std::rename((vcd_tmp + ".clean").c_str(), options.vcd_path.c_str()) != 0) {
      std::remove((vcd_tmp + ".clean").c_str());
      throw Error(fmt::format("cannot write the waveform to '{}'", options.vcd_path));
    }
  }
  return run;
}

}  // namespace itera::hw
