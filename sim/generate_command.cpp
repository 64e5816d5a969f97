// `itera generate`: text from a LLaMA-architecture checkpoint, optionally with its
// linear layers replaced by a decomposition (same options as `itera decompose`).
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "decomposition_options.h"
#include "error.h"
#include "llama2c.h"
#include "llama_hf.h"
#include "llama_model.h"
#include "rng.h"
#include "tokenizer.h"

namespace itera::cli {

namespace {

int sample(const Eigen::VectorXf& logits, float temperature, Rng& rng) {
  if (temperature <= 0.0f) return argmax(logits);
  Eigen::VectorXd p = (logits.cast<double>() / temperature).array();
  p = (p.array() - p.maxCoeff()).exp();
  p /= p.sum();
  const double r = rng.uniform();
  double cum = 0.0;
  for (int i = 0; i < p.size(); ++i) {
    cum += p(i);
    if (r < cum) return i;
  }
  return static_cast<int>(p.size()) - 1;
}

}  // namespace

int run_generate(const std::vector<std::string>& args) {
  std::string model_path, tokenizer_path, prompt;
  int steps = 64;
  float temperature = 0.0f;
  uint64_t seed = 0;
  bool include_head = false;
  DecompositionArgs dec;
  po::options_description desc("itera generate options");
  // clang-format off
  desc.add_options()
    ("model", po::value(&model_path), "llama2.c checkpoint (.bin), or a Hugging Face LLaMA directory (config.json + safetensors)")
    ("tokenizer", po::value(&tokenizer_path), "llama2.c tokenizer (.bin) matching the model's vocabulary")
    ("prompt", po::value(&prompt)->default_value(""), "text to start from (BOS is prepended)")
    ("steps,n", po::value(&steps)->default_value(64), "new tokens to generate (stops early at BOS, as llama2.c does)")
    ("temperature", po::value(&temperature)->default_value(0.0f), "0 = greedy; otherwise sample softmax(logits / T)")
    ("seed", po::value(&seed)->default_value(0), "seed for sampling and for randomized SVDs")
    ("include-head", po::bool_switch(&include_head), "with --method: also compress the classifier");
  // clang-format on
  dec.add_to(desc, "none");
  po::variables_map vm;
  if (!parse_options("generate",
                     "usage: itera generate --model M --tokenizer T --prompt \"...\" [-n N] [--temperature 0]\n"
                     "                      [--method M --bits B --factor-bits FB --rank R ...]",
                     desc, args, vm))
    return 0;
  if (model_path.empty()) throw Error("--model is required");
  if (tokenizer_path.empty()) throw Error("--tokenizer is required");
  if (steps < 0) throw Error(fmt::format("-n must be >= 0 (got {})", steps));
  if (!(temperature >= 0.0f) || !std::isfinite(temperature))
    throw Error(fmt::format("--temperature must be a finite number >= 0 (got {})", temperature));

  LlamaModel model(load_llama(model_path));
  const Tokenizer tok = Tokenizer::load(tokenizer_path, model.config().vocab_size);
  if (dec.method == "none") {
    // Options that only matter with a decomposition must not be silently ignored.
    for (const char* opt : {"bits", "factor-bits", "rank", "granularity", "group", "asym", "factor-group", "form",
                            "loftq-iters", "svd-engine", "include-head"})
      if (vm.count(opt) && !vm[opt].defaulted())
        throw Error(fmt::format("--{} needs --method (rtn, svd, itera, lorc or loftq)", opt));
  } else {
    apply_decomposition(model, resolve_decomposition(dec, seed), include_head);
  }

  const std::vector<int> prompt_tokens = tok.encode(prompt, true, false);
  // In 64 bits: -n may be as large as an int holds.
  const int64_t total_steps = static_cast<int64_t>(prompt_tokens.size()) + steps - 1;
  if (total_steps > model.config().seq_len)
    throw Error(fmt::format("prompt ({} tokens) + {} new tokens exceed the model's sequence length {}",
                            prompt_tokens.size(), steps, model.config().seq_len));
  Rng rng(seed);
  int token = prompt_tokens[0];
  std::string text;
  const auto t0 = std::chrono::steady_clock::now();
  int generated = 0;
  const int total = static_cast<int>(total_steps);
  for (int pos = 0; pos < total; ++pos) {
    const Eigen::VectorXf& logits = require_finite_logits(model.forward(token, pos), pos, "");
    int next;
    if (pos + 1 < static_cast<int>(prompt_tokens.size())) {
      next = prompt_tokens[static_cast<size_t>(pos) + 1];
    } else {
      next = sample(logits, temperature, rng);
      ++generated;
    }
    if (next == 1) break;  // BOS ends a sequence
    const std::string piece = tok.decode(token, next);
    std::cout << piece << std::flush;
    token = next;
  }
  std::cout << "\n";
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << fmt::format("[{} tokens generated, {:.0f} tokens/s]\n", generated, secs > 0 ? generated / secs : 0.0);
  return 0;
}

}  // namespace itera::cli
