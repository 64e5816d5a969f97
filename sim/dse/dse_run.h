#pragma once
// The co-design exploration behind `itera dse`: every selected design point (a
// decomposition x a hardware config) scored on accuracy, simulated cycles and FPGA
// resources.
//
//   1. The decompositions (design_space.h) and hardware points (the spec's grid) span
//      points numbered design * hardware_points + hardware; the search strategy
//      selects some (exhaustive: all), and --shard I/N keeps those with number % N == I.
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
  AccuracyScore accuracy;
  SimFigures sim;
  FpgaResources resources;       // fpga_resources.h: the point's config sized for its trace's precisions
  bool accurate_enough = false;  // metric <= accuracy.max
  bool fits = true;              // within max_utilization x the device's resources (always, with no device)
  bool feasible = false;         // accurate enough and fits
  bool pareto = false;           // on the accuracy x latency front of the feasible points
  bool pareto_dsp = false;       // on the accuracy x latency x DSP front
};

struct DseResult {
  DseSpec spec;
  DecompositionSpace space;
  std::vector<PointRecord> points;  // the selected points of this shard, ascending
  size_t total_points = 0;          // designs x hardware points
  size_t selected_points = 0;       // all shards
  double accuracy_of(const PointRecord& p) const;  // the spec's metric
};

// The selected point numbers (all shards), ascending: exhaustive = all; random = a
// sample of spec.points distinct numbers drawn with spec.seed.
std::vector<size_t> select_points(const DseSpec& spec, size_t total);

DseResult run_dse(const DseSpec& spec, const DseOptions& options);

}  // namespace itera::dse
