#include "sim_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"
#include "int_math.h"
#include "fold_timing.h"
#include "report_fields.h"
#include "scalesim_figures.h"
#include "text.h"
#include "units.h"

namespace itera {

namespace {

std::string source_of(const Trace& t) {
  for (const auto& [k, v] : t.meta)
    if (k == "source") return v;
  return "(no @source)";
}

// What the op is and how it was tiled.
LayerReport layer_shape(const TraceOp& op, const hw::OpResult& o) {
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
  return l;
}

// value x repeat; an Error naming the layer and the figure when it does not fit 64 bits.
int64_t times_repeat(int64_t value, const TraceOp& op, const char* figure) {
  int64_t out = 0;
  if (__builtin_mul_overflow(value, int64_t{op.repeat}, &out))
    throw Error(fmt::format("layer '{}': {} {} x repeat {} does not fit a 64-bit count", op.name, figure, value,
                            op.repeat));
  return out;
}

// total += value; an Error naming the figure when the sum does not fit 64 bits.
void add_checked(int64_t& total, int64_t value, const LayerReport& l, const char* figure) {
  if (__builtin_add_overflow(total, value, &total))
    throw Error(fmt::format("the report's total {} does not fit a 64-bit count (at layer '{}')", figure, l.name));
}

// The resource that alone needed the most cycles for the op (sim_report.h), from its
// own figures, whatever its window.
std::string bound_of(const hw::OpResult& o) {
  const int64_t compute = o.own.compute, sram = o.sram_port_cycles, dram = o.dma.busy_cycles;
  if (dram > std::max(compute, sram)) return "dram";
  return sram > compute ? "sram" : "compute";
}

// One op's figures, its repeats included.
LayerReport layer_report(const TraceOp& op, const hw::OpResult& o, const ArrayDesc& array,
                         double dram_peak_bytes_per_cycle) {
  LayerReport l = layer_shape(op, o);
  const auto rep = [&](int64_t value, const char* figure) { return times_repeat(value, op, figure); };
  // The window's cycles: the op's compute and bank stalls (all of them, for an op of the
  // timeline unit), waits for the other array (dependency, or idle while it finishes the
  // run), and the rest waiting for DRAM.
  const hw::ArrayCounters& a = o.array;
  const int64_t stall = o.total_cycles - a.compute;
  const int64_t dep = std::min(a.dep_stall + a.idle, stall - a.bank_stall);
  l.total_cycles = rep(o.total_cycles, "total cycles");
  l.compute_cycles = rep(a.compute, "compute cycles");
  l.stall_cycles = rep(stall, "stall cycles");
  l.stall_bank = rep(a.bank_stall, "bank stall cycles");
  l.stall_dependency = rep(dep, "dependency stall cycles");
  l.stall_dram = rep(stall - a.bank_stall - dep, "DRAM stall cycles");
  l.macs = rep(o.macs, "MACs");
  l.pe_active = rep(o.pe_active, "PE-active cycles");
  l.folds = rep(o.folds, "folds");
  l.dram_read_bytes = rep(o.dma.read_bytes, "DRAM read bytes");
  l.dram_write_bytes = rep(o.dma.write_bytes, "DRAM write bytes");
  l.dram_busy_cycles = rep(o.dma.busy_cycles, "DRAM busy cycles");
  l.sram_port_cycles = rep(o.sram_port_cycles, "SRAM port cycles");
  l.dram_bursts = rep(o.dma.bursts, "DRAM bursts");
  l.row_hits = rep(o.dma.row_hits, "row hits");
  l.compulsory_bytes = rep(o.plan.compulsory_bytes, "compulsory bytes");
  for (Buffer b : kBuffers) {
    l.sram_read_bytes[b] = rep(o.sram[b].read_bytes, "SRAM read bytes");
    l.sram_write_bytes[b] = rep(o.sram[b].write_bytes, "SRAM write bytes");
  }
  const double window = static_cast<double>(o.total_cycles);
  l.pe_utilization = ratio(static_cast<double>(o.macs), static_cast<double>(array.pes()) * o.plan.pack * window);
  l.mapping_efficiency =
      mapping_efficiency(plan_folds(array.dataflow, array.rows, array.cols, o.plan.pack, op.m, op.k, op.n), op.m,
                         op.k, op.n);
  l.dram_bw_percent = 100.0 * ratio(o.window_dram_bytes, window * dram_peak_bytes_per_cycle);
  l.row_hit_rate = ratio(static_cast<double>(o.dma.row_hits), static_cast<double>(o.dma.bursts));
  l.bound = bound_of(o);
  l.scalesim = scalesim_figures(op, o, array);
  l.scalesim.total_cycles_incl_prefetch =
      rep(l.scalesim.total_cycles_incl_prefetch, "SCALE-Sim total cycles (incl. prefetch)");
  l.scalesim.total_cycles = rep(l.scalesim.total_cycles, "SCALE-Sim total cycles");
  l.scalesim.stall_cycles = rep(l.scalesim.stall_cycles, "SCALE-Sim stall cycles");
  return l;
}

// No figure may be physically impossible: a utilization above 1 or a bandwidth above
// the peak is a modelling bug, reported as an error rather than printed.
void check_physical(const SimReport& r) {
  constexpr double kSlack = 1e-9;
  auto fail = [](const std::string& where, const char* what, double value, const char* limit) {
    throw Error(fmt::format("internal error: {} has {} {} (above {}), which is physically impossible; please report "
                            "this trace and config",
                            where, what, value, limit));
  };
  for (const LayerReport& l : r.layers) {
    if (!(l.pe_utilization <= 1 + kSlack)) fail("layer '" + l.name + "'", "PE utilization", l.pe_utilization, "1");
    if (!(l.dram_bw_percent <= 100 + kSlack))
      fail("layer '" + l.name + "'", "DRAM bandwidth %", l.dram_bw_percent, "100");
  }
  if (!(r.pe_utilization <= 1 + kSlack)) fail("the run", "PE utilization", r.pe_utilization, "1");
  if (!(r.dram_bw_percent <= 100 + kSlack)) fail("the run", "DRAM bandwidth %", r.dram_bw_percent, "100");
}

// Adds a layer's counts to the totals.
void add_to_totals(SimReport& r, const LayerReport& l) {
  add_checked(r.total_cycles, l.total_cycles, l, "total cycles");
  add_checked(r.compute_cycles, l.compute_cycles, l, "compute cycles");
  add_checked(r.stall_cycles, l.stall_cycles, l, "stall cycles");
  add_checked(r.stall_dram, l.stall_dram, l, "DRAM stall cycles");
  add_checked(r.stall_bank, l.stall_bank, l, "bank stall cycles");
  add_checked(r.stall_dependency, l.stall_dependency, l, "dependency stall cycles");
  add_checked(r.macs, l.macs, l, "MACs");
  add_checked(r.dram_read_bytes, l.dram_read_bytes, l, "DRAM read bytes");
  add_checked(r.dram_write_bytes, l.dram_write_bytes, l, "DRAM write bytes");
  add_checked(r.dram_bursts, l.dram_bursts, l, "DRAM bursts");
  add_checked(r.row_hits, l.row_hits, l, "row hits");
  for (Buffer b : kBuffers) {
    add_checked(r.sram_read_bytes[b], l.sram_read_bytes[b], l, "SRAM read bytes");
    add_checked(r.sram_write_bytes[b], l.sram_write_bytes[b], l, "SRAM write bytes");
  }
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
  const std::vector<ArrayDesc>& arrays = run.arrays;
  double slot_cycles = 0;   // sum of total_i x PEs x pack_i
  double served_bytes = 0;  // DRAM traffic served in the layers' windows, repeats included
  bool equal_repeats = true;
  for (const hw::OpResult& o : run.ops) {
    const TraceOp& op = trace.ops[static_cast<size_t>(o.index)];
    const ArrayDesc& array = array_of(arrays, o.unit);
    LayerReport l = layer_report(op, o, array, run.dram_peak_bytes_per_cycle);
    add_to_totals(r, l);
    slot_cycles += static_cast<double>(l.total_cycles) * static_cast<double>(r.pes) * o.plan.pack;
    served_bytes += o.window_dram_bytes * op.repeat;
    equal_repeats = equal_repeats && op.repeat == trace.ops.front().repeat;
    r.layers.push_back(std::move(l));
  }
  r.pe_utilization = ratio(static_cast<double>(r.macs), slot_cycles);
  r.latency_us = static_cast<double>(r.total_cycles) * r.period_ns / 1000.0;
  // When every op repeats equally, the traffic served in the windows is exactly the
  // bytes moved; otherwise (one copy of each op simulated, then scaled) only the
  // traffic served in each window, scaled with that window, stays within the peak.
  const double moved = equal_repeats ? static_cast<double>(r.dram_read_bytes + r.dram_write_bytes) : served_bytes;
  r.dram_bw_percent =
      100.0 * ratio(moved, static_cast<double>(r.total_cycles) * r.dram_peak_bytes_per_cycle);
  r.row_hit_rate = ratio(static_cast<double>(r.row_hits), static_cast<double>(r.dram_bursts));
  check_physical(r);
  return r;
}

const std::vector<TableColumn>& sim_table_columns() {
  static const std::vector<TableColumn> columns = {
      {"name", "layer", 28, true, "{}", 28},
      {"kind", "kind", 7},
      {"M", "M", 6},
      {"K", "K", 6},
      {"N", "N", 6},
      {"repeat", "x", 4},
      {"total_cycles", "total cyc", 14},
      {"compute_cycles", "compute", 13},
      {"stall_dram_cycles", "stall dram", 13},
      {"stall_bank_cycles", "stall bank", 12},
      {"pe_utilization_percent", "util", 6, false, "{:.1f}%"},
      {"mapping_efficiency_percent", "map", 6, false, "{:.1f}%"},
      {"dram_read_bytes", "DRAM rd", 12},
      {"dram_write_bytes", "DRAM wr", 12},
      {"dram_bandwidth_percent", "BW %", 6, false, "{:.1f}%"},
      {"row_hit_rate", "hit", 5, false, "{:.2f}"},
      {"bound", "bound", 7},
  };
  return columns;
}

const std::vector<std::string>& sim_summary_lines() {
  static const std::vector<std::string> lines = {
      "total cycles      {total_cycles}  ({latency_us:.1f} us at {clock_mhz} MHz)",
      "compute cycles    {compute_cycles}  ({compute_cycles_percent:.1f}%)",
      "stall cycles      {stall_cycles}  (DRAM bandwidth {stall_dram_cycles}, bank conflicts {stall_bank_cycles}, "
      "dependency {stall_dependency_cycles})",
      "MACs              {macs}",
      "PE utilization    {pe_utilization_percent:.2f}%  ({pes} PEs)",
      "DRAM              {dram_read_bytes} B read, {dram_write_bytes} B written; {dram_bandwidth_percent:.1f}% of "
      "peak bandwidth; row-buffer hit rate {row_hit_rate:.3f}",
      "SRAM weight       {sram.weight.read_bytes} B read, {sram.weight.write_bytes} B written",
      "SRAM input        {sram.input.read_bytes} B read, {sram.input.write_bytes} B written",
      "SRAM output       {sram.output.read_bytes} B read, {sram.output.write_bytes} B written",
  };
  return lines;
}

const std::vector<CsvColumn>& compute_report_columns() {
  static const std::vector<CsvColumn> columns = {
      {"scalesim.total_cycles_incl_prefetch", "Total Cycles (incl. prefetch)"},
      {"scalesim.total_cycles", "Total Cycles"},
      {"scalesim.stall_cycles", "Stall Cycles"},
      {"scalesim.overall_util_percent", "Overall Util %"},
      {"scalesim.mapping_efficiency_percent", "Mapping Efficiency %"},
      {"scalesim.compute_util_percent", "Compute Util %"},
      {"name", "Layer Name"},
      {"kind", "Kind"},
      {"repeat", "Repeat"},
      {"total_cycles", "itera Total Cycles"},
      {"compute_cycles", "itera Compute Cycles"},
      {"stall_cycles", "itera Stall Cycles"},
      {"stall_dram_cycles", "itera Stall DRAM Cycles"},
      {"stall_bank_cycles", "itera Stall Bank Cycles"},
      {"stall_dependency_cycles", "itera Stall Dependency Cycles"},
      {"macs", "MACs"},
      {"pe_utilization_percent", "itera PE Util %"},
      {"mapping_efficiency_percent", "itera Mapping Efficiency %"},
      {"latency_us", "Latency us"},
      {"bound", "Bound"},
  };
  return columns;
}

const std::vector<CsvColumn>& bandwidth_report_columns() {
  static const std::vector<CsvColumn> columns = {
      {"scalesim.ifmap_sram_bw", "Avg IFMAP SRAM BW"},
      {"scalesim.filter_sram_bw", "Avg FILTER SRAM BW"},
      {"scalesim.ofmap_sram_bw", "Avg OFMAP SRAM BW"},
      {"scalesim.ifmap_dram_bw", "Avg IFMAP DRAM BW"},
      {"scalesim.filter_dram_bw", "Avg FILTER DRAM BW"},
      {"scalesim.ofmap_dram_bw", "Avg OFMAP DRAM BW"},
      {"name", "Layer Name"},
      {"bandwidth.input_sram_read", "itera Input SRAM Read B/cycle"},
      {"bandwidth.weight_sram_read", "itera Weight SRAM Read B/cycle"},
      {"bandwidth.output_sram_write", "itera Output SRAM Write B/cycle"},
      {"bandwidth.input_fill", "itera Input Fill B/cycle"},
      {"bandwidth.weight_fill", "itera Weight Fill B/cycle"},
      {"bandwidth.output_write_back", "itera Output Write-back B/cycle"},
      {"dram_read_bytes", "DRAM Read Bytes"},
      {"dram_write_bytes", "DRAM Write Bytes"},
      {"dram_bandwidth_percent", "itera DRAM BW % of Peak"},
      {"row_hit_rate", "Row Hit Rate"},
  };
  return columns;
}

namespace {

std::string pad(const std::string& text, const TableColumn& c) {
  return fmt::format(fmt::runtime(c.left ? "{:<{}}" : "{:>{}}"), text, c.width);
}

std::string table_cell(const TableColumn& c, const LayerField& f, const LayerReport& l, const SimReport& r) {
  std::string text = format_value(f.get(l, r), c.format);
  if (c.max_chars > 0 && text.size() > c.max_chars) text = text.substr(0, c.max_chars - 1) + "~";
  return pad(text, c);
}

// The per-layer rows under their header.
std::string layer_rows(const SimReport& r) {
  const std::vector<TableColumn>& columns = sim_table_columns();
  std::vector<const LayerField*> fields;
  for (const TableColumn& c : columns) fields.push_back(&layer_field(c.key));
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) out += (c ? " " : "") + pad(columns[c].header, columns[c]);
  out += "\n";
  for (const LayerReport& l : r.layers) {
    for (size_t c = 0; c < columns.size(); ++c) out += (c ? " " : "") + table_cell(columns[c], *fields[c], l, r);
    out += "\n";
  }
  return out;
}

// `line` with each "{key}" / "{key:spec}" replaced by that total field of `r`.
std::string fill_in(const std::string& line, const SimReport& r) {
  std::string out;
  size_t pos = 0;
  for (size_t open = line.find('{'); open != std::string::npos; open = line.find('{', pos)) {
    const size_t close = line.find('}', open);
    if (close == std::string::npos) throw Error(fmt::format("unclosed '{{' in the report line '{}'", line));
    const std::string ref = line.substr(open + 1, close - open - 1);
    const size_t colon = ref.find(':');
    const std::string spec = colon == std::string::npos ? "{}" : "{" + ref.substr(colon) + "}";
    out += line.substr(pos, open - pos) + format_value(total_field(ref.substr(0, colon)).get(r, r), spec);
    pos = close + 1;
  }
  return out + line.substr(pos);
}

// LayerID (the layer's index), then `columns`; every cell followed by ','.
std::string layer_csv(const SimReport& r, const std::vector<CsvColumn>& columns) {
  std::vector<const LayerField*> fields;
  std::string out = "LayerID";
  for (const CsvColumn& c : columns) {
    fields.push_back(&layer_field(c.key));
    out += fmt::format(", {}", c.header);
  }
  out += ",\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    out += std::to_string(i);
    for (const LayerField* f : fields) out += ", " + csv_field(format_value(f->get(r.layers[i], r), f->format));
    out += ",\n";
  }
  return out;
}

}  // namespace

std::string sim_table(const SimReport& r, bool timing) {
  std::string out;
  for (const char* line : {"trace:     {source}", "fidelity:  {fidelity}", "dram:      {dram}"})
    out += fill_in(line, r) + "\n";
  out += r.config_text + "\n\n";
  out += layer_rows(r) + "\n";
  for (const std::string& line : sim_summary_lines()) out += fill_in(line, r) + "\n";
  if (timing && r.wall_seconds > 0)
    out += fmt::format("simulated {} cycles (one copy of each layer) in {:.3f} s: {:.2f} M cycles/s\n",
                       r.simulated_cycles, r.wall_seconds,
                       static_cast<double>(r.simulated_cycles) / r.wall_seconds / 1e6);
  return out;
}

nlohmann::json sim_json(const SimReport& r) {
  nlohmann::json out = fields_to_json(total_fields(), r, r);
  nlohmann::json& layers = out["layers"] = nlohmann::json::array();
  for (const LayerReport& l : r.layers) layers.push_back(fields_to_json(layer_fields(), l, r));
  return out;
}

SimReport sim_totals_from_json(const nlohmann::json& json) {
  SimReport r;
  fields_from_json(total_fields(), json, r, "the simulate report");
  r.period_ns = r.total_cycles > 0 ? r.latency_us * 1000.0 / static_cast<double>(r.total_cycles)
                                   : ratio(1000.0, r.clock_mhz);
  return r;
}

SimReport sim_report_from_json(const nlohmann::json& json) {
  SimReport r = sim_totals_from_json(json);
  const auto layers = json.find("layers");
  if (layers == json.end()) throw Error("the simulate report has no 'layers'");
  if (!layers->is_array()) throw Error("the simulate report: 'layers' must be an array");
  for (size_t i = 0; i < layers->size(); ++i) {
    LayerReport l;
    fields_from_json(layer_fields(), (*layers)[i], l, fmt::format("layer {} of the simulate report", i));
    r.layers.push_back(std::move(l));
  }
  return r;
}

std::string compute_report_csv(const SimReport& r) { return layer_csv(r, compute_report_columns()); }

std::string bandwidth_report_csv(const SimReport& r) { return layer_csv(r, bandwidth_report_columns()); }

}  // namespace itera
