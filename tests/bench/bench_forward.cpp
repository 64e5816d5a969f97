// Forward-pass speed of the shared llama2.c models: greedy generation, one token at
// a time with the KV cache, single-threaded.
//   build/release/tests/bench/itera_bench --benchmark_filter=Forward
// Reads ../shared/data (or $ITERA_DATA_DIR); skips with a message when it is absent.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <sys/stat.h>

#include "llama_model.h"

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

void BM_ForwardStories260K(benchmark::State& s) { generate(s, "models/stories260K.bin"); }
void BM_ForwardBabyLlama(benchmark::State& s) { generate(s, "models/babyllama-c128.bin"); }

}  // namespace

BENCHMARK(BM_ForwardStories260K)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardBabyLlama)->Unit(benchmark::kMillisecond);
