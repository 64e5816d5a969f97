#include "sim_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "fold_timing.h"
#include "units.h"

namespace itera {

namespace {

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

const char* const kBufferNames[3] = {"weight", "input", "output"};

std::string source_of(const Trace& t) {
  for (const auto& [k, v] : t.meta)
    if (k == "source") return v;
  return "(no @source)";
}

}  // namespace

SimReport build_sim_report(const Trace& trace, const AccelConfig& config, const hw::SimRun& run,
                           hw::Fidelity fidelity) {
  SimReport r;
  r.source = source_of(trace);
  for (const auto& [k, v] : trace.meta)
    if (k == "phase" || k == "method") r.source += fmt::format(", {} {}", k, v);
  r.fidelity = hw::to_string(fidelity);
  r.config_text = describe(config);
  r.dram = run.dram_description;
  r.clock_mhz = config.clock_mhz;
  r.period_ns = run.clock_period_ns;
  r.dram_peak_bytes_per_cycle = run.dram_peak_bytes_per_cycle;
  r.pes = run.pes_main + run.pes_lowrank;
  r.wall_seconds = run.wall_seconds;
  r.simulated_cycles = run.makespan_cycles;
  const std::vector<ArrayDesc> arrays = unit_arrays(config);
  double slot_cycles = 0;  // sum of total_i x PEs x pack_i
  for (const hw::OpResult& o : run.ops) {
    const TraceOp& op = trace.ops[static_cast<size_t>(o.index)];
    LayerReport l;
    l.name = op.name;
    l.kind = op_kind_name(op.kind);
    l.unit = o.unit;
    l.repeat = op.repeat;
    l.m = op.m;
    l.k = op.k;
    l.n = op.n;
    l.wbits = op.wbits;
    l.abits = op.abits;
    l.rank = op.rank;
    l.tile_m = o.plan.tile.mt;
    l.tile_k = o.plan.tile.kt;
    l.tile_n = o.plan.tile.nt;
    l.steps = o.plan.steps();
    const int64_t rep = op.repeat;
    l.total_cycles = o.total_cycles * rep;
    const int64_t compute = std::min(o.array.compute, o.total_cycles);
    l.compute_cycles = compute * rep;
    const int64_t stall = o.total_cycles - compute;
    l.stall_cycles = stall * rep;
    const int64_t bank = std::min(o.array.bank_stall, stall);
    const int64_t dep = std::min(o.array.dep_stall, stall - bank);
    l.stall_bank = bank * rep;
    l.stall_dependency = dep * rep;
    l.stall_dram = (stall - bank - dep) * rep;
    l.macs = o.macs * rep;
    l.pe_active = o.pe_active * rep;
    l.folds = o.folds * rep;
    l.dram_read_bytes = o.dma.read_bytes * rep;
    l.dram_write_bytes = o.dma.write_bytes * rep;
    l.dram_busy_cycles = o.dma.busy_cycles * rep;
    l.dram_bursts = o.dma.bursts * rep;
    l.row_hits = o.dma.row_hits * rep;
    l.compulsory_bytes = o.plan.compulsory_bytes * rep;
    for (int b = 0; b < 3; ++b) {
      l.sram_read_bytes[b] = o.sram[kBuffers[static_cast<size_t>(b)]].read_bytes * rep;
      l.sram_write_bytes[b] = o.sram[kBuffers[static_cast<size_t>(b)]].write_bytes * rep;
    }
    const ArrayDesc& array = arrays[static_cast<size_t>(index_of(o.unit))];
    const double unit_slots = static_cast<double>(array.pes()) * o.plan.pack;
    const int64_t busy = std::max(o.total_cycles, o.array.compute + o.array.bank_stall);
    l.pe_utilization = ratio(static_cast<double>(o.macs), unit_slots * static_cast<double>(busy));
    l.mapping_efficiency =
        mapping_efficiency(plan_folds(array.dataflow, array.rows, array.cols, o.plan.pack, op.m, op.k, op.n), op.m,
                           op.k, op.n);
    l.dram_bw_percent = 100.0 * ratio(static_cast<double>(o.dma.read_bytes + o.dma.write_bytes),
                                      static_cast<double>(o.total_cycles) * run.dram_peak_bytes_per_cycle);
    l.row_hit_rate = ratio(static_cast<double>(o.dma.row_hits), static_cast<double>(o.dma.bursts));
    l.bound = o.dma.busy_cycles > o.array.compute ? "memory" : "compute";

    r.total_cycles += l.total_cycles;
    r.compute_cycles += l.compute_cycles;
    r.stall_cycles += l.stall_cycles;
    r.stall_dram += l.stall_dram;
    r.stall_bank += l.stall_bank;
    r.stall_dependency += l.stall_dependency;
    r.macs += l.macs;
    r.dram_read_bytes += l.dram_read_bytes;
    r.dram_write_bytes += l.dram_write_bytes;
    r.dram_bursts += l.dram_bursts;
    r.row_hits += l.row_hits;
    for (int b = 0; b < 3; ++b) {
      r.sram_read_bytes[b] += l.sram_read_bytes[b];
      r.sram_write_bytes[b] += l.sram_write_bytes[b];
    }
    slot_cycles += static_cast<double>(l.total_cycles) * static_cast<double>(r.pes) * o.plan.pack;
    r.layers.push_back(l);
  }
  r.pe_utilization = ratio(static_cast<double>(r.macs), slot_cycles);
  r.latency_us = static_cast<double>(r.total_cycles) * r.period_ns / 1000.0;
  r.dram_bw_percent = 100.0 * ratio(static_cast<double>(r.dram_read_bytes + r.dram_write_bytes),
                                    static_cast<double>(r.total_cycles) * r.dram_peak_bytes_per_cycle);
  r.row_hit_rate = ratio(static_cast<double>(r.row_hits), static_cast<double>(r.dram_bursts));
  return r;
}

std::string sim_table(const SimReport& r, bool timing) {
  std::string out;
  out += fmt::format("trace:     {}\n", r.source);
  out += fmt::format("fidelity:  {}\n", r.fidelity);
  out += fmt::format("dram:      {}\n", r.dram);
  out += r.config_text + "\n\n";
  out += fmt::format("{:<28} {:>7} {:>6} {:>6} {:>6} {:>4} {:>14} {:>13} {:>13} {:>12} {:>6} {:>6} {:>12} {:>12} "
                     "{:>6} {:>5} {:>7}\n",
                     "layer", "kind", "M", "K", "N", "x", "total cyc", "compute", "stall dram", "stall bank", "util",
                     "map", "DRAM rd", "DRAM wr", "BW %", "hit", "bound");
  for (const LayerReport& l : r.layers) {
    out += fmt::format("{:<28} {:>7} {:>6} {:>6} {:>6} {:>4} {:>14} {:>13} {:>13} {:>12} {:>5.1f}% {:>5.1f}% {:>12} "
                       "{:>12} {:>5.1f}% {:>5.2f} {:>7}\n",
                       l.name.size() > 28 ? l.name.substr(0, 27) + "~" : l.name, l.kind, l.m, l.k, l.n, l.repeat,
                       l.total_cycles, l.compute_cycles, l.stall_dram, l.stall_bank, 100.0 * l.pe_utilization,
                       100.0 * l.mapping_efficiency, l.dram_read_bytes, l.dram_write_bytes, l.dram_bw_percent,
                       l.row_hit_rate, l.bound);
  }
  out += "\n";
  out += fmt::format("total cycles      {}  ({:.1f} us at {} MHz)\n", r.total_cycles, r.latency_us, r.clock_mhz);
  out += fmt::format("compute cycles    {}  ({:.1f}%)\n", r.compute_cycles,
                     100.0 * ratio(static_cast<double>(r.compute_cycles), static_cast<double>(r.total_cycles)));
  out += fmt::format("stall cycles      {}  (DRAM bandwidth {}, bank conflicts {}, dependency {})\n", r.stall_cycles,
                     r.stall_dram, r.stall_bank, r.stall_dependency);
  out += fmt::format("MACs              {}\n", r.macs);
  out += fmt::format("PE utilization    {:.2f}%  ({} PEs)\n", 100.0 * r.pe_utilization, r.pes);
  out += fmt::format("DRAM              {} B read, {} B written; {:.1f}% of peak bandwidth; row-buffer hit rate {:.3f}\n",
                     r.dram_read_bytes, r.dram_write_bytes, r.dram_bw_percent, r.row_hit_rate);
  for (int b = 0; b < 3; ++b)
    out += fmt::format("SRAM {:<7}      {} B read, {} B written\n", kBufferNames[b], r.sram_read_bytes[b],
                       r.sram_write_bytes[b]);
  if (timing && r.wall_seconds > 0)
    out += fmt::format("simulated {} cycles (one copy of each layer) in {:.3f} s: {:.2f} M cycles/s\n",
                       r.simulated_cycles, r.wall_seconds,
                       static_cast<double>(r.simulated_cycles) / r.wall_seconds / 1e6);
  return out;
}

nlohmann::json sim_json(const SimReport& r) {
  using nlohmann::json;
  json layers = json::array();
  for (const LayerReport& l : r.layers) {
    json sram = json::object();
    for (int b = 0; b < 3; ++b)
      sram[kBufferNames[b]] = {{"read_bytes", l.sram_read_bytes[b]}, {"write_bytes", l.sram_write_bytes[b]}};
    layers.push_back({{"name", l.name},
                      {"kind", l.kind},
                      {"array", to_string(l.unit)},
                      {"repeat", l.repeat},
                      {"M", l.m},
                      {"K", l.k},
                      {"N", l.n},
                      {"wbits", l.wbits},
                      {"abits", l.abits},
                      {"rank", l.rank},
                      {"tile", {{"M", l.tile_m}, {"K", l.tile_k}, {"N", l.tile_n}, {"steps", l.steps}}},
                      {"total_cycles", l.total_cycles},
                      {"compute_cycles", l.compute_cycles},
                      {"stall_cycles", l.stall_cycles},
                      {"stall_dram_cycles", l.stall_dram},
                      {"stall_bank_cycles", l.stall_bank},
                      {"stall_dependency_cycles", l.stall_dependency},
                      {"macs", l.macs},
                      {"pe_active_cycles", l.pe_active},
                      {"folds", l.folds},
                      {"pe_utilization", l.pe_utilization},
                      {"mapping_efficiency", l.mapping_efficiency},
                      {"dram_read_bytes", l.dram_read_bytes},
                      {"dram_write_bytes", l.dram_write_bytes},
                      {"dram_compulsory_bytes", l.compulsory_bytes},
                      {"dram_busy_cycles", l.dram_busy_cycles},
                      {"dram_bandwidth_percent", l.dram_bw_percent},
                      {"row_hit_rate", l.row_hit_rate},
                      {"sram", sram},
                      {"bound", l.bound}});
  }
  json sram = json::object();
  for (int b = 0; b < 3; ++b)
    sram[kBufferNames[b]] = {{"read_bytes", r.sram_read_bytes[b]}, {"write_bytes", r.sram_write_bytes[b]}};
  return {{"source", r.source},
          {"fidelity", r.fidelity},
          {"dram", r.dram},
          {"clock_mhz", r.clock_mhz},
          {"pes", r.pes},
          {"total_cycles", r.total_cycles},
          {"compute_cycles", r.compute_cycles},
          {"stall_cycles", r.stall_cycles},
          {"stall_dram_cycles", r.stall_dram},
          {"stall_bank_cycles", r.stall_bank},
          {"stall_dependency_cycles", r.stall_dependency},
          {"macs", r.macs},
          {"pe_utilization", r.pe_utilization},
          {"latency_us", r.latency_us},
          {"dram_read_bytes", r.dram_read_bytes},
          {"dram_write_bytes", r.dram_write_bytes},
          {"dram_peak_bytes_per_cycle", r.dram_peak_bytes_per_cycle},
          {"dram_bandwidth_percent", r.dram_bw_percent},
          {"row_hit_rate", r.row_hit_rate},
          {"sram", sram},
          {"layers", layers}};
}

std::string compute_report_csv(const SimReport& r) {
  std::string out =
      "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %, Layer Name, Kind, "
      "Repeat, Compute Cycles, Stall DRAM Cycles, Stall Bank Cycles, Stall Dependency Cycles, MACs, Latency us, "
      "Bound,\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerReport& l = r.layers[i];
    const double compute_util =
        100.0 * l.pe_utilization * ratio(static_cast<double>(l.total_cycles), static_cast<double>(l.compute_cycles));
    out += fmt::format("{}, {}, {}, {:.4f}, {:.4f}, {:.4f}, {}, {}, {}, {}, {}, {}, {}, {}, {:.4f}, {},\n", i,
                       l.total_cycles, l.stall_cycles, 100.0 * l.pe_utilization, 100.0 * l.mapping_efficiency,
                       std::min(100.0, compute_util), l.name, l.kind, l.repeat, l.compute_cycles, l.stall_dram,
                       l.stall_bank, l.stall_dependency, l.macs,
                       static_cast<double>(l.total_cycles) * r.period_ns / 1000.0, l.bound);
  }
  return out;
}

std::string bandwidth_report_csv(const SimReport& r) {
  std::string out =
      "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, "
      "Avg OFMAP DRAM BW, Layer Name, DRAM Read Bytes, DRAM Write Bytes, DRAM BW % of Peak, Row Hit Rate,\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerReport& l = r.layers[i];
    const double cyc = static_cast<double>(l.total_cycles);
    // SCALE-Sim's SRAM bandwidths are what the array reads (IFMAP, FILTER) and writes (OFMAP) per cycle.
    const double ifmap_sram = ratio(static_cast<double>(l.sram_read_bytes[1]), cyc);
    const double filter_sram = ratio(static_cast<double>(l.sram_read_bytes[0]), cyc);
    const double ofmap_sram = ratio(static_cast<double>(l.sram_write_bytes[2]), cyc);
    // DRAM side: fills of the input / weight buffers, drains of the output buffer.
    const double ifmap_dram = ratio(static_cast<double>(l.sram_write_bytes[1]), cyc);
    const double filter_dram = ratio(static_cast<double>(l.sram_write_bytes[0]), cyc);
    const double ofmap_dram = ratio(static_cast<double>(l.dram_write_bytes), cyc);
    out += fmt::format("{}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {}, {}, {}, {:.4f}, {:.4f},\n", i,
                       ifmap_sram, filter_sram, ofmap_sram, ifmap_dram, filter_dram, ofmap_dram, l.name,
                       l.dram_read_bytes, l.dram_write_bytes, l.dram_bw_percent, l.row_hit_rate);
  }
  return out;
}

}  // namespace itera
