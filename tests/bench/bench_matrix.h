#pragma once
// The LLM-sized synthetic matrix the linear-algebra benchmarks share: n x n, n from
// ITERA_BENCH_N (default 4096), seed 42. Built once per process.
#include <cstdio>
#include <cstdlib>

#include "synthetic.h"

namespace itera::bench {

inline int matrix_size() {
  const char* env = std::getenv("ITERA_BENCH_N");
  if (!env || !*env) return 4096;
  char* end = nullptr;
  const long n = std::strtol(env, &end, 10);
  if (*end != '\0' || n < 16 || n > 16384) {
    std::fprintf(stderr, "ITERA_BENCH_N=%s: expected a whole number from 16 to 16384 (the matrix size)\n", env);
    std::exit(2);
  }
  return static_cast<int>(n);
}

inline const Matrix& matrix() {
  static const Matrix w = synthetic_weight(matrix_size(), matrix_size(), 42);
  return w;
}

}  // namespace itera::bench
