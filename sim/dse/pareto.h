#pragma once
// Pareto fronts of design points, every objective minimized (accuracy loss, latency,
// DSPs). A point is on the front when no other point is at least as good on every
// objective and strictly better on one; points with equal objectives do not dominate
// each other, so both stay.
#include <array>
#include <cstddef>
#include <vector>

namespace itera::dse {

template <size_t N>
using Objectives = std::array<double, N>;

// True when a dominates b (all objectives finite).
template <size_t N>
bool dominates(const Objectives<N>& a, const Objectives<N>& b) {
  bool strictly = false;
  for (size_t i = 0; i < N; ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

// The indices of the non-dominated points, ascending. Two objectives: O(n log n);
// three: O(n log n + n * front size). Throws itera::Error on a non-finite objective.
std::vector<size_t> pareto_front(const std::vector<Objectives<2>>& points);
std::vector<size_t> pareto_front(const std::vector<Objectives<3>>& points);

}  // namespace itera::dse
