// The thin-block products of the subspace solvers (workloads/linalg/block_products.h)
// on an LLM-sized matrix (default 4096 x 4096; ITERA_BENCH_N overrides), by the number
// of vectors q: each pass streams R (64 MiB at 4096^2) from memory once.
//   build/release/tests/bench/itera_bench --benchmark_filter=BlockProduct
#include <benchmark/benchmark.h>

#include "bench_matrix.h"
#include "linalg/block_products.h"
#include "synthetic.h"

namespace {

itera::ColMatrix block(Eigen::Index rows, Eigen::Index q, uint64_t seed) {
  return itera::ColMatrix(itera::synthetic_weight(static_cast<int>(rows), static_cast<int>(q), seed));
}

void BM_BlockProductMultiply(benchmark::State& state) {
  const itera::Matrix& r = itera::bench::matrix();
  const itera::ColMatrix x = block(r.cols(), state.range(0), 1);
  itera::ColMatrix y(r.rows(), x.cols());
  for (auto _ : state) {
    itera::multiply(r, x, y);
    benchmark::DoNotOptimize(y.data());
  }
}

void BM_BlockProductTransposed(benchmark::State& state) {
  const itera::Matrix& r = itera::bench::matrix();
  const itera::ColMatrix u = block(r.rows(), state.range(0), 2);
  itera::ColMatrix z(r.cols(), u.cols());
  for (auto _ : state) {
    itera::multiply_transposed(r, u, z);
    benchmark::DoNotOptimize(z.data());
  }
}

// With 8 deflated terms, as in the middle of a rank-16 decomposition.
void BM_BlockProductBoth(benchmark::State& state) {
  const itera::Matrix& r = itera::bench::matrix();
  const itera::ColMatrix x = block(r.cols(), state.range(0), 3);
  const itera::ColMatrix a = block(r.rows(), 8, 4);
  const itera::ColMatrix c = block(8, state.range(0), 5);
  itera::ColMatrix y, z;
  for (auto _ : state) {
    itera::multiply_both(r, x, a, c, y, z);
    benchmark::DoNotOptimize(z.data());
  }
}

}  // namespace

BENCHMARK(BM_BlockProductMultiply)->Arg(1)->Arg(4)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BlockProductTransposed)->Arg(1)->Arg(4)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BlockProductBoth)->Arg(1)->Arg(4)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);
