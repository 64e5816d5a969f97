#include "layer_planning.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "accuracy_scorer.h"
#include "catalog.h"
#include "llama_hf.h"
#include "dataflow.h"
#include "error.h"
#include "text.h"
#include "units.h"

namespace itera::dse {

std::string layer_type(const std::string& layer_name) {
  std::string n = layer_name;
  if (ends_with(n, ".weight")) n.resize(n.size() - 7);
  const size_t dot = n.rfind('.');
  return dot == std::string::npos ? n : n.substr(dot + 1);
}

std::string layer_of_op(const std::string& op_name) {
  for (const char* suffix : {".lr_down", ".lr_up"})
    if (ends_with(op_name, suffix)) return op_name.substr(0, op_name.size() - std::string(suffix).size());
  return op_name;
}

std::map<std::string, TypeDims> layer_type_dims(const DseSpec& spec) {
  std::map<std::string, TypeDims> out;
  if (spec.proxy()) {
    for (const CatalogLayer& l : find_catalog_model(spec.shape).layers)
      if (l.in_block) out[layer_type(l.name)] = {l.rows, l.cols};
    return out;
  }
  const LlamaConfig c = load_llama(spec.model).config;
  out["q_proj"] = {c.dim, c.dim};
  out["k_proj"] = {c.kv_dim(), c.dim};
  out["v_proj"] = {c.kv_dim(), c.dim};
  out["o_proj"] = {c.dim, c.dim};
  out["gate_proj"] = {c.hidden_dim, c.dim};
  out["up_proj"] = {c.hidden_dim, c.dim};
  out["down_proj"] = {c.dim, c.hidden_dim};
  return out;
}

cli::ResolvedDecomposition resolve_design(const Decomposition& d, uint64_t seed, const std::string& only_type) {
  Decomposition uniform = d;
  uniform.layers.clear();
  cli::ResolvedDecomposition r = cli::resolve_decomposition(decomposition_args(uniform), seed);
  if (d.layers.empty() && only_type.empty()) return r;
  // rtn at the design's group, for reverted types (one method object per bit width is
  // not needed: the bits travel in the options).
  std::shared_ptr<const Method> rtn;
  for (const LayerChoice& c : d.layers)
    if (c.reverted && !rtn) rtn = make_method("rtn");
  const std::vector<LayerChoice> choices = d.layers;
  const QuantSpec weight = r.options.weight;
  r.per_layer = [choices, rtn, weight, only_type](const std::string& layer, cli::LayerRecipe& recipe) {
    const std::string type = layer_type(layer);
    if (!only_type.empty() && type != only_type) {
      recipe.method = nullptr;
      return;
    }
    for (const LayerChoice& c : choices) {
      if (c.type != type) continue;
      if (c.reverted) {
        recipe.method = rtn.get();
        recipe.options.weight = weight;
        recipe.options.weight.bits = c.bits;
        recipe.options.rank = 0;
      } else {
        recipe.options.rank = c.rank;
      }
    }
  };
  return r;
}

std::map<std::string, TypeCycles> cycles_by_type(const SimReport& report) {
  std::map<std::string, TypeCycles> out;
  for (const LayerReport& l : report.layers) {
    TypeCycles& t = out[layer_type(layer_of_op(l.name))];
    (l.kind == "dense" ? t.dense : t.low_rank) += l.total_cycles;
  }
  return out;
}

RankUnits rank_units(const AccelConfig& config, int factor_bits) {
  const std::vector<ArrayDesc> arrays = unit_arrays(config);
  const ArrayDesc& a = array_of(arrays, unit_for(arrays, OpKind::LowRankDown));
  const DataflowRecord& rec = dataflow_record(a.dataflow);
  const int pack = a.pack_for(factor_bits);
  return {array_unit(rec, Dim::N, a.rows, a.cols, pack), array_unit(rec, Dim::K, a.rows, a.cols, pack)};
}

int padded_rank(int rank, const RankUnits& u, int max_rank) {
  if (rank < 1 || max_rank < rank || u.down < 1 || u.up < 1)
    throw Error(fmt::format("padded_rank: rank {} outside 1..{} or units {}x{} below 1", rank, max_rank, u.down, u.up));
  auto up_to = [&](int64_t unit) { return (int64_t{rank} + unit - 1) / unit * unit; };
  const int64_t r = std::min({up_to(u.down), up_to(u.up), int64_t{max_rank}});
  return static_cast<int>(r);
}

bool should_revert(const RevertCandidate& c) {
  return c.rtn_bits > 0 && c.low_rank_cycles > 0 && c.rtn_cycles < c.dense_cycles + c.low_rank_cycles;
}

int rtn_bits_needed(int bits, double error, const std::map<int, double>& rtn_error) {
  for (int b = bits + 1; b <= 8; ++b) {
    const auto it = rtn_error.find(b);
    if (it != rtn_error.end() && it->second <= error) return b;
  }
  return 0;
}

double predicted_metric(const SensitivityTable& t, const std::map<std::string, int>& ranks) {
  double sum = 0;
  for (const auto& [type, m] : t.metric) {
    const auto r = ranks.find(type);
    const auto i = r == ranks.end() ? t.ranks.end() : std::find(t.ranks.begin(), t.ranks.end(), r->second);
    if (i == t.ranks.end()) throw Error(fmt::format("predicted_metric: no grid rank for layer type {}", type));
    sum += m[static_cast<size_t>(i - t.ranks.begin())];
  }
  return sum;
}

std::map<std::string, int> allocate_ranks(const SensitivityTable& t, double budget) {
  if (t.ranks.empty()) throw Error("allocate_ranks: no grid ranks");
  std::map<std::string, size_t> at;  // index into t.ranks per type
  for (const auto& [type, m] : t.metric) {
    const auto c = t.cycles.find(type);
    if (m.size() != t.ranks.size() || c == t.cycles.end() || c->second.size() != t.ranks.size())
      throw Error(fmt::format("allocate_ranks: layer type {} lacks a figure for every grid rank", type));
    at[type] = 0;
  }
  auto predicted = [&] {
    double sum = 0;
    for (const auto& [type, i] : at) sum += t.metric.at(type)[i];
    return sum;
  };
  while (predicted() > budget) {
    // The step with the most accuracy gained per cycle added; a step that adds no
    // cycles and gains is taken first (the largest gain among those).
    const std::string* pick = nullptr;
    double best_gain = 0, best_rate = -1;
    bool best_free = false;
    for (const auto& [type, i] : at) {
      if (i + 1 >= t.ranks.size()) continue;
      const double gain = t.metric.at(type)[i] - t.metric.at(type)[i + 1];
      if (!(gain > 0)) continue;
      const int64_t added = t.cycles.at(type)[i + 1] - t.cycles.at(type)[i];
      const bool free = added <= 0;
      const double rate = free ? gain : gain / static_cast<double>(added);
      const bool better = pick == nullptr || (free && !best_free) ||
                          (free == best_free && (free ? gain > best_gain : rate > best_rate));
      if (better) {
        pick = &type;
        best_gain = gain;
        best_rate = rate;
        best_free = free;
      }
    }
    if (!pick) break;  // no step gains accuracy
    ++at[*pick];
  }
  std::map<std::string, int> out;
  for (const auto& [type, i] : at) out[type] = t.ranks[i];
  return out;
}

}  // namespace itera::dse
