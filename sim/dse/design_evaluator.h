#pragma once
// Scores design points of a DSE (dse_run.h): for each point (a design of the space x a
// hardware point), the decomposition it finally runs (its effective design: the
// sensitivity rank allocation, rank padding and layer reverting of layer_planning.h
// applied on that hardware), its accuracy, its simulated cycles and its resources.
//
// Everything is computed in forked workers and cached (accuracy and per-type errors by
// the decomposition's label, simulations by (trace, config)), so a point's result
// depends only on the spec and a killed run resumes where it stopped. Work is done in
// stages across all the points asked for at once (the base designs; the sensitivity
// measurements and allocations; the padded candidates; the reverted candidates), each
// stage's distinct jobs run once.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accel_config.h"
#include "accuracy_scorer.h"
#include "design_space.h"
#include "dse_spec.h"
#include "fpga_resources.h"
#include "sim_report.h"
#include "simulation_stage.h"
#include "sweep_spec.h"
#include "trace_builder.h"

namespace itera::dse {

struct DseOptions;
struct PointRecord;
struct LayerLatency;

class DesignEvaluator {
 public:
  // `space` (with any sensitivity designs appended) and `spec` must outlive this.
  DesignEvaluator(const DseSpec& spec, const DecompositionSpace& space, const DseOptions& options);
  ~DesignEvaluator();
  DesignEvaluator(const DesignEvaluator&) = delete;
  DesignEvaluator& operator=(const DesignEvaluator&) = delete;

  // The records of `points` (ascending point numbers), in that order: accuracy, sim
  // figures, resources, fits, accurate_enough, feasible (not the Pareto flags).
  std::vector<PointRecord> evaluate(const std::vector<size_t>& points);
  // The per-layer split of an evaluated point's latency.
  std::vector<LayerLatency> layers(const PointRecord& p);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace itera::dse
