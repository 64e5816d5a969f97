// Closed-form systolic timing against the per-fold formulas written out by hand for
// non-square arrays and ragged shapes, and fold plans against a brute-force count of
// the MACs each fold performs.
#include <gtest/gtest.h>

#include <algorithm>

#include "error.h"
#include "fold_timing.h"

namespace itera {
namespace {

TEST(SystolicTiming, ClassicFormulasOnARaggedNonSquareCase) {
  // Array 32 rows x 16 cols; GEMM M=100, K=70, N=50.
  const FoldPlan ws = plan_folds(Dataflow::WeightStationary, 32, 16, 1, 100, 70, 50);
  EXPECT_EQ(ws.row_folds, 3);  // ceil(70 / 32)
  EXPECT_EQ(ws.col_folds, 4);  // ceil(50 / 16)
  EXPECT_EQ(classic_cycles(ws), 12 * (2 * 32 + 16 + 100 - 2));
  const FoldPlan os = plan_folds(Dataflow::OutputStationary, 32, 16, 1, 100, 70, 50);
  EXPECT_EQ(os.folds(), 4 * 4);  // ceil(100 / 32) x ceil(50 / 16)
  EXPECT_EQ(classic_cycles(os), 16 * (32 + 16 + 70 - 2));
  const FoldPlan is = plan_folds(Dataflow::InputStationary, 32, 16, 1, 100, 70, 50);
  EXPECT_EQ(is.folds(), 3 * 7);  // ceil(70 / 32) x ceil(100 / 16)
  EXPECT_EQ(classic_cycles(is), 21 * (2 * 32 + 16 + 50 - 2));
}

TEST(SystolicTiming, OverlappedHidesPreloadUnderStreaming) {
  const FoldPlan ws = plan_folds(Dataflow::WeightStationary, 32, 16, 1, 100, 70, 50);
  EXPECT_EQ(overlapped_cycles(ws), 32 + 12 * 100 + 32 + 16 - 2);
  // Decode-like: T = 4 tokens < rows, so each fold waits for its preload.
  const FoldPlan dec = plan_folds(Dataflow::WeightStationary, 32, 16, 1, 4, 70, 50);
  EXPECT_EQ(overlapped_cycles(dec), 32 + 12 * 32 + 32 + 16 - 2);
  const FoldPlan os = plan_folds(Dataflow::OutputStationary, 8, 8, 1, 20, 30, 9);
  EXPECT_EQ(overlapped_cycles(os), 3 * 2 * 30 + 8 + 8 - 2);
  for (const FoldPlan& p : {ws, dec, os}) EXPECT_LE(overlapped_cycles(p), classic_cycles(p));
}

TEST(SystolicTiming, PackingNarrowWeights) {
  EXPECT_EQ(mac_packing(8, 4, true), 2);
  EXPECT_EQ(mac_packing(8, 3, true), 2);
  EXPECT_EQ(mac_packing(8, 2, true), 4);
  EXPECT_EQ(mac_packing(8, 8, true), 1);
  EXPECT_EQ(mac_packing(8, 16, true), 1);
  EXPECT_EQ(mac_packing(8, 4, false), 1);
  const FoldPlan ws = plan_folds(Dataflow::WeightStationary, 16, 16, 2, 64, 64, 100);
  EXPECT_EQ(ws.col_folds, 4);  // ceil(ceil(100 / 2) / 16)
  const FoldPlan is = plan_folds(Dataflow::InputStationary, 16, 16, 4, 64, 64, 100);
  EXPECT_EQ(is.t, 25);  // N streams four to a PE
}

// Every (k, n, m) MAC is done exactly once: walk the folds, count the MACs each fold's
// occupied PEs perform, and compare with M K N; efficiency is that over the slots.
TEST(SystolicTiming, FoldsCoverEveryMacOnce) {
  for (Dataflow df : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary}) {
    for (int pack : {1, 2}) {
      const int64_t m = 37, k = 53, n = 29;
      const FoldPlan p = plan_folds(df, 8, 12, pack, m, k, n);
      int64_t macs = 0;
      for (int64_t rf = 0; rf < p.row_folds; ++rf) {
        for (int64_t cf = 0; cf < p.col_folds; ++cf) {
          const int64_t used_r = std::min<int64_t>(p.rows, p.sr - rf * p.rows);
          const int64_t used_c = std::min<int64_t>(p.cols, p.sc - cf * p.cols);
          // The packed dimension is N: count the real outputs behind the packed columns/stream.
          if (df == Dataflow::InputStationary) {
            macs += used_r * used_c * n;
          } else {
            const int64_t n_lo = cf * p.cols * pack, n_hi = std::min<int64_t>(n, (cf * p.cols + used_c) * pack);
            macs += used_r * (n_hi - n_lo) * (df == Dataflow::WeightStationary ? m : k);
          }
        }
      }
      EXPECT_EQ(macs, m * k * n) << static_cast<int>(df) << " pack " << pack;
      EXPECT_GT(mapping_efficiency(p, m, k, n), 0.0);
      EXPECT_LE(mapping_efficiency(p, m, k, n), 1.0);
    }
  }
  EXPECT_THROW(plan_folds(Dataflow::WeightStationary, 0, 4, 1, 1, 1, 1), Error);
}

}  // namespace
}  // namespace itera
