#include "evolutionary_search.h"

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "error.h"
#include "rng.h"

namespace itera::dse {

namespace {

using Genome = GenomeSpace::Genome;

struct Individual {
  size_t point = 0;
  Genome genome;
};

// An individual's place in a ranking: its front (feasible points: 0, 1, ...; infeasible
// points after every front, by violation) and its crowding distance within the front.
struct Place {
  size_t rank = 0;
  double crowding = 0;
};

// The constrained non-dominated ranking of `points` (distinct, all evaluated).
std::vector<Place> rank_points(const std::vector<size_t>& points, const std::map<size_t, PointFitness>& fitness) {
  const size_t n = points.size();
  std::vector<Place> places(n);
  std::vector<const PointFitness*> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = &fitness.at(points[i]);
  auto dominates = [&](size_t a, size_t b) {
    const PointFitness &x = *f[a], &y = *f[b];
    return x.accuracy <= y.accuracy && x.latency_us <= y.latency_us &&
           (x.accuracy < y.accuracy || x.latency_us < y.latency_us);
  };
  // Feasible points: fast non-dominated sorting (Deb et al. 2002), O(n^2).
  std::vector<size_t> feasible, infeasible;
  for (size_t i = 0; i < n; ++i) (f[i]->feasible ? feasible : infeasible).push_back(i);
  std::vector<std::vector<size_t>> dominated(n);
  std::vector<size_t> dominators(n, 0);
  for (size_t a : feasible)
    for (size_t b : feasible) {
      if (a == b) continue;
      if (dominates(a, b)) dominated[a].push_back(b);
      else if (dominates(b, a)) ++dominators[a];
    }
  std::vector<size_t> front;
  for (size_t a : feasible)
    if (dominators[a] == 0) front.push_back(a);
  size_t rank = 0;
  while (!front.empty()) {
    // Crowding distance within the front: the extremes of each objective are kept first.
    for (int objective = 0; objective < 2; ++objective) {
      auto value = [&](size_t i) { return objective == 0 ? f[i]->accuracy : f[i]->latency_us; };
      std::vector<size_t> order = front;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return value(a) != value(b) ? value(a) < value(b) : points[a] < points[b];
      });
      const double span = value(order.back()) - value(order.front());
      places[order.front()].crowding = places[order.back()].crowding = std::numeric_limits<double>::infinity();
      for (size_t k = 1; k + 1 < order.size(); ++k)
        if (span > 0) places[order[k]].crowding += (value(order[k + 1]) - value(order[k - 1])) / span;
    }
    std::vector<size_t> next;
    for (size_t a : front) {
      places[a].rank = rank;
      for (size_t b : dominated[a])
        if (--dominators[b] == 0) next.push_back(b);
    }
    std::sort(next.begin(), next.end());
    front.swap(next);
    ++rank;
  }
  // Infeasible points: by violation, equal violations sharing a rank.
  std::sort(infeasible.begin(), infeasible.end(), [&](size_t a, size_t b) {
    return f[a]->violation != f[b]->violation ? f[a]->violation < f[b]->violation : points[a] < points[b];
  });
  for (size_t k = 0; k < infeasible.size(); ++k) {
    if (k > 0 && f[infeasible[k]]->violation != f[infeasible[k - 1]]->violation) ++rank;
    places[infeasible[k]].rank = rank;
  }
  return places;
}

// Lower rank, then larger crowding distance, then the lower point number.
bool better(const Place& a, size_t point_a, const Place& b, size_t point_b) {
  if (a.rank != b.rank) return a.rank < b.rank;
  if (a.crowding != b.crowding) return a.crowding > b.crowding;
  return point_a < point_b;
}

}  // namespace

GenomeSpace::GenomeSpace(const DseSpec& spec, const DecompositionSpace& space) : spec_(spec) {
  sizes_ = {spec.method.values.size(), spec.form.values.size(),        spec.bits.values.size(),
            spec.group.values.size(),  spec.factor_bits.values.size(), spec.rank.values.size()};
  for (const sweep::GridAxis& a : spec.hardware.grid) sizes_.push_back(a.values.size());
  designs_ = space.designs.size();
  hardware_points_ = spec.hardware_points();
  for (size_t d = 0; d < space.designs.size(); ++d) {
    const Decomposition& x = space.designs[d];
    design_index_.emplace(std::make_tuple(x.method, x.form, x.bits, x.group, x.factor_bits, x.rank), d);
  }
  // Each design's first grid combination, in the grid's order (design_space.h).
  design_genome_.resize(designs_);
  std::vector<bool> found(designs_, false);
  Genome g(kDecompositionAxes, 0);
  for (g[0] = 0; g[0] < sizes_[0]; ++g[0])
    for (g[1] = 0; g[1] < sizes_[1]; ++g[1])
      for (g[2] = 0; g[2] < sizes_[2]; ++g[2])
        for (g[3] = 0; g[3] < sizes_[3]; ++g[3])
          for (g[4] = 0; g[4] < sizes_[4]; ++g[4])
            for (g[5] = 0; g[5] < sizes_[5]; ++g[5]) {
              Genome full = g;
              full.resize(axes(), 0);
              size_t point = 0;
              if (!point_of(full, point)) continue;
              const size_t d = point / hardware_points_;
              if (!found[d]) {
                found[d] = true;
                design_genome_[d] = g;
              }
            }
  for (size_t d = 0; d < designs_; ++d)
    if (!found[d])
      throw Error(fmt::format("internal: design {} ({}) is not in the decomposition grid", d,
                              space.designs[d].label()));
}

bool GenomeSpace::point_of(const Genome& g, size_t& point) const {
  bool valid = false;
  const Decomposition d = canonical(spec_.method.values[g[0]], spec_.form.values[g[1]], spec_.bits.values[g[2]],
                                    spec_.group.values[g[3]], spec_.factor_bits.values[g[4]], spec_.rank.values[g[5]],
                                    valid);
  if (!valid) return false;
  const auto it = design_index_.find(std::make_tuple(d.method, d.form, d.bits, d.group, d.factor_bits, d.rank));
  if (it == design_index_.end()) return false;
  size_t h = 0;
  for (size_t a = kDecompositionAxes; a < axes(); ++a) h = h * sizes_[a] + g[a];
  point = it->second * hardware_points_ + h;
  return true;
}

Genome GenomeSpace::genome_of(size_t point) const {
  Genome g = design_genome_.at(point / hardware_points_);
  if (!spec_.hardware.grid.empty())
    for (size_t c : spec_.hardware.choice(point % hardware_points_)) g.push_back(c);
  return g;
}

size_t default_population(size_t budget) {
  return std::min(budget, std::clamp<size_t>(budget / 8, 4, 32));
}

std::vector<size_t> evolutionary_search(
    const DseSpec& spec, const DecompositionSpace& space, const EvaluateBatch& evaluate,
    const std::function<void(size_t generation, const std::vector<size_t>& points)>& generation) {
  const GenomeSpace genomes(spec, space);
  const size_t total = genomes.total_points();
  const size_t budget = static_cast<size_t>(spec.points);
  if (budget == 0 || budget >= total)
    throw Error(fmt::format("internal: an evolutionary search of {} of {} points", budget, total));
  const size_t mu = spec.population > 0 ? std::min(budget, static_cast<size_t>(spec.population))
                                        : default_population(budget);
  Rng rng(spec.seed);
  std::vector<size_t> order;                // evaluated, in order
  std::set<size_t> evaluated;
  std::map<size_t, PointFitness> fitness;
  size_t generation_number = 0;
  auto run = [&](const std::vector<size_t>& batch) {
    if (generation) generation(generation_number, batch);
    const std::vector<PointFitness> f = evaluate(batch);
    if (f.size() != batch.size()) throw Error("internal: the evaluation returned a different number of points");
    for (size_t i = 0; i < batch.size(); ++i) {
      fitness[batch[i]] = f[i];
      evaluated.insert(batch[i]);
      order.push_back(batch[i]);
    }
    ++generation_number;
  };

  // The initial population: mu distinct points, uniformly (Floyd's algorithm).
  std::vector<Individual> population;
  {
    std::set<size_t> picked;
    for (size_t j = total - mu; j < total; ++j) {
      const size_t t = static_cast<size_t>(rng.below(j + 1));
      if (!picked.insert(t).second) picked.insert(j);
    }
    for (size_t p : picked) population.push_back({p, genomes.genome_of(p)});
    run({picked.begin(), picked.end()});
  }

  std::vector<size_t> mutable_axes;
  for (size_t a = 0; a < genomes.axes(); ++a)
    if (genomes.axis_size(a) > 1) mutable_axes.push_back(a);
  auto mutate = [&](Genome& g, size_t a) {
    const size_t n = genomes.axis_size(a);
    size_t& v = g[a];
    if (rng.below(4) != 0) {  // three times in four: a neighbouring value
      if (v == 0) v = 1;
      else if (v + 1 == n) v = n - 2;
      else v = rng.below(2) == 0 ? v - 1 : v + 1;
    } else {  // any other value
      const size_t w = static_cast<size_t>(rng.below(n - 1));
      v = w >= v ? w + 1 : w;
    }
  };

  while (order.size() < budget) {
    const size_t lambda = std::min(mu, budget - order.size());
    std::vector<size_t> parent_points;
    for (const Individual& i : population) parent_points.push_back(i.point);
    const std::vector<Place> places = rank_points(parent_points, fitness);
    auto tournament = [&]() -> const Individual& {
      const size_t a = static_cast<size_t>(rng.below(population.size()));
      const size_t b = static_cast<size_t>(rng.below(population.size()));
      return better(places[a], population[a].point, places[b], population[b].point) ? population[a] : population[b];
    };
    std::vector<Individual> children;
    std::set<size_t> chosen;
    auto is_new = [&](size_t p) { return !evaluated.count(p) && !chosen.count(p); };
    while (children.size() < lambda) {
      Individual child;
      bool found = false;
      for (int attempt = 0; attempt < 64 && !found; ++attempt) {
        const Individual& x = tournament();
        const Individual& y = tournament();
        child.genome = x.genome;
        for (size_t a = 0; a < genomes.axes(); ++a)
          if (rng.below(2) == 0) child.genome[a] = y.genome[a];
        const size_t first = mutable_axes[static_cast<size_t>(rng.below(mutable_axes.size()))];
        mutate(child.genome, first);
        for (size_t a : mutable_axes)
          if (a != first && rng.below(mutable_axes.size()) == 0) mutate(child.genome, a);
        found = genomes.point_of(child.genome, child.point) && is_new(child.point);
      }
      if (!found) {  // the neighbourhood is used up: the next new point after a random one
        size_t p = static_cast<size_t>(rng.below(total));
        while (!is_new(p)) p = (p + 1) % total;
        child = {p, genomes.genome_of(p)};
      }
      chosen.insert(child.point);
      children.push_back(std::move(child));
    }
    std::vector<size_t> batch(chosen.begin(), chosen.end());
    run(batch);

    // (mu + lambda): the best mu of parents and children survive.
    std::vector<Individual> all = std::move(population);
    for (Individual& c : children) all.push_back(std::move(c));
    std::vector<size_t> all_points;
    for (const Individual& i : all) all_points.push_back(i.point);
    const std::vector<Place> ranked = rank_points(all_points, fitness);
    std::vector<size_t> idx(all.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(),
              [&](size_t a, size_t b) { return better(ranked[a], all[a].point, ranked[b], all[b].point); });
    population.clear();
    for (size_t k = 0; k < mu && k < idx.size(); ++k) population.push_back(std::move(all[idx[k]]));
  }
  return order;
}

}  // namespace itera::dse
