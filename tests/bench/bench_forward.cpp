// Forward-pass speed of the shared llama2.c models: greedy generation, one token at
// a time with the KV cache, single-threaded and one sequence per core, also with 4-bit
// RTN weights multiplied from their integer codes; and the time of an `itera eval` over
// 16,384 tokens.
//   build/release/tests/bench/itera_bench --benchmark_filter=Forward
// Reads ../shared/data (or $ITERA_DATA_DIR); skips with a message when it is absent.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "eval.h"
#include "llama_model.h"
#include "method.h"
#include "tokenizer.h"

namespace {

std::string data_file(const std::string& rel) {
  const char* env = std::getenv("ITERA_DATA_DIR");
  const std::string p = std::string(env && *env ? env : ITERA_BENCH_DATA_DIR) + "/" + rel;
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? p : std::string();
}

void generate(benchmark::State& state, const std::string& rel) {
  const std::string path = data_file(rel);
  if (path.empty()) {
    state.SkipWithError(("shared data file " + rel + " not found; set ITERA_DATA_DIR").c_str());
    return;
  }
  itera::LlamaModel model(itera::load_llama2c(path));
  const int steps = std::min(256, model.config().seq_len);
  int64_t tokens = 0;
  for (auto _ : state) {
    int token = 1;
    for (int pos = 0; pos < steps; ++pos) token = itera::argmax(model.forward(token, pos));
    tokens += steps;
    benchmark::DoNotOptimize(token);
  }
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

// The same with every linear layer quantized by 4-bit RTN (per channel), kept as integer
// codes as `itera eval` and `itera generate --method rtn` keep them.
void generate_rtn4(benchmark::State& state, const std::string& rel) {
  const std::string path = data_file(rel);
  if (path.empty()) {
    state.SkipWithError(("shared data file " + rel + " not found; set ITERA_DATA_DIR").c_str());
    return;
  }
  itera::LlamaModel model(itera::load_llama2c(path));
  itera::MethodOptions o;
  o.weight.bits = 4;
  for (const auto& l : itera::llama_linear_layers(model.weights()))
    model.set_linear_quantized(l.name, *itera::make_method("rtn")->compress(l.w, o).dense);
  const int steps = std::min(256, model.config().seq_len);
  int64_t tokens = 0;
  for (auto _ : state) {
    int token = 1;
    for (int pos = 0; pos < steps; ++pos) token = itera::argmax(model.forward(token, pos));
    tokens += steps;
    benchmark::DoNotOptimize(token);
  }
  state.counters["code_layers"] = model.quantized_linear_count();
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

// All cores: one independent sequence per hardware thread (a batch of requests);
// tokens/s is the total throughput.
void generate_all_cores(benchmark::State& state, const std::string& rel) {
  const std::string path = data_file(rel);
  if (path.empty()) {
    state.SkipWithError(("shared data file " + rel + " not found; set ITERA_DATA_DIR").c_str());
    return;
  }
  const itera::LlamaModel model(itera::load_llama2c(path));
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int steps = std::min(256, model.config().seq_len);
  int64_t tokens = 0;
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&model, steps]() {
        itera::LlamaModel m = model;
        int token = 1;
        for (int pos = 0; pos < steps; ++pos) token = itera::argmax(m.forward(token, pos));
        benchmark::DoNotOptimize(token);
      });
    for (auto& th : pool) th.join();
    tokens += static_cast<int64_t>(steps) * threads;
  }
  state.counters["threads"] = threads;
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

// `itera eval` over 16,384 tokens of the shared text: 4-bit RTN against full precision,
// windows of 256, all cores.
void BM_EvalStories260K16k(benchmark::State& state) {
  const std::string model_path = data_file("models/stories260K.bin"), tok_path = data_file("models/tok512.bin"),
                    text_path = data_file("text/tinystories-valid-part1.txt");
  if (model_path.empty() || tok_path.empty() || text_path.empty()) {
    state.SkipWithError("shared data not found; set ITERA_DATA_DIR");
    return;
  }
  const itera::LlamaModel base(itera::load_llama2c(model_path));
  const itera::Tokenizer tok = itera::Tokenizer::load(tok_path, base.config().vocab_size);
  std::ifstream in(text_path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<int> tokens = tok.encode(itera::prepare_eval_text(text, false), false, false);
  itera::LlamaModel quant = base;
  itera::MethodOptions o;
  o.weight.bits = 4;
  for (const auto& l : itera::llama_linear_layers(base.weights()))  // integer codes, as `itera eval` keeps them
    quant.set_linear_quantized(l.name, *itera::make_method("rtn")->compress(l.w, o).dense);
  itera::EvalOptions opt;
  opt.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (auto _ : state) {
    const itera::EvalStats s = itera::evaluate(base, quant, tokens, opt);
    benchmark::DoNotOptimize(s.kl_mean);
    state.counters["tokens"] = static_cast<double>(s.tokens);
  }
}

void BM_ForwardStories260K(benchmark::State& s) { generate(s, "models/stories260K.bin"); }
void BM_ForwardBabyLlama(benchmark::State& s) { generate(s, "models/babyllama-c128.bin"); }
void BM_ForwardStories260KRtn4(benchmark::State& s) { generate_rtn4(s, "models/stories260K.bin"); }
void BM_ForwardBabyLlamaRtn4(benchmark::State& s) { generate_rtn4(s, "models/babyllama-c128.bin"); }
void BM_ForwardStories260KAllCores(benchmark::State& s) { generate_all_cores(s, "models/stories260K.bin"); }
void BM_ForwardBabyLlamaAllCores(benchmark::State& s) { generate_all_cores(s, "models/babyllama-c128.bin"); }

}  // namespace

BENCHMARK(BM_ForwardStories260K)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardBabyLlama)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardStories260KRtn4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardBabyLlamaRtn4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardStories260KAllCores)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForwardBabyLlamaAllCores)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EvalStories260K16k)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(2);
