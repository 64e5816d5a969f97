// `itera trace`: writes the layer trace (docs/trace-format.md) of one inference
// step of a compressed model, from a catalog shape plus decomposition options, or
// from layers saved by `itera decompose --save`.
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "file_io.h"
#include "catalog.h"
#include "compressed_io.h"
#include "decomposition_options.h"
#include "error.h"
#include "options_util.h"
#include "trace.h"
#include "trace_builder.h"

namespace itera::cli {

namespace {

struct TraceArgs {
  std::string shape;
  bool include_head = false;
  std::string decomposition_file;
  DecompositionArgs decomposition;
  std::string phase;
  PhaseSpec spec;
  std::string output;
};

// A saved decomposition records its own method, bits and ranks, so options that
// would set them again are mistakes, not overrides.
void reject_decomposition_options(const po::options_description& dec_desc, const po::variables_map& vm) {
  for (const auto& opt : dec_desc.options()) {
    const std::string& name = opt->long_name();
    if (vm.count(name) && !vm[name].defaulted())
      throw Error(fmt::format("--{} applies only with --shape; a saved decomposition (--decomposition) records its "
                              "own method, bits and ranks",
                              name));
  }
  if (vm.count("include-head") && !vm["include-head"].defaulted())
    throw Error("--include-head applies only with --shape; a saved decomposition holds the layers it holds");
}

Trace build_trace(const TraceArgs& a) {
  if (a.shape.empty()) {
    Trace t = trace_from_compressed(load_compressed(a.decomposition_file), a.spec);
    t.meta.insert(t.meta.begin(), {"source", meta_value("decomposition " + a.decomposition_file)});
    return t;
  }
  const CatalogModel& model = find_catalog_model(a.shape);
  const ResolvedDecomposition d = resolve_decomposition(a.decomposition, 0);
  return trace_from_catalog(model, a.include_head, a.decomposition.method, d.options, d.ranks, a.spec);
}

}  // namespace

int run_trace(const std::vector<std::string>& args) {
  TraceArgs a;
  po::options_description desc("itera trace options");
  // clang-format off
  desc.add_options()
    ("shape", po::value(&a.shape), "a built-in catalog model (see 'itera shapes'); compressed with the options below")
    ("include-head", po::bool_switch(&a.include_head), "with --shape: also trace the classifier (lm_head)")
    ("decomposition", po::value(&a.decomposition_file), "layers saved by 'itera decompose --save' (.safetensors)")
    ("phase", po::value(&a.phase), "required: prefill (M = seq-len x batch) | decode (M = batch, one new token each)")
    ("seq-len", po::value(&a.spec.seq_len)->default_value(512), "tokens per sequence: prompt (prefill); context (decode, recorded only)")
    ("batch", po::value(&a.spec.batch)->default_value(1), "sequences processed together")
    ("abits", po::value(&a.spec.abits)->default_value(8), "activation bits, 2..16")
    ("output,o", po::value(&a.output), "required: the trace file to write ('-' = standard output)");
  // clang-format on
  po::options_description dec_desc("decomposition options (with --shape)");
  a.decomposition.add_to(dec_desc, "itera");
  desc.add(dec_desc);
  po::variables_map vm;
  if (!parse_options("trace",
                     "usage: itera trace (--shape NAME [--include-head] [--method M --bits B --rank R ...]\n"
                     "                    | --decomposition FILE.safetensors)\n"
                     "                   --phase prefill|decode [--seq-len L] [--batch B] [--abits A] -o FILE",
                     desc, args, vm))
    return 0;

  if (a.shape.empty() == a.decomposition_file.empty())
    throw Error("give exactly one source: --shape NAME (a catalog model) or --decomposition FILE (saved layers)");
  if (!a.decomposition_file.empty()) reject_decomposition_options(dec_desc, vm);
  if (a.phase.empty()) throw Error("missing --phase: prefill (the whole prompt) or decode (one new token)");
  if (a.output.empty()) throw Error("missing -o FILE (the trace to write; '-' = standard output)");
  a.spec.phase = parse_phase(a.phase);
  validate_phase(a.spec);
  refuse_overwriting_input(a.output, "-o", a.decomposition_file, "--decomposition");

  const Trace trace = build_trace(a);
  const std::string text = format_trace(trace);
  if (a.output == "-") {
    std::cout << text;
    return 0;
  }
  write_file_atomic(a.output, text);
  std::cout << fmt::format("wrote {}: {} ops, {} MACs ({}, M = {})\n", a.output, trace.ops.size(), trace.total_macs(),
                           a.phase, a.spec.m());
  return 0;
}

}  // namespace itera::cli
