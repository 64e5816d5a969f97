#pragma once
// The spec file of `itera dse` (configs/README.md, "Co-design DSE"): what to compress
// (a real model with its tokenizer, or a catalog shape with a weight-error proxy), how
// accuracy is scored and the budget it must meet, the workload, the hardware grid (as
// in sweep files), the FPGA device, the decomposition grid and the search strategy.
//
// Validation is as strict as the accelerator config's: every error names the spec
// file, the 1-based line and the dotted key (unknown keys, missing required keys,
// wrong types, out-of-range values, empty or duplicated grid values, an unknown
// method, form, device or metric, a metric the proxy cannot give, settings that
// apply only with a real model).
#include <cstdint>
#include <string>
#include <vector>

#include "sweep_spec.h"

namespace itera::dse {

enum class AccuracyMetric { KlMean, PplRatio, WeightError };  // kl_mean | ppl_ratio | weight_error
const char* to_string(AccuracyMetric m);

enum class SearchStrategy { Exhaustive, Random, Evolutionary };  // exhaustive | random | evolutionary
const char* to_string(SearchStrategy s);

enum class RankAllocation { Uniform, Sensitivity };  // uniform | sensitivity
const char* to_string(RankAllocation a);

// A list of grid values with the line of each (for later errors, e.g. a rank above a
// layer's dimensions once the model is known).
template <class T>
struct GridList {
  std::vector<T> values;
  std::vector<int> lines;
  int key_line = 0;
};

struct DseSpec {
  std::string file;  // as named by the user

  // What to compress (exactly one of model and shape).
  std::string model, tokenizer;  // resolved against the spec's directory
  std::string shape;             // a catalog name
  bool proxy() const { return !shape.empty(); }

  // accuracy:
  std::string text, calib_text;  // resolved; real model only
  int tokens = 16384;            // scored positions per design (itera eval --max-tokens)
  int window = 256;
  int calib_tokens = 4096;
  std::string act_aware = "none";  // none | diag | exact
  AccuracyMetric metric = AccuracyMetric::KlMean;
  double max = 0;  // the budget: a design is feasible only with metric <= max
  int max_line = 0;

  // workload:
  std::string phase = "decode";  // decode | prefill
  int seq_len = 512, batch = 1, abits = 8;

  // hardware: base + grid, as a sweep file has them (no grid: the base alone).
  sweep::SweepSpec hardware;
  size_t hardware_points() const { return hardware.grid.empty() ? 1 : hardware.point_count(); }

  // device:
  std::string device = "none";  // an FPGA preset name, or none
  double max_utilization = 1.0;

  // decomposition:
  GridList<std::string> method, form;
  GridList<int> bits, group, factor_bits, rank;
  RankAllocation rank_allocation = RankAllocation::Uniform;
  bool rank_padding = false;
  bool layer_reverting = false;
  // Any of the three hardware-aware options (layer_planning.h) is on.
  bool hardware_aware() const {
    return rank_padding || layer_reverting || rank_allocation == RankAllocation::Sensitivity;
  }

  // search:
  SearchStrategy strategy = SearchStrategy::Exhaustive;
  int64_t points = 0;  // random / evolutionary: how many design points to evaluate
  uint64_t seed = 0;
  int64_t population = 0;  // evolutionary: the population size (0: evolutionary_search.h's default)
  int strategy_line = 0;   // the line of search.strategy (0: not given)
};

// Parses a spec's text; `file` names it in messages and anchors relative paths.
// `known_devices` lists the FPGA preset names (device must be one of them or none).
// Throws itera::Error.
DseSpec parse_dse_spec(const std::string& text, const std::string& file, const std::vector<std::string>& known_devices);
DseSpec load_dse_spec(const std::string& path, const std::vector<std::string>& known_devices);

}  // namespace itera::dse
