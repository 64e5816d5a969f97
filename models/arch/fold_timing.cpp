#include "fold_timing.h"

#include <algorithm>

#include <fmt/format.h>

#include "dataflow.h"
#include "error.h"
#include "int_math.h"

namespace itera {

int mac_packing(int native_bits, int wbits, bool pack_lower_bits) {
  if (!pack_lower_bits || wbits >= native_bits) return 1;
  return std::max(1, native_bits / wbits);
}

FoldPlan plan_folds(Dataflow df, int rows, int cols, int pack, int64_t m, int64_t k, int64_t n) {
  if (rows < 1 || cols < 1 || pack < 1 || m < 1 || k < 1 || n < 1)
    throw Error(fmt::format("invalid GEMM mapping: array {}x{}, pack {}, M {} K {} N {}", rows, cols, pack, m, k, n));
  const DataflowRecord& r = dataflow_record(df);
  const GemmDims g = gemm_dims(m, k, n);
  FoldPlan p;
  p.dataflow = df;
  p.rows = rows;
  p.cols = cols;
  p.pack = pack;
  p.sr = slots(r, r.rows, g[r.rows], pack);
  p.sc = slots(r, r.cols, g[r.cols], pack);
  p.t = slots(r, r.stream, g[r.stream], pack);
  p.row_folds = ceil_div(p.sr, rows);
  p.col_folds = ceil_div(p.sc, cols);
  return p;
}

int64_t fill_drain_cycles(int rows, int cols) { return int64_t{rows} + cols - 2; }

int64_t classic_fold_cycles(int rows, int cols, int64_t t, bool preload) {
  return (preload ? rows : 0) + fill_drain_cycles(rows, cols) + t;
}

int64_t overlapped_fold_cycles(int rows, int64_t t) { return std::max<int64_t>(t, rows); }

int64_t first_preload_cycles(int rows, bool preload, ArrayTiming timing) {
  return timing == ArrayTiming::Overlapped && preload ? rows : 0;
}

int64_t final_drain_cycles(int rows, int cols, ArrayTiming timing) {
  return timing == ArrayTiming::Overlapped ? fill_drain_cycles(rows, cols) : 0;
}

int64_t classic_fold_cycles(const FoldPlan& p) {
  return classic_fold_cycles(p.rows, p.cols, p.t, dataflow_record(p.dataflow).preload);
}

int64_t classic_cycles(const FoldPlan& p) { return p.folds() * classic_fold_cycles(p); }

int64_t overlapped_cycles(const FoldPlan& p) {
  const bool preload = dataflow_record(p.dataflow).preload;
  return first_preload_cycles(p.rows, preload, ArrayTiming::Overlapped) +
         p.folds() * overlapped_fold_cycles(p.rows, p.t) +
         final_drain_cycles(p.rows, p.cols, ArrayTiming::Overlapped);
}

int64_t compute_cycles(const FoldPlan& p, ArrayTiming timing) {
  return timing == ArrayTiming::Classic ? classic_cycles(p) : overlapped_cycles(p);
}

double mapping_efficiency(const FoldPlan& p, int64_t m, int64_t k, int64_t n) {
  const double slots = static_cast<double>(p.folds()) * p.rows * p.cols * p.pack * static_cast<double>(p.t);
  return static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n) / slots;
}

}  // namespace itera
