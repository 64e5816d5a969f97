#include "pareto.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "error.h"

namespace itera::dse {

namespace {

template <size_t N>
std::vector<size_t> lexicographic_order(const std::vector<Objectives<N>>& points) {
  for (size_t i = 0; i < points.size(); ++i)
    for (double v : points[i])
      if (!std::isfinite(v)) throw Error(fmt::format("design point {} has a non-finite objective ({})", i, v));
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return points[a] < points[b]; });
  return order;
}

}  // namespace

std::vector<size_t> pareto_front(const std::vector<Objectives<2>>& points) {
  // In lexicographic order a point can only be dominated by one before it, and it is
  // exactly when an earlier point has a smaller second objective, or an equal one with
  // a smaller first objective (an earlier point with both equal is a tie).
  std::vector<size_t> front;
  bool any = false;
  Objectives<2> best{};  // the earliest point with the smallest second objective so far
  for (size_t i : lexicographic_order(points)) {
    const Objectives<2>& p = points[i];
    if (any && dominates(best, p)) continue;
    front.push_back(i);
    if (!any || p[1] < best[1]) best = p;
    any = true;
  }
  std::sort(front.begin(), front.end());
  return front;
}

std::vector<size_t> pareto_front(const std::vector<Objectives<3>>& points) {
  // A point can only be dominated by one before it in lexicographic order, and if it is,
  // it is dominated by a point of the front (dominance is transitive).
  std::vector<size_t> front;
  for (size_t i : lexicographic_order(points)) {
    const bool dominated =
        std::any_of(front.begin(), front.end(), [&](size_t f) { return dominates(points[f], points[i]); });
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end());
  return front;
}

}  // namespace itera::dse
