#include "scalesim_figures.h"

#include <algorithm>

#include "dataflow.h"
#include "fold_timing.h"
#include "int_math.h"
#include "tile_plan.h"

namespace itera {

namespace {

// What the array's folds and the op's transfers amount to, over all of its tiles.
struct TileTotals {
  int64_t folds = 0;
  double used_slots = 0;    // sum over folds of the PEs used
  double util_sum = 0;      // sum over folds of SCALE-Sim's compute utilization
  PerBuffer<int64_t> sram_words, dram_words;  // Output: written
};

// How many folds of `p` a slice along `d` is read in: all of them along the other fold
// dimension when `d` lies on the rows or columns, once when `d` is streamed.
int64_t reads_per_slice(const DataflowRecord& df, const FoldPlan& p, Dim missing) {
  if (missing == df.rows) return p.row_folds;
  if (missing == df.cols) return p.col_folds;
  return 1;
}

// SCALE-Sim's fold length: the rows + columns - 1 of its per-fold demand matrix.
int64_t scalesim_fold_cycles(const DataflowRecord& df, int rows, int cols, int64_t t) {
  return df.preload ? 2 * int64_t{rows} + 2 * int64_t{cols} + t - 3 : int64_t{rows} + cols + t - 2;
}

TileTotals tile_totals(const TraceOp& op, const TilePlan& plan, const ArrayDesc& array) {
  const DataflowRecord& df = dataflow_record(array.dataflow);
  TileTotals s;
  for (int64_t i = 0; i < plan.steps(); ++i) {
    const TileStep step = tile_step(plan, op, i);
    const TileDims& d = step.dims;
    const FoldPlan p = plan_folds(array.dataflow, array.rows, array.cols, plan.pack, d.mt, d.kt, d.nt);
    // Every fold's used PEs sum to Sr x Sc; each streams T.
    const double used = static_cast<double>(p.sr) * static_cast<double>(p.sc);
    s.folds += p.folds();
    s.used_slots += used;
    s.util_sum += used * static_cast<double>(p.t) /
                  static_cast<double>(scalesim_fold_cycles(df, array.rows, array.cols, p.t));
    s.sram_words[Buffer::Input] += d.mt * d.kt * reads_per_slice(df, p, Dim::N);
    s.sram_words[Buffer::Weight] += d.kt * d.nt * reads_per_slice(df, p, Dim::M);
    s.sram_words[Buffer::Output] += d.mt * d.nt * reads_per_slice(df, p, Dim::K);
    if (step.load_x) s.dram_words[Buffer::Input] += d.mt * d.kt;
    if (step.load_w) s.dram_words[Buffer::Weight] += d.kt * d.nt;
    if (step.write_y) s.dram_words[Buffer::Output] += d.mt * d.nt;
  }
  return s;
}

double per_cycle(int64_t words, int64_t cycles) {
  return ratio(static_cast<double>(words), static_cast<double>(cycles));
}

}  // namespace

ScaleSimFigures scalesim_figures(const TraceOp& op, const hw::OpResult& o, const ArrayDesc& array) {
  ScaleSimFigures f;
  const TileTotals t = tile_totals(op, o.plan, array);
  const int64_t compute = o.own.compute;
  f.total_cycles = std::max<int64_t>(0, compute - 1);
  f.stall_cycles = o.compute_end - o.compute_start - compute;
  int64_t first = o.compute_start, last = o.compute_end;
  for (Buffer b : {Buffer::Weight, Buffer::Input})
    if (!o.dram_reads[b].empty()) first = std::min(first, o.dram_reads[b].first_start);
  if (!o.dram_writes.empty()) last = std::max(last, o.dram_writes.last_end);
  f.total_cycles_incl_prefetch = std::max<int64_t>(0, last - first - 1);
  const double mac_units = static_cast<double>(array.pes()) * o.plan.pack;
  f.overall_util_percent =
      100.0 * ratio(static_cast<double>(o.macs), mac_units * static_cast<double>(f.total_cycles));
  const double fold_slots = static_cast<double>(array.pes()) * static_cast<double>(t.folds);
  f.mapping_efficiency_percent = 100.0 * ratio(t.used_slots, fold_slots);
  f.compute_util_percent = 100.0 * ratio(t.util_sum, fold_slots);
  f.ifmap_sram_bw = per_cycle(t.sram_words[Buffer::Input], f.total_cycles);
  f.filter_sram_bw = per_cycle(t.sram_words[Buffer::Weight], f.total_cycles);
  f.ofmap_sram_bw = per_cycle(t.sram_words[Buffer::Output], f.total_cycles);
  f.ifmap_dram_bw = per_cycle(t.dram_words[Buffer::Input], o.dram_reads[Buffer::Input].cycles());
  f.filter_dram_bw = per_cycle(t.dram_words[Buffer::Weight], o.dram_reads[Buffer::Weight].cycles());
  f.ofmap_dram_bw = per_cycle(t.dram_words[Buffer::Output], o.dram_writes.cycles());
  return f;
}

}  // namespace itera
