#pragma once
// The co-design exploration behind `itera dse`: every selected design point (a
// decomposition x a hardware config) scored on accuracy, simulated cycles and FPGA
// resources.
//
//   1. The decompositions (design_space.h) and hardware points (the spec's grid) span
//      points numbered design * hardware_points + hardware; the search strategy
//      selects some (exhaustive: all), and --shard I/N keeps those with number % N == I.
//      The evolutionary search (evolutionary_search.h) selects a generation at a time
//      from the results of the ones before and runs steps 2-4 per generation; it cannot
//      be sharded.
//   2. Accuracy: each distinct decomposition is scored once (accuracy_scorer.h), in a
//      forked worker, and cached by the hash of everything it depends on.
//   3. Latency: the trace `itera trace` writes for the decomposition and workload (for a
//      real model, the trace of its saved layers, as `itera decompose --save` then
//      `itera trace --decomposition`), simulated at fast fidelity on the point's
//      config; each distinct (trace, config) once, in a forked worker, cached.
//   4. Resources (fpga_resources.h: the point's config, each unit sized for the
//      precisions its ops run in the trace; URAM only on a device that has it) and
//      feasibility; Pareto fronts over the feasible points.
// Results depend only on the spec: never on --jobs, the order workers finish, or how
// many times the run was interrupted and resumed.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accuracy_scorer.h"
#include "design_space.h"
#include "dse_spec.h"
#include "fpga_resources.h"

namespace itera::dse {

struct DseOptions {
  std::string out_dir;
  int jobs = 1;
  int shard = 0, shards = 1;
  bool compute = true;  // false (merge): every result must already be cached
  bool progress = true;
};

struct SimFigures {
  int64_t total_cycles = 0, dram_read_bytes = 0;
  double latency_us = 0, pe_utilization = 0;
};

struct PointRecord {
  size_t point = 0, design = 0, hardware = 0;
  // The decomposition the point runs: its design with the hardware-aware options
  // applied on its hardware (layer_planning.h); the design itself without them.
  Decomposition effective;
  std::string padding;    // rank padding: "" (off or no low-rank part), "padded", "none needed", "refused: ..."
  // Why the effective design does not run on the point's hardware (the simulator's
  // error, e.g. a buffer too small for an op): then it has no sim figures and is not
  // feasible. Empty: it ran.
  std::string sim_failure;
  // The effective design still has a low-rank pair somewhere (not every layer type
  // reverted to quantization alone).
  bool low_rank_left = false;
  bool has_accuracy = true;  // false only for a sensitivity design that could not be allocated
  std::string reverting;  // layer reverting: "" (off or not applicable), "N type(s)", "none", "refused: ..."
  AccuracyScore accuracy;
  SimFigures sim;
  FpgaResources resources;       // fpga_resources.h: the point's config sized for its trace's precisions
  bool accurate_enough = false;  // metric <= accuracy.max
  bool fits = true;              // within max_utilization x the device's resources (always, with no device)
  bool feasible = false;         // accurate enough and fits
  bool pareto = false;           // on the accuracy x latency front of the feasible points
  bool pareto_dsp = false;       // on the accuracy x latency x DSP front
};

// One layer of a design as the simulator split its cycles (all repeats): the cycles of
// its dense op and of its low-rank ops that were not stalls, and their stalls.
struct LayerLatency {
  std::string layer;  // the dense op's name (a low-rank op's without .lr_down / .lr_up)
  std::string method;     // the design's, or rtn for a reverted layer
  bool reverted = false;
  int dense_bits = 0;  // 0: no dense op
  int rank = 0;        // 0: no low-rank ops (after padding / allocation)
  int64_t dense_cycles = 0, low_rank_cycles = 0, stall_cycles = 0;
};

// The headline of a run: which point is the baseline and which the best (indices into
// DseResult::points, -1 when there is none), and the latency cut.
struct Headline {
  long baseline = -1;       // the fastest feasible quantization-only point (ties: more accurate, lower number)
  long best = -1;           // the fastest feasible point at least as accurate as the baseline
  long best_low_rank = -1;  // the same among designs with a low-rank pair left (not fully reverted)
  // With sensitivity allocation: the fastest feasible low-rank point of uniform ranks and
  // of sensitivity-allocated ranks (within the budget, not matched to the baseline).
  long best_uniform = -1, best_sensitivity = -1;
  double reduction_pct = 0;  // 100 (1 - best / baseline latency)
};

struct DseResult {
  DseSpec spec;
  DecompositionSpace space;
  std::vector<PointRecord> points;  // the selected points of this shard, ascending
  size_t total_points = 0;          // designs x hardware points
  size_t selected_points = 0;       // all shards
  Headline headline;
  // The per-layer split of the baseline's, best's and best low-rank point's latency, by
  // point number.
  std::map<size_t, std::vector<LayerLatency>> layers;
  double accuracy_of(const PointRecord& p) const;  // the spec's metric
};

Headline find_headline(const DseResult& r);

// The selected point numbers (all shards), ascending: exhaustive = all; random = a
// sample of spec.points distinct numbers drawn with spec.seed; evolutionary with
// spec.points >= total = all (with fewer it selects as it goes: throws).
std::vector<size_t> select_points(const DseSpec& spec, size_t total);

DseResult run_dse(const DseSpec& spec, const DseOptions& options);

}  // namespace itera::dse
