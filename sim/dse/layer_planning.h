#pragma once
// The DSE's hardware-aware decomposition options (configs/README.md, "Co-design DSE"):
// per layer type, decisions that depend on the accelerator a design runs on.
//
//  * Rank padding. The rank r of a low-rank pair is the N dimension of its lr_down
//    and the K dimension of its lr_up; on an array, each op folds over r in units of
//    the array dimension r maps to in the dataflow table (times the MAC packing for N).
//    r is raised to the largest rank that adds no fold to either op:
//      R = min(ceil(r / u_down) u_down, ceil(r / u_up) u_up, min(rows, cols) of the layer).
//    The simulator then decides: the padded design is kept only when its simulated
//    cycles are not higher and its error not worse than the unpadded one's.
//  * Layer reverting. For a layer type with a low-rank pair (dense bits b, its pair
//    costing L cycles on top of the dense op's D), the quantization-only alternative is
//    rtn at b', the fewest bits (b < b' <= 8) whose weight error is at most the
//    compensated layer's; it costs R cycles (its dense ops, simulated). The type
//    reverts when R < D + L: its low-rank ops cost more cycles than they save. The
//    reverted design is kept only when its whole simulated latency is not higher.
//  * Sensitivity rank allocation. Each layer type's sensitivity m_t(r) is measured by
//    compressing it alone (every other layer at full precision) at each grid rank; its
//    cost c_t(r) is the simulated cycles of its low-rank ops at rank r (from the
//    uniform-rank design on the same hardware). Starting from the smallest grid rank
//    everywhere, ranks are raised greedily, one grid step of one type at a time, by
//    the accuracy gained per cycle added, until the predicted metric sum_t m_t(r_t)
//    is within the budget (or no step gains).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "accel_config.h"
#include "decomposition_options.h"
#include "design_space.h"
#include "dse_spec.h"
#include "sim_report.h"

namespace itera::dse {

// "model.layers.3.self_attn.q_proj.weight", "model.layers.*.self_attn.q_proj" -> "q_proj";
// "lm_head.weight" -> "lm_head": the last name component (without ".weight").
std::string layer_type(const std::string& layer_name);

// The layer an op of a trace belongs to: its name without ".lr_down" / ".lr_up".
std::string layer_of_op(const std::string& op_name);

// Each layer type's weight shape (rows x cols) in the spec's model or catalog shape
// (layers in the transformer blocks; the same for every block).
struct TypeDims {
  int rows = 0, cols = 0;
};
std::map<std::string, TypeDims> layer_type_dims(const DseSpec& spec);

// The decomposition as `itera decompose` would apply it, with d's per-type choices
// (another rank; or rtn at the choice's bits and the design's group). With
// `only_type`, every layer of another type is left at full precision.
cli::ResolvedDecomposition resolve_design(const Decomposition& d, uint64_t seed, const std::string& only_type = "");

// One layer type's simulated cycles (all its layers and repeats, stalls included).
struct TypeCycles {
  int64_t dense = 0, low_rank = 0;
};
// From a simulate report: ops grouped by the type of their layer (an lr_down/lr_up
// op belongs to the layer it is named after).
std::map<std::string, TypeCycles> cycles_by_type(const SimReport& report);

// The fold units of a rank on the array that runs the low-rank ops: u_down (N of the
// lr_down: its array dimension times the MAC packing at factor_bits) and u_up (K of
// the lr_up: its array dimension, or 1 when K is streamed).
struct RankUnits {
  int64_t down = 1, up = 1;
};
RankUnits rank_units(const AccelConfig& config, int factor_bits);
// The padded rank R (above); never below `rank`, never above `max_rank`.
int padded_rank(int rank, const RankUnits& units, int max_rank);

// Reverting: one layer type's figures and the decision.
struct RevertCandidate {
  std::string type;
  int64_t dense_cycles = 0, low_rank_cycles = 0;  // D, L (the design as it is)
  int rtn_bits = 0;                               // b' (0: no rtn bits reach the layer's error)
  int64_t rtn_cycles = 0;                         // R
};
// True when the type should fall back to quantization alone: rtn_bits > 0 and R < D + L.
bool should_revert(const RevertCandidate& c);
// The fewest bits b' in (bits, 8] with rtn_error[b'] <= error (0: none).
int rtn_bits_needed(int bits, double error, const std::map<int, double>& rtn_error);

// Sensitivity allocation over `ranks` (ascending grid ranks, all >= 1): metric[t][i]
// is m_t(ranks[i]) and cycles[t][i] is c_t(ranks[i]) for each type t. Returns the
// rank of each type. Ties go to the type named first.
struct SensitivityTable {
  std::vector<int> ranks;
  std::map<std::string, std::vector<double>> metric;
  std::map<std::string, std::vector<int64_t>> cycles;
};
std::map<std::string, int> allocate_ranks(const SensitivityTable& table, double budget);
// sum_t m_t(r_t) for an allocation.
double predicted_metric(const SensitivityTable& table, const std::map<std::string, int>& ranks);

}  // namespace itera::dse
