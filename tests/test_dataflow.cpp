// The dataflow table (models/arch/dataflow.h): every record is a consistent mapping,
// and what the timing and tiling derive from it is SCALE-Sim's mapping, written out
// here independently for ws, os and is.
#include <gtest/gtest.h>

#include <set>

#include "dataflow.h"
#include "fold_timing.h"

namespace itera {
namespace {

TEST(DataflowTable, EveryRecordMapsEachDimensionOnceAndNamesItsStationaryBuffer) {
  std::set<std::string> names;
  for (const DataflowRecord& r : dataflow_table()) {
    SCOPED_TRACE(r.name);
    EXPECT_TRUE(names.insert(r.name).second) << "duplicate name";
    EXPECT_STREQ(to_string(r.id), r.name);
    const std::set<Dim> dims = {r.rows, r.cols, r.stream};
    EXPECT_EQ(dims.size(), 3u);
    EXPECT_EQ(r.stationary_buffer, buffer_of(r.stationary));
    // Packing shares one input across output features: the packed dimension is N, and
    // it is never on the rows, which carry the shared input.
    EXPECT_EQ(r.packed, Dim::N);
    EXPECT_NE(r.rows, Dim::N);
    // The stationary operand is the one that does not involve the streamed dimension.
    const Dim not_in[3] = {Dim::M, Dim::K, Dim::N};  // W lacks M, X lacks N, Y lacks K
    const Operand by_missing[3] = {Operand::Weight, Operand::Output, Operand::Input};
    for (int i = 0; i < 3; ++i) {
      if (r.stream == not_in[i]) {
        EXPECT_EQ(r.stationary, by_missing[i]);
      }
    }
    // Only accumulators need no preload: they start at zero in the PEs.
    EXPECT_EQ(r.preload, r.stationary != Operand::Output);
  }
  EXPECT_EQ(names, (std::set<std::string>{"ws", "os", "is"}));
}

TEST(DataflowTable, FoldPlansAreScaleSimsMappingWithPackedN) {
  // M 100, K 70, N 50 on 8 x 6 with 2-way packing:
  //   ws: rows K, cols ceil(N/2), T = M;  os: rows M, cols ceil(N/2), T = K;
  //   is: rows K, cols M, T = ceil(N/2).
  struct Want {
    Dataflow df;
    int64_t sr, sc, t;
  };
  for (const Want& w : {Want{Dataflow::WeightStationary, 70, 25, 100}, Want{Dataflow::OutputStationary, 100, 25, 70},
                        Want{Dataflow::InputStationary, 70, 100, 25}}) {
    const FoldPlan p = plan_folds(w.df, 8, 6, 2, 100, 70, 50);
    SCOPED_TRACE(to_string(w.df));
    EXPECT_EQ(p.sr, w.sr);
    EXPECT_EQ(p.sc, w.sc);
    EXPECT_EQ(p.t, w.t);
    EXPECT_EQ(p.row_folds, (w.sr + 7) / 8);
    EXPECT_EQ(p.col_folds, (w.sc + 5) / 6);
  }
}

TEST(DataflowTable, ArrayUnitsAndReductionSplits) {
  // What one array step covers along M, K, N (rows 8, cols 6, pack 2).
  const auto units = [](Dataflow df) {
    const DataflowRecord& r = dataflow_record(df);
    return std::vector<int64_t>{array_unit(r, Dim::M, 8, 6, 2), array_unit(r, Dim::K, 8, 6, 2),
                                array_unit(r, Dim::N, 8, 6, 2)};
  };
  EXPECT_EQ(units(Dataflow::WeightStationary), (std::vector<int64_t>{1, 8, 12}));
  EXPECT_EQ(units(Dataflow::OutputStationary), (std::vector<int64_t>{8, 1, 12}));
  EXPECT_EQ(units(Dataflow::InputStationary), (std::vector<int64_t>{6, 8, 2}));
  // K on the rows (ws, is): several row folds split the reduction; os streams K.
  EXPECT_TRUE(splits_reduction(dataflow_record(Dataflow::WeightStationary), 2, 1));
  EXPECT_FALSE(splits_reduction(dataflow_record(Dataflow::WeightStationary), 1, 3));
  EXPECT_TRUE(splits_reduction(dataflow_record(Dataflow::InputStationary), 3, 1));
  EXPECT_FALSE(splits_reduction(dataflow_record(Dataflow::OutputStationary), 5, 5));
}

}  // namespace
}  // namespace itera
