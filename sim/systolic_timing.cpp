#include "systolic_timing.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

int mac_packing(int native_bits, int wbits, bool pack_lower_bits) {
  if (!pack_lower_bits || wbits >= native_bits) return 1;
  return std::max(1, native_bits / wbits);
}

FoldPlan plan_folds(Dataflow df, int rows, int cols, int pack, int64_t m, int64_t k, int64_t n) {
  if (rows < 1 || cols < 1 || pack < 1 || m < 1 || k < 1 || n < 1)
    throw Error(fmt::format("invalid GEMM mapping: array {}x{}, pack {}, M {} K {} N {}", rows, cols, pack, m, k, n));
  FoldPlan p;
  p.dataflow = df;
  p.rows = rows;
  p.cols = cols;
  p.pack = pack;
  switch (df) {
    case Dataflow::WeightStationary:
      p.sr = k;
      p.sc = ceil_div(n, pack);
      p.t = m;
      break;
    case Dataflow::OutputStationary:
      p.sr = m;
      p.sc = ceil_div(n, pack);
      p.t = k;
      break;
    case Dataflow::InputStationary:
      p.sr = k;
      p.sc = m;
      p.t = ceil_div(n, pack);
      break;
  }
  p.row_folds = ceil_div(p.sr, rows);
  p.col_folds = ceil_div(p.sc, cols);
  return p;
}

int64_t classic_fold_cycles(const FoldPlan& p) {
  const int64_t fill_drain = static_cast<int64_t>(p.rows) + p.cols + p.t - 2;
  return p.dataflow == Dataflow::OutputStationary ? fill_drain : fill_drain + p.rows;
}

int64_t classic_cycles(const FoldPlan& p) { return p.folds() * classic_fold_cycles(p); }

int64_t overlapped_cycles(const FoldPlan& p) {
  const int64_t steady = p.folds() * std::max<int64_t>(p.t, p.rows);
  const int64_t drain = static_cast<int64_t>(p.rows) + p.cols - 2;
  const int64_t first_preload = p.dataflow == Dataflow::OutputStationary ? 0 : p.rows;
  return first_preload + steady + drain;
}

int64_t compute_cycles(const FoldPlan& p, ArrayTiming timing) {
  return timing == ArrayTiming::Classic ? classic_cycles(p) : overlapped_cycles(p);
}

double mapping_efficiency(const FoldPlan& p, int64_t m, int64_t k, int64_t n) {
  const double slots = static_cast<double>(p.folds()) * p.rows * p.cols * p.pack * static_cast<double>(p.t);
  return static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n) / slots;
}

}  // namespace itera
