// Decomposition speed on an LLM-sized synthetic matrix (default 4096 x 4096,
// rank 64, 4-bit weights and factors), against a full SVD of the same matrix.
//   build/release/tests/bench/itera_bench --benchmark_filter=Decompose
// ITERA_BENCH_N overrides the size (e.g. 1024 for a quick look). After the
// benchmarks, the program prints each method's time as a fraction of the full SVD.
#include <benchmark/benchmark.h>

#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "bench_matrix.h"
#include "linalg/truncated_svd.h"
#include "method.h"

namespace {

itera::MethodOptions options(const std::string& form) {
  itera::MethodOptions o;
  o.weight.bits = 4;
  o.factor.bits = 4;
  o.rank = 64;
  o.form = itera::parse_form(form);
  o.seed = 7;
  return o;
}

void run_method(benchmark::State& state, const std::string& method, const std::string& form) {
  const auto m = itera::make_method(method);
  const itera::Matrix& w = itera::bench::matrix();
  const auto opts = options(form);
  for (auto _ : state) {
    auto layer = m->compress(w, opts);
    benchmark::DoNotOptimize(layer.low_rank->at.codes.data());
  }
}

void BM_DecomposeItera(benchmark::State& s) { run_method(s, "itera", "factorized"); }
void BM_DecomposeIteraCompensated(benchmark::State& s) { run_method(s, "itera", "compensated"); }
void BM_DecomposeLorc(benchmark::State& s) { run_method(s, "lorc", "factorized"); }
void BM_DecomposeSvd(benchmark::State& s) { run_method(s, "svd", "factorized"); }

void BM_DecomposeFullSvd(benchmark::State& state) {
  const itera::Matrix& w = itera::bench::matrix();
  for (auto _ : state) {
    auto t = itera::exact_truncated_svd(w, 64);
    benchmark::DoNotOptimize(t.sigma.data());
  }
}

}  // namespace

BENCHMARK(BM_DecomposeItera)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_DecomposeIteraCompensated)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_DecomposeLorc)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_DecomposeSvd)->Unit(benchmark::kSecond)->Iterations(3);
BENCHMARK(BM_DecomposeFullSvd)->Unit(benchmark::kSecond)->Iterations(1);

// A reporter that also remembers each benchmark's real time, to print the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) times_[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto full = times_.end();
    for (auto it = times_.begin(); it != times_.end(); ++it)
      if (it->first.find("FullSvd") != std::string::npos) full = it;
    if (full == times_.end()) return;
    std::cout << fmt::format("\nmatrix {0}x{0}, rank 64, 4-bit weights and factors; full SVD (Eigen BDCSVD, float) {1:.3f} s\n",
                             itera::bench::matrix_size(), full->second);
    for (const auto& [name, t] : times_) {
      if (name == full->first) continue;
      std::cout << fmt::format("  {:<45} {:8.3f} s   {:6.4f} x full SVD\n", name, t, t / full->second);
    }
  }

 private:
  std::map<std::string, double> times_;
};

// libsystemc expects sc_main; the benchmarks never start the kernel in-process.
extern "C" int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
