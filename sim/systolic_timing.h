#pragma once
// Compute timing of one GEMM on a rows x cols systolic array, in closed form: the
// mapping of SCALE-Sim (Samajdar et al., ISPASS 2020) and its per-fold cycle counts.
// The SystemC array model's fast fidelity advances by these tile latencies; the
// cycle fidelity must reproduce them wave by wave.
//
// GEMM: Y[M x N] = X[M x K] W^T (M tokens, K input features, N output features).
// Mapping (Sr = dimension on array rows, Sc = on array columns, T = streamed):
//   ws (weight stationary): Sr = K, Sc = N, T = M
//   os (output stationary): Sr = M, Sc = N, T = K
//   is (input stationary):  Sr = K, Sc = M, T = N
// Folds: ceil(Sr / rows) x ceil(Sc / cols).
//
// MAC packing: a PE with native_bits-wide multipliers does p = floor(native / wbits)
// MACs per cycle for weights narrower than native (subword parallelism, as in Bit
// Fusion, Sharma et al. ISCA 2018), on p different output features (N) that share
// the PE's input value. So N is effectively packed p to a PE: for ws and os the
// column folds become ceil(N / (cols p)); for is, where N streams, T = ceil(N / p).
//
// classic timing (non-overlapped, as SCALE-Sim counts it), per fold:
//   ws, is: 2 rows + cols + T - 2   (rows cycles to preload the stationary operand,
//                                    then rows + cols - 2 to fill and drain, plus T)
//   os:     rows + cols + T - 2
// overlapped timing (double-buffered stationary registers): the next fold's preload
// (rows cycles) runs under the current fold's stream, so a fold costs max(T, rows)
// once the pipeline is full:
//   ws, is: rows + sum_f max(T, rows) + rows + cols - 2   (first preload, folds, last drain)
//   os:     sum_f max(T, rows) + rows + cols - 2          (results drain under the next fold)
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

int64_t classic_fold_cycles(const FoldPlan& p);
int64_t classic_cycles(const FoldPlan& p);
int64_t overlapped_cycles(const FoldPlan& p);
int64_t compute_cycles(const FoldPlan& p, ArrayTiming timing);

// Useful MACs over the MAC slots the folds occupy while streaming:
// m k n / (folds * rows * cols * pack * T).
double mapping_efficiency(const FoldPlan& p, int64_t m, int64_t k, int64_t n);

}  // namespace itera
