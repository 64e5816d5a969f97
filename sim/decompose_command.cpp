// `itera decompose`: quantize and (iteratively) low-rank-decompose the linear
// layers of a checkpoint, a synthetic matrix or a catalog shape; print a report.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <thread>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "file_io.h"
#include "compressed_io.h"
#include "decompose.h"
#include "decompose_report.h"
#include "decomposition_options.h"
#include "error.h"
#include "method.h"
#include "options_util.h"
#include "weight_source.h"

namespace itera::cli {

namespace {

struct DecomposeArgs {
  WeightSourceSpec source;
  DecompositionArgs decomposition;
  std::string bound = "auto";
  std::string json_out;
  std::string save;
  bool no_timing = false;
  int jobs = 1;
};

std::string describe_source(const DecomposeArgs& a) {
  if (!a.source.shape.empty())
    return fmt::format("catalog shape {} (synthetic weights, seed {})", a.source.shape, a.source.seed);
  if (!a.source.synthetic.empty()) return fmt::format("synthetic {} (seed {})", a.source.synthetic, a.source.seed);
  return fmt::format("model {}", a.source.model);
}

}  // namespace

int run_decompose(const std::vector<std::string>& args) {
  DecomposeArgs a;
  po::options_description desc("itera decompose options");
  // clang-format off
  desc.add_options()
    ("model", po::value(&a.source.model), "checkpoint: llama2.c .bin, .safetensors, model.safetensors.index.json, or a directory")
    ("synthetic", po::value(&a.source.synthetic), "a synthetic ROWSxCOLS matrix with an LLM-like spectrum (see workloads/synthetic.h)")
    ("shape", po::value(&a.source.shape), "a built-in catalog model, synthetic weights (see 'itera shapes')")
    ("seed", po::value(&a.source.seed)->default_value(0), "seed for synthetic weights and randomized SVDs")
    ("layers", po::value(&a.source.layer_filter), "only layers whose name matches this regular expression")
    ("include-head", po::bool_switch(&a.source.include_head), "also compress the classifier (lm_head)")
    ("bound", po::value(&a.bound)->default_value("auto"), "Eckart-Young bound: auto (exact when min(rows,cols) <= 1024) | exact | fast | off")
    ("json", po::value(&a.json_out), "also write the report as JSON to this file")
    ("save", po::value(&a.save), "save the compressed layers (codes, scales, factors) to this safetensors file")
    ("no-timing", po::bool_switch(&a.no_timing), "leave timings out, so reports are byte-identical across runs")
    ("jobs,j", po::value(&a.jobs)->default_value(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
     "layers decomposed in parallel (results do not depend on it)");
  // clang-format on
  a.decomposition.add_to(desc, "itera");
  po::variables_map vm;
  if (!parse_options("decompose",
                     "usage: itera decompose (--model PATH | --synthetic ROWSxCOLS | --shape NAME) --method M\n"
                     "                       [--bits B] [--factor-bits FB] [--rank R] [--group G] [--json OUT]",
                     desc, args, vm))
    return 0;

  const ResolvedDecomposition d = resolve_decomposition(a.decomposition, a.source.seed);
  const Method& method = *d.method;
  const MethodOptions& base = d.options;
  const RankSpec& ranks = d.ranks;
  const BoundMode bound = parse_bound_mode(a.bound);

  const std::vector<LayerRef> layers = resolve_layers(a.source);
  // Check every layer's options before any work, so bad input fails fast.
  for (const auto& l : layers) {
    MethodOptions o = base;
    o.rank = ranks.rank_for(l.name);
    validate_layer_options(l.name, l.rows, l.cols, method, o);
  }

  check_jobs("--jobs", a.jobs);
  // Layers are independent: workers take the next one; results keep layer order, and
  // each layer's seed depends only on its name, so the report does not depend on --jobs.
  std::vector<std::optional<LayerResult>> results(layers.size());
  std::vector<double> norms(layers.size());
  std::vector<std::exception_ptr> errors(layers.size());
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t i = next++; i < layers.size(); i = next++) {
      try {
        MethodOptions o = base;
        o.rank = ranks.rank_for(layers[i].name);
        const Matrix w = layers[i].load();
        norms[i] = std::sqrt(w.cast<double>().squaredNorm());
        results[i] = decompose_layer(layers[i].name, w, layers[i].repeat, method, o, bound);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::min<int>(a.jobs, static_cast<int>(layers.size())); ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);

  DecomposeRun run;
  run.source = describe_source(a);
  run.timing = !a.no_timing;
  run.weight_norms = norms;
  std::vector<SavedLayer> saved;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (!a.save.empty()) saved.push_back({results[i]->layer, layers[i].repeat});
    run.layers.push_back(std::move(*results[i]));
  }
  // All output files appear together or not at all, and never over an input.
  for (const auto& [out, option] : {std::pair{a.json_out, "--json"}, std::pair{a.save, "--save"}})
    refuse_overwriting_model(out, option, a.source.model);
  StagedOutputs outputs;
  if (!a.json_out.empty()) outputs.add(a.json_out, decompose_json(run).dump(2) + "\n");
  if (!a.save.empty()) outputs.add(a.save, serialize_compressed(saved));
  outputs.commit();
  std::cout << decompose_table(run);
  return 0;
}

}  // namespace itera::cli
