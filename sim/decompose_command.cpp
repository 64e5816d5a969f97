// `itera decompose`: quantize and (iteratively) low-rank-decompose the linear
// layers of a checkpoint, a synthetic matrix or a catalog shape; print a report.
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "atomic_file.h"
#include "compressed_io.h"
#include "decompose.h"
#include "decompose_report.h"
#include "error.h"
#include "method.h"
#include "options_util.h"
#include "weight_source.h"

namespace itera::cli {

namespace {

struct DecomposeArgs {
  WeightSourceSpec source;
  std::string method = "itera";
  int bits = 4;
  int factor_bits = 4;
  std::string rank;
  int group = 0;
  std::string granularity = "channel";
  bool asym = false;
  int factor_group = 0;
  std::string form = "factorized";
  int loftq_iters = 5;
  std::string engine = "fast";
  std::string bound = "auto";
  std::string json_out;
  std::string save;
  bool no_timing = false;
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
    ("method", po::value(&a.method)->default_value("itera"), "rtn | svd | itera | lorc | loftq")
    ("bits", po::value(&a.bits)->default_value(4), "dense weight bits, 2..8")
    ("factor-bits", po::value(&a.factor_bits)->default_value(4), "low-rank factor bits, 2..8, or 16 = unquantized (F16)")
    ("rank", po::value(&a.rank), "rank: R, or R,PATTERN=R,... per layer (longest substring match wins); not for rtn")
    ("granularity", po::value(&a.granularity)->default_value("channel"), "dense scales: tensor | channel | group")
    ("group", po::value(&a.group)->default_value(0), "group size along the input dimension (implies --granularity group)")
    ("asym", po::bool_switch(&a.asym), "asymmetric quantization (scale + zero point) instead of symmetric")
    ("factor-group", po::value(&a.factor_group)->default_value(0), "factor vectors: group size along the vector, 0 = one scale per vector")
    ("form", po::value(&a.form)->default_value("factorized"), "itera only: factorized (W ~ AB) | compensated (W ~ Q(W) + AB)")
    ("loftq-iters", po::value(&a.loftq_iters)->default_value(5), "loftq only: alternating steps T")
    ("svd-engine", po::value(&a.engine)->default_value("fast"), "fast (randomized / warm-started Davidson) | exact (full SVD, reference)")
    ("bound", po::value(&a.bound)->default_value("auto"), "Eckart-Young bound: auto (exact when min(rows,cols) <= 1024) | exact | fast | off")
    ("json", po::value(&a.json_out), "also write the report as JSON to this file")
    ("save", po::value(&a.save), "save the compressed layers (codes, scales, factors) to this safetensors file")
    ("no-timing", po::bool_switch(&a.no_timing), "leave timings out, so reports are byte-identical across runs");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("decompose",
                     "usage: itera decompose (--model PATH | --synthetic ROWSxCOLS | --shape NAME) --method M\n"
                     "                       [--bits B] [--factor-bits FB] [--rank R] [--group G] [--json OUT]",
                     desc, args, vm))
    return 0;

  const auto method = make_method(a.method);
  MethodOptions base;
  base.weight.bits = a.bits;
  base.weight.symmetric = !a.asym;
  base.weight.granularity = a.group > 0 ? Granularity::Group : parse_granularity(a.granularity);
  base.weight.group = a.group;
  if (base.weight.granularity == Granularity::Group && a.group < 1)
    throw Error("--granularity group needs --group G with G >= 1");
  if (a.group < 0) throw Error(fmt::format("--group must be >= 0 (got {})", a.group));
  if (a.factor_group < 0) throw Error(fmt::format("--factor-group must be >= 0 (got {})", a.factor_group));
  base.factor.bits = a.factor_bits;
  base.factor.symmetric = !a.asym;
  base.factor.granularity = a.factor_group > 0 ? Granularity::Group : Granularity::PerChannel;
  base.factor.group = a.factor_group;
  base.form = parse_form(a.form);
  base.loftq_iters = a.loftq_iters;
  if (a.method == "loftq" && a.loftq_iters < 1)
    throw Error(fmt::format("--loftq-iters must be >= 1 (got {})", a.loftq_iters));
  base.engine = parse_svd_engine(a.engine);
  base.seed = a.source.seed;
  const BoundMode bound = parse_bound_mode(a.bound);
  if (method->uses_dense(base)) validate_quant_spec(base.weight, "--bits", false);
  if (method->uses_rank()) {
    validate_quant_spec(base.factor, "--factor-bits", true);
    if (a.rank.empty())
      throw Error(fmt::format("method '{}' needs --rank (R, or R,PATTERN=R,...)", method->name()));
  }
  const RankSpec ranks = a.rank.empty() ? RankSpec{0, {}} : RankSpec::parse(a.rank);

  const std::vector<LayerRef> layers = resolve_layers(a.source);
  // Check every layer's options before any work, so bad input fails fast.
  for (const auto& l : layers) {
    MethodOptions o = base;
    o.rank = ranks.rank_for(l.name);
    validate_layer_options(l.name, l.rows, l.cols, *method, o);
  }

  DecomposeRun run;
  run.source = describe_source(a);
  run.timing = !a.no_timing;
  std::vector<SavedLayer> saved;
  for (const auto& l : layers) {
    MethodOptions o = base;
    o.rank = ranks.rank_for(l.name);
    const Matrix w = l.load();
    LayerResult r = decompose_layer(l.name, w, l.repeat, *method, o, bound);
    run.weight_norms.push_back(std::sqrt(w.cast<double>().squaredNorm()));
    if (!a.save.empty()) saved.push_back({r.layer, l.repeat});
    run.layers.push_back(std::move(r));
  }
  // All output files appear together or not at all.
  StagedOutputs outputs;
  if (!a.json_out.empty()) outputs.add(a.json_out, decompose_json(run).dump(2) + "\n");
  if (!a.save.empty()) outputs.add(a.save, serialize_compressed(saved));
  outputs.commit();
  std::cout << decompose_table(run);
  return 0;
}

}  // namespace itera::cli
