#pragma once
// `search: {strategy: evolutionary, points: N, seed: S, population: P}` of `itera dse`:
// an NSGA-II-style (mu + lambda) search over the design points, which evaluates N
// distinct points chosen generation by generation from the results so far.
//
//   Genome: one index per axis of the spec's grids: the decomposition knobs (method,
//     form, bits, group, factor_bits, rank) and each hardware grid key. A genome names
//     point design * H + hardware, where the design is its knobs' canonical
//     decomposition (design_space.h; knobs a method does not use are carried but have
//     no effect) and the hardware point its grid indices. A genome whose knobs cannot
//     exist (rank 0 for a low-rank method) is not a valid individual.
//   Initial population: P distinct points drawn uniformly with the seed.
//   Offspring: two parents, each the winner of a binary tournament; a uniform per-axis
//     crossover; then one axis mutated (plus each other axis with probability 1/axes):
//     to a neighbouring value (three times in four) or to any other value. A child that is
//     invalid or names a point already evaluated (or already chosen this generation)
//     is drawn again; after 64 tries the child is a uniformly drawn unevaluated point.
//   Ranking (constrained domination, Deb 2000): feasible points first, by non-dominated
//     front on (accuracy metric, latency) and then by crowding distance, largest first;
//     then infeasible points by their violation, smallest first; ties by point number.
//   Selection: the best P of parents and offspring survive.
//   Each generation evaluates min(P, N - evaluated) new points, so exactly N distinct
//   points are evaluated. Every choice depends only on the seed and on results (which
//   are deterministic and cached), so the search is the same for any --jobs and after
//   a resume.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "design_space.h"
#include "dse_spec.h"

namespace itera::dse {

// What the search knows of an evaluated point.
struct PointFitness {
  bool feasible = false;
  double violation = 0;  // infeasible: how far outside the budget and the device (0 when feasible)
  double accuracy = 0;   // the spec's metric, lower is better
  double latency_us = 0;
};

// The genomes of a spec's design points: indices along the decomposition axes (method,
// form, bits, group, factor_bits, rank, in that order) then the hardware grid's axes.
class GenomeSpace {
 public:
  using Genome = std::vector<size_t>;
  static constexpr size_t kDecompositionAxes = 6;

  GenomeSpace(const DseSpec& spec, const DecompositionSpace& space);
  size_t axes() const { return sizes_.size(); }
  size_t axis_size(size_t axis) const { return sizes_[axis]; }
  size_t total_points() const { return designs_ * hardware_points_; }
  // The point a genome names; false when its decomposition cannot exist.
  bool point_of(const Genome& g, size_t& point) const;
  // A genome naming `point`: the first grid combination of its design (grid order).
  Genome genome_of(size_t point) const;

 private:
  const DseSpec& spec_;
  std::vector<size_t> sizes_;
  size_t designs_ = 0, hardware_points_ = 1;
  std::map<std::tuple<std::string, std::string, int, int, int, int>, size_t> design_index_;
  std::vector<Genome> design_genome_;  // per design: its first grid combination
};

// The population size when the spec gives none: an eighth of the budget, within 4..32
// (and at most the budget).
size_t default_population(size_t budget);

// Evaluates a batch of distinct point numbers not evaluated before; returns their
// fitness in the same order.
using EvaluateBatch = std::function<std::vector<PointFitness>(const std::vector<size_t>& points)>;

// Runs the search for spec.points (< the space's point count) evaluations with
// spec.seed and spec.population (0: default_population); returns the evaluated point
// numbers in the order they were evaluated. `generation` (if set) is told each
// generation's number and its new points before they are evaluated.
std::vector<size_t> evolutionary_search(
    const DseSpec& spec, const DecompositionSpace& space, const EvaluateBatch& evaluate,
    const std::function<void(size_t generation, const std::vector<size_t>& points)>& generation = {});

}  // namespace itera::dse
