// The DSE's design space and Pareto fronts: the decomposition grid against a
// hand-enumerated product, and the fronts against a brute-force dominance check.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "design_space.h"
#include "error.h"
#include "pareto.h"

namespace itera::dse {
namespace {

TEST(DseDesignSpace, InapplicableKnobsCollapseAndImpossibleOnesAreSkipped) {
  DecompositionGrid g;
  g.method = {"rtn", "svd", "itera"};
  g.form = {"factorized", "compensated"};
  g.bits = {4, 8};
  g.group = {0};
  g.factor_bits = {4};
  g.rank = {0, 8};
  const DecompositionSpace s = enumerate_decompositions(g);
  // 3 methods x 2 forms x 2 bits x 1 x 1 x 2 ranks.
  EXPECT_EQ(s.combinations, 24);
  // By hand: rtn has bits only -> {w4, w8}; svd has rank and factor bits only -> {r8}
  // (rank 0 skipped); itera factorized -> {r8}; itera compensated -> {w4 r8, w8 r8}.
  const std::vector<std::string> want = {"rtn w4 g0", "rtn w8 g0", "svd f4 r8", "itera factorized f4 r8",
                                         "itera compensated w4 g0 f4 r8", "itera compensated w8 g0 f4 r8"};
  std::vector<std::string> got;
  for (const Decomposition& d : s.designs) got.push_back(d.label());
  EXPECT_EQ(got, want);
  // Skipped: svd with rank 0 (2 forms x 2 bits), itera with rank 0 (2 forms x 2 bits).
  EXPECT_EQ(s.skipped, 8);
  EXPECT_EQ(s.merged, s.combinations - s.skipped - static_cast<int64_t>(want.size()));
  EXPECT_TRUE(s.designs[0].quant_only());
  EXPECT_FALSE(s.designs[2].has_dense());
}

TEST(DseDesignSpace, UnknownMethodOrFormIsAnError) {
  DecompositionGrid g;
  g.method = {"bogus"};
  g.form = {"factorized"};
  g.bits = {4};
  g.group = {0};
  g.factor_bits = {4};
  g.rank = {8};
  EXPECT_THROW(enumerate_decompositions(g), Error);
  g.method = {"itera"};
  g.form = {"sideways"};
  EXPECT_THROW(enumerate_decompositions(g), Error);
}

template <size_t N>
std::vector<size_t> brute_force_front(const std::vector<Objectives<N>>& p) {
  std::vector<size_t> front;
  for (size_t i = 0; i < p.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < p.size() && !dominated; ++j) {
      bool all_le = true, some_lt = false;
      for (size_t k = 0; k < N; ++k) {
        all_le = all_le && p[j][k] <= p[i][k];
        some_lt = some_lt || p[j][k] < p[i][k];
      }
      dominated = all_le && some_lt;
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

TEST(DsePareto, TwoAndThreeObjectivesMatchBruteForce) {
  std::mt19937_64 rng(20261201);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 60);
    const int range = 1 + static_cast<int>(rng() % 8);  // small ranges make ties common
    std::vector<Objectives<2>> p2;
    std::vector<Objectives<3>> p3;
    for (int i = 0; i < n; ++i) {
      const double a = static_cast<double>(rng() % range), b = static_cast<double>(rng() % range);
      const double c = static_cast<double>(rng() % range);
      p2.push_back({a, b});
      p3.push_back({a, b, c});
    }
    ASSERT_EQ(pareto_front(p2), brute_force_front(p2)) << "trial " << trial;
    ASSERT_EQ(pareto_front(p3), brute_force_front(p3)) << "trial " << trial;
  }
}

TEST(DsePareto, EqualPointsBothStayAndNonFiniteIsAnError) {
  EXPECT_EQ(pareto_front(std::vector<Objectives<2>>{{1, 2}, {1, 2}, {2, 2}, {0, 3}}),
            (std::vector<size_t>{0, 1, 3}));
  EXPECT_THROW(pareto_front(std::vector<Objectives<2>>{{1, std::nan("")}}), Error);
  EXPECT_TRUE(pareto_front(std::vector<Objectives<2>>{}).empty());
}

}  // namespace
}  // namespace itera::dse
