#pragma once
// Compute timing of one GEMM on a rows x cols systolic array, in closed form: the
// mapping of SCALE-Sim (Samajdar et al., ISPASS 2020) and its per-fold cycle counts.
// The mapping comes from the dataflow table (dataflow.h): Sr = the dimension on the
// array rows, Sc = on the columns, T = the streamed one, each after MAC packing.
// Folds: ceil(Sr / rows) x ceil(Sc / cols).
//
// The fold formulas live here once; the fold work (fold_work.h) charges them phase
// by phase, and the SystemC array's two fidelities reproduce them.
//
// classic timing (non-overlapped, as SCALE-Sim counts it), per fold:
//   with preload (ws, is): 2 rows + cols + T - 2   (rows cycles to preload the stationary
//                                                   operand, then rows + cols - 2 to fill
//                                                   and drain, plus T)
//   without (os):          rows + cols + T - 2
// overlapped timing (double-buffered stationary registers): the next fold's preload
// (rows cycles) runs under the current fold's stream, so a fold costs max(T, rows)
// once the pipeline is full:
//   with preload:    rows + sum_f max(T, rows) + rows + cols - 2   (first preload, folds, last drain)
//   without:         sum_f max(T, rows) + rows + cols - 2          (results drain under the next fold)
#include <cstdint>

#include "accel_config.h"

namespace itera {

struct FoldPlan {
  Dataflow dataflow = Dataflow::WeightStationary;
  int rows = 0, cols = 0, pack = 1;
  int64_t sr = 0, sc = 0, t = 0;  // mapped dimensions (after packing)
  int64_t row_folds = 0, col_folds = 0;
  int64_t folds() const { return row_folds * col_folds; }
};

// MACs per PE per cycle for weights of `wbits` on `native_bits` PEs.
int mac_packing(int native_bits, int wbits, bool pack_lower_bits);

FoldPlan plan_folds(Dataflow df, int rows, int cols, int pack, int64_t m, int64_t k, int64_t n);

// The per-fold formulas, for any fold of a rows x cols array streaming t values.
int64_t fill_drain_cycles(int rows, int cols);                              // rows + cols - 2
int64_t classic_fold_cycles(int rows, int cols, int64_t t, bool preload);  // (rows) + fill/drain + t
int64_t overlapped_fold_cycles(int rows, int64_t t);                      // max(t, rows)
int64_t first_preload_cycles(int rows, bool preload, ArrayTiming timing);  // overlapped with preload: rows
int64_t final_drain_cycles(int rows, int cols, ArrayTiming timing);       // overlapped: rows + cols - 2

int64_t classic_fold_cycles(const FoldPlan& p);
int64_t classic_cycles(const FoldPlan& p);
int64_t overlapped_cycles(const FoldPlan& p);
int64_t compute_cycles(const FoldPlan& p, ArrayTiming timing);

// Useful MACs over the MAC slots the folds occupy while streaming:
// m k n / (folds * rows * cols * pack * T).
double mapping_efficiency(const FoldPlan& p, int64_t m, int64_t k, int64_t n);

}  // namespace itera
