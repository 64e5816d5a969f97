#include "weight_source.h"

#include <cstdint>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <regex>

#include <fmt/format.h>

#include "catalog.h"
#include "error.h"
#include "text.h"
#include "llama2c.h"
#include "rng.h"
#include "stable_hash.h"
#include "safetensors.h"
#include "synthetic.h"

namespace itera {

namespace {

std::vector<LayerRef> llama2c_layers(const std::string& path, bool include_head) {
  auto weights = std::make_shared<LlamaWeights>(load_llama2c(path));
  auto named = std::make_shared<std::vector<NamedMatrix>>(llama_linear_layers(*weights));
  // The classifier (the token embedding when shared, as llama2.c's wcls) under its HF name.
  if (include_head) named->push_back({"lm_head.weight", weights->classifier(), 1});
  std::vector<LayerRef> out;
  for (size_t i = 0; i < named->size(); ++i) {
    const NamedMatrix& nm = (*named)[i];
    out.push_back({nm.name, static_cast<int>(nm.w.rows()), static_cast<int>(nm.w.cols()), 1,
                   [named, i]() { return (*named)[i].w; }});
  }
  return out;
}

std::vector<LayerRef> synthetic_layers(const std::string& shape, uint64_t seed) {
  const auto [rows, cols] = parse_shape(shape);
  constexpr int64_t kMaxElements = int64_t{1} << 30;  // 4 GiB of float
  if (static_cast<int64_t>(rows) * cols > kMaxElements)
    throw Error(fmt::format("synthetic shape {}x{} has {} elements; at most {} (4 GiB of float) are allowed", rows,
                            cols, static_cast<int64_t>(rows) * cols, kMaxElements));
  const std::string name = fmt::format("synthetic.{}x{}", rows, cols);
  return {{name, rows, cols, 1, [rows = rows, cols = cols, seed]() { return synthetic_weight(rows, cols, seed); }}};
}

std::vector<LayerRef> catalog_layers(const std::string& shape, uint64_t seed, bool include_head) {
  const CatalogModel& m = find_catalog_model(shape);
  std::vector<LayerRef> out;
  for (const auto& l : m.layers) {
    if (!l.in_block && !include_head) continue;
    const uint64_t layer_seed = seed ^ stable_hash(m.name + "/" + l.name);
    out.push_back({l.name, l.rows, l.cols, l.repeat,
                   [r = l.rows, c = l.cols, layer_seed]() { return synthetic_weight(r, c, layer_seed); }});
  }
  return out;
}

}  // namespace

std::vector<LayerRef> safetensors_llama_layers(const std::string& path, bool include_head) {
  auto ckpt = std::make_shared<SafetensorsCheckpoint>(SafetensorsCheckpoint::open(path));
  static const std::regex re(R"(^model\.layers\.(\d+)\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)\.weight$)");
  static const std::vector<std::string> order = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                                 "self_attn.o_proj", "mlp.gate_proj",    "mlp.up_proj",
                                                 "mlp.down_proj"};
  struct Found {
    long layer;
    size_t kind;
    std::string name;
  };
  std::vector<Found> found;
  for (const auto& name : ckpt->tensor_names()) {
    std::smatch m;
    if (!std::regex_match(name, m, re)) continue;
    const size_t kind = static_cast<size_t>(std::find(order.begin(), order.end(), m[2].str()) - order.begin());
    found.push_back({std::stol(m[1]), kind, name});
  }
  if (include_head && ckpt->has("lm_head.weight")) found.push_back({1L << 30, 0, "lm_head.weight"});
  if (found.empty()) {
    const auto names = ckpt->tensor_names();
    std::vector<std::string> some(names.begin(), names.begin() + static_cast<long>(std::min<size_t>(names.size(), 5)));
    throw Error(fmt::format("'{}' has no LLaMA linear-layer tensors (expected names like "
                            "model.layers.0.self_attn.q_proj.weight, model.layers.0.mlp.down_proj.weight); "
                            "it has {} tensors, e.g. {}",
                            path, names.size(), fmt::join(some, ", ")));
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.layer != b.layer ? a.layer < b.layer : a.kind < b.kind; });
  std::vector<LayerRef> out;
  for (const auto& f : found) {
    const TensorInfo& info = ckpt->info(f.name);
    if (info.shape.size() != 2)
      throw Error(fmt::format("tensor '{}' in '{}' has {} dimensions; a linear weight must be 2-D", f.name, path,
                              info.shape.size()));
    if (info.shape[0] < 1 || info.shape[1] < 1 || info.shape[0] > INT32_MAX || info.shape[1] > INT32_MAX)
      throw Error(fmt::format("tensor '{}' in '{}' has shape [{}, {}]; a linear weight needs 1..{} rows and columns "
                              "(no empty tensors)",
                              f.name, path, info.shape[0], info.shape[1], INT32_MAX));
    out.push_back({f.name, static_cast<int>(info.shape[0]), static_cast<int>(info.shape[1]), 1,
                   [ckpt, name = f.name]() {
                     Matrix w = ckpt->read_matrix(name);
                     require_finite(name, w);
                     return w;
                   }});
  }
  return out;
}

std::vector<LayerRef> resolve_layers(const WeightSourceSpec& spec) {
  const int given = !spec.model.empty() + !spec.synthetic.empty() + !spec.shape.empty();
  if (given != 1)
    throw Error("give exactly one weight source: --model PATH, --synthetic ROWSxCOLS or --shape NAME");
  std::vector<LayerRef> layers;
  if (!spec.synthetic.empty()) {
    layers = synthetic_layers(spec.synthetic, spec.seed);
  } else if (!spec.shape.empty()) {
    layers = catalog_layers(spec.shape, spec.seed, spec.include_head);
  } else {
    namespace fs = std::filesystem;
    if (!fs::exists(spec.model)) throw Error(fmt::format("model '{}' does not exist", spec.model));
    const bool st = fs::is_directory(spec.model) || ends_with(spec.model, ".safetensors") || ends_with(spec.model, ".json");
    layers = st ? safetensors_llama_layers(spec.model, spec.include_head) : llama2c_layers(spec.model, spec.include_head);
  }
  if (!spec.layer_filter.empty()) {
    std::regex re;
    try {
      re = std::regex(spec.layer_filter);
    } catch (const std::regex_error& e) {
      throw Error(fmt::format("--layers '{}' is not a valid regular expression: {}", spec.layer_filter, e.what()));
    }
    std::vector<LayerRef> kept;
    for (auto& l : layers)
      if (std::regex_search(l.name, re)) kept.push_back(std::move(l));
    if (kept.empty()) throw Error(fmt::format("--layers '{}' matches no layer", spec.layer_filter));
    layers = std::move(kept);
  }
  return layers;
}

}  // namespace itera
