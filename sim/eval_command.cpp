// `itera eval`: KL divergence, top-1 agreement and perplexity of a compressed model
// against the full-precision one on the same token windows of a text file.
#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "file_io.h"
#include "decomposition_options.h"
#include "error.h"
#include "act_weighting.h"
#include "calibration.h"
#include "eval.h"
#include "eval_inputs.h"
#include "llama2c.h"
#include "llama_hf.h"
#include "llama_model.h"
#include "tokenizer.h"

namespace itera::cli {

int run_eval(const std::vector<std::string>& args) {
  std::string model_path, tokenizer_path, text_path, json_out;
  EvalOptions opt;
  opt.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  uint64_t seed = 0;
  bool include_head = false;
  bool keep_newlines = false;
  std::string calib_path, act_aware = "none";
  int calib_tokens = 4096;
  DecompositionArgs dec;
  po::options_description desc("itera eval options");
  // clang-format off
  desc.add_options()
    ("model", po::value(&model_path), "llama2.c checkpoint (.bin), or a Hugging Face LLaMA directory (config.json + safetensors)")
    ("tokenizer", po::value(&tokenizer_path), "llama2.c tokenizer (.bin) matching the model's vocabulary")
    ("text", po::value(&text_path), "UTF-8 text to evaluate on")
    ("window", po::value(&opt.window)->default_value(256), "tokens per window (BOS + window-1 text tokens); <= the model's sequence length")
    ("max-tokens", po::value(&opt.max_tokens)->default_value(16384), "stop after this many scored positions")
    ("threads", po::value(&opt.threads)->default_value(opt.threads), "worker threads (windows are independent)")
    ("seed", po::value(&seed)->default_value(0), "seed for randomized SVDs")
    ("include-head", po::bool_switch(&include_head), "also compress the classifier")
    ("keep-newlines", po::bool_switch(&keep_newlines), "keep newlines (default: each run of newlines becomes one space)")
    ("calib-text", po::value(&calib_path), "calibration text for activation capture; if it is --text, its last --calib-tokens tokens are used and evaluation must stay before them")
    ("calib-tokens", po::value(&calib_tokens)->default_value(4096), "calibration tokens")
    ("act-aware", po::value(&act_aware)->default_value("none"), "activation-aware svd/lorc/itera: none | diag (per-channel RMS scaling) | exact (H^1/2 weighting); needs --calib-text")
    ("json", po::value(&json_out), "also write the statistics as JSON to this file");
  // clang-format on
  dec.add_to(desc, "rtn");
  po::variables_map vm;
  if (!parse_options("eval",
                     "usage: itera eval --model M --tokenizer T --text FILE [--method M --bits B ...] [--json OUT]",
                     desc, args, vm))
    return 0;
  if (model_path.empty() || tokenizer_path.empty() || text_path.empty())
    throw Error("--model, --tokenizer and --text are all required");
  refuse_overwriting_model(json_out, "--json", model_path);
  for (const auto& [in, what] : {std::pair{tokenizer_path, "--tokenizer"}, std::pair{text_path, "--text"},
                                 std::pair{calib_path, "--calib-text"}})
    refuse_overwriting_input(json_out, "--json", in, what);
  check_jobs("--threads", opt.threads);

  const LlamaModel base(load_llama(model_path));
  if (opt.window > base.config().seq_len)
    throw Error(fmt::format("--window {} is longer than the model's sequence length {}", opt.window,
                            base.config().seq_len));
  const Tokenizer tok = Tokenizer::load(tokenizer_path, base.config().vocab_size);
  const WeightingKind weighting = parse_weighting(act_aware);
  if (weighting != WeightingKind::None && calib_path.empty())
    throw Error("--act-aware " + act_aware + " needs calibration text: give --calib-text FILE");
  if (calib_tokens < 1) throw Error(fmt::format("--calib-tokens must be >= 1 (got {})", calib_tokens));
  if (calib_path.empty() && !vm["calib-tokens"].defaulted())
    throw Error("--calib-tokens needs --calib-text");

  const EvalInputs in = load_eval_inputs(base, tok, text_path, keep_newlines, calib_path, calib_tokens,
                                         opt.max_tokens, opt.window);
  const std::vector<int>& tokens = in.tokens;
  const std::map<std::string, InputGram>& grams = in.grams;
  const int64_t calib_used = in.calib_used;

  LlamaModel quant = base;
  const ResolvedDecomposition d = resolve_decomposition(dec, seed);
  const std::vector<AppliedLayer> applied =
      apply_decomposition(quant, d, include_head, calib_path.empty() ? nullptr : &grams, weighting);
  const EvalStats s = evaluate(base, quant, tokens, opt);

  if (!calib_path.empty()) {
    std::cout << fmt::format("{:<44} {:>10} {:>10}\n", "layer", "weight_err", "output_err");
    for (const auto& l : applied)
      std::cout << fmt::format("{:<44} {:>10.5f} {:>10.5f}\n", l.name, l.weight_error, l.output_error);
  }
  std::cout << fmt::format(
      "itera eval: {} vs full precision, {} tokens in windows of {}\n"
      "  KL divergence  mean {:.6f}  median {:.6f}  p99 {:.6f}  max {:.6f} nats\n"
      "  top-1 agreement {:.3f} %\n"
      "  perplexity      base {:.4f}  compressed {:.4f}  ratio {:.5f}\n"
      "  mean change in P(correct token) {:+.6f}\n",
      d.method->name() + (weighting == WeightingKind::None ? "" : std::string(" (act-aware ") + act_aware + ")"),
      s.tokens, opt.window, s.kl_mean, s.kl_median, s.kl_p99, s.kl_max, s.top1_agreement,
      s.ppl_base, s.ppl_quant, s.ppl_ratio, s.mean_delta_p);
  if (!json_out.empty()) {
    nlohmann::json j = {{"tokens", s.tokens},       {"window", opt.window},       {"method", d.method->name()},
                        {"kl_mean", s.kl_mean},     {"kl_median", s.kl_median},   {"kl_p99", s.kl_p99},
                        {"kl_max", s.kl_max},       {"top1_agreement", s.top1_agreement},
                        {"nll_base", s.nll_base},   {"nll_quant", s.nll_quant},   {"ppl_base", s.ppl_base},
                        {"ppl_quant", s.ppl_quant}, {"ppl_ratio", s.ppl_ratio},   {"mean_delta_p", s.mean_delta_p}};
    j["act_aware"] = act_aware;
    if (!calib_path.empty()) {
      j["calib_tokens"] = calib_used;  // what was captured (the text may be shorter than asked)
      nlohmann::json layers = nlohmann::json::array();
      for (const auto& l : applied)
        layers.push_back({{"name", l.name}, {"weight_error", l.weight_error}, {"output_error", l.output_error}});
      j["layers"] = layers;
    }
    write_file_atomic(json_out, j.dump(2) + "\n");
  }
  return 0;
}

}  // namespace itera::cli
