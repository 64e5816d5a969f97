#include "block_products.h"

#include <algorithm>
#include <vector>

namespace itera {

namespace {

// 16 floats as one GCC/Clang vector: one AVX-512 register, two AVX2, four SSE; the
// compiler splits it as the target allows.
constexpr int kW = 16;
typedef float Lanes __attribute__((vector_size(kW * sizeof(float))));

inline Lanes load(const float* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Lanes v) { __builtin_memcpy(p, &v, sizeof v); }
inline float hsum(Lanes v) {
  float s = 0.0f;
  for (int k = 0; k < kW; ++k) s += v[k];
  return s;
}

// The rows of R stream from memory (or a shared cache) several at a time, each between
// many FMAs: the hardware prefetcher alone leaves the loads waiting (measured: a pass
// of four vectors over a 4096x4096 matrix took 1.5-1.8x as long without this). Fetches
// kPrefetch floats ahead into all cache levels; prefetches past the end do not fault.
constexpr Eigen::Index kPrefetch = 128;
inline void prefetch(const float* p) { __builtin_prefetch(p + kPrefetch, 0, 3); }

// The helpers below are forced inline: each kernel must compile to one loop nest, as
// if written out, with its accumulators in registers.

// Rows of R handled together by the narrow kernels: enough accumulators to hide FMA
// latency, few enough to stay in registers (4 * Q vectors).
constexpr int kRowsPerPass = 4;

// Calls block(i, TT) on the rows [i, i + TT) of an m-row matrix: blocks of T rows, then
// the remaining rows one at a time (TT an std::integral_constant).
template <int T, typename Block>
[[gnu::always_inline]] inline void for_row_blocks(Eigen::Index m, Block&& block) {
  Eigen::Index i = 0;
  for (; i + T <= m; i += T) block(i, std::integral_constant<int, T>{});
  for (; i < m; ++i) block(i, std::integral_constant<int, 1>{});
}

// Pointers to the rows [i, i + TT) of R.
template <int TT>
[[gnu::always_inline]] inline void row_pointers(const Matrix& r, Eigen::Index i, const float* (&rr)[TT]) {
  for (int t = 0; t < TT; ++t) rr[t] = r.data() + (i + t) * r.cols();
}

// s[t][q] = (row t) . x_q over n columns: 16-wide partial sums (j ascending), summed
// across the lanes, then the columns past the last full vector.
template <int TT, int Q>
[[gnu::always_inline]] inline void dot_rows(const float* const (&rr)[TT], const float* const (&xs)[Q], Eigen::Index n, float (&s)[TT][Q]) {
  const Eigen::Index nv = n - n % kW;
  Lanes acc[TT][Q] = {};
  for (Eigen::Index j = 0; j < nv; j += kW) {
    Lanes rv[TT];
    for (int t = 0; t < TT; ++t) prefetch(rr[t] + j);
    for (int t = 0; t < TT; ++t) rv[t] = load(rr[t] + j);
    for (int q = 0; q < Q; ++q) {
      const Lanes xv = load(xs[q] + j);
      for (int t = 0; t < TT; ++t) acc[t][q] += rv[t] * xv;
    }
  }
  for (int t = 0; t < TT; ++t)
    for (int q = 0; q < Q; ++q) {
      float v = hsum(acc[t][q]);
      for (Eigen::Index j = nv; j < n; ++j) v += rr[t][j] * xs[q][j];
      s[t][q] = v;
    }
}

// z_q += sum_t w[t][q] (row t) over n columns, the rows added in ascending order.
// Prefetch when the rows come from memory; not when a dot_rows just read them.
template <bool Prefetch, int TT, int Q>
[[gnu::always_inline]] inline void axpy_rows(const float* const (&rr)[TT], const float (&w)[TT][Q], float* const (&zs)[Q], Eigen::Index n) {
  const Eigen::Index nv = n - n % kW;
  for (Eigen::Index j = 0; j < nv; j += kW) {
    Lanes rv[TT];
    if (Prefetch)
      for (int t = 0; t < TT; ++t) prefetch(rr[t] + j);
    for (int t = 0; t < TT; ++t) rv[t] = load(rr[t] + j);
    for (int q = 0; q < Q; ++q) {
      Lanes sum = load(zs[q] + j);
      for (int t = 0; t < TT; ++t) sum += w[t][q] * rv[t];
      store(zs[q] + j, sum);
    }
  }
  for (Eigen::Index j = nv; j < n; ++j)
    for (int q = 0; q < Q; ++q)
      for (int t = 0; t < TT; ++t) zs[q][j] += w[t][q] * rr[t][j];
}

// Y[:, c0:c0+Q] = R X[:, c0:c0+Q].
template <int Q>
void multiply_q(const Matrix& r, const ColMatrix& x, Eigen::Index c0, ColMatrix& y) {
  const float* xs[Q];
  for (int q = 0; q < Q; ++q) xs[q] = x.col(c0 + q).data();
  for_row_blocks<kRowsPerPass>(r.rows(), [&](Eigen::Index i, auto tt) {
    constexpr int TT = decltype(tt)::value;
    const float* rr[TT];
    row_pointers(r, i, rr);
    float s[TT][Q];
    dot_rows(rr, xs, r.cols(), s);
    for (int t = 0; t < TT; ++t)
      for (int q = 0; q < Q; ++q) y(i + t, c0 + q) = s[t][q];
  });
}

// Z[:, c0:c0+Q] += R^T U[:, c0:c0+Q].
template <int Q>
void multiply_transposed_q(const Matrix& r, const ColMatrix& u, Eigen::Index c0, ColMatrix& z) {
  float* zs[Q];
  for (int q = 0; q < Q; ++q) zs[q] = z.col(c0 + q).data();
  for_row_blocks<kRowsPerPass>(r.rows(), [&](Eigen::Index i, auto tt) {
    constexpr int TT = decltype(tt)::value;
    const float* rr[TT];
    row_pointers(r, i, rr);
    float w[TT][Q];
    for (int t = 0; t < TT; ++t)
      for (int q = 0; q < Q; ++q) w[t][q] = u(i + t, c0 + q);
    axpy_rows<true>(rr, w, zs, r.cols());
  });
}

// Y[:, c0:c0+Q] = R X - A C and Z[:, c0:c0+Q] += R^T Y in one pass over R: each block
// of rows is used for its dot products, corrected by the deflated terms, then, still
// in cache, for the axpy into Z. Every sum runs in the order of multiply_q and
// multiply_transposed_q (the same two helpers).
template <int Q>
void multiply_both_q(const Matrix& r, const ColMatrix& x, const ColMatrix* corr, Eigen::Index c0, ColMatrix& y,
                     ColMatrix& z) {
  const float* xs[Q];
  float* zs[Q];
  for (int q = 0; q < Q; ++q) {
    xs[q] = x.col(c0 + q).data();
    zs[q] = z.col(c0 + q).data();
  }
  for_row_blocks<kRowsPerPass>(r.rows(), [&](Eigen::Index i, auto tt) {
    constexpr int TT = decltype(tt)::value;
    const float* rr[TT];
    row_pointers(r, i, rr);
    float w[TT][Q];
    dot_rows(rr, xs, r.cols(), w);
    for (int t = 0; t < TT; ++t)
      for (int q = 0; q < Q; ++q) {
        if (corr) w[t][q] -= (*corr)(i + t, c0 + q);
        y(i + t, c0 + q) = w[t][q];
      }
    axpy_rows<false>(rr, w, zs, r.cols());
  });
}

// Runs Kernel<Q> on column chunks of width 4, then the rest.
template <template <int> class Kernel, typename... Args>
void by_chunks(Eigen::Index q, Args&&... args) {
  Eigen::Index c0 = 0;
  for (; c0 + 4 <= q; c0 += 4) Kernel<4>::run(args..., c0);
  switch (q - c0) {
    case 3: Kernel<3>::run(args..., c0); break;
    case 2: Kernel<2>::run(args..., c0); break;
    case 1: Kernel<1>::run(args..., c0); break;
    default: break;
  }
}

template <int Q>
struct Mul {
  static void run(const Matrix& r, const ColMatrix& x, ColMatrix& y, Eigen::Index c0) { multiply_q<Q>(r, x, c0, y); }
};
template <int Q>
struct MulT {
  static void run(const Matrix& r, const ColMatrix& u, ColMatrix& z, Eigen::Index c0) {
    multiply_transposed_q<Q>(r, u, c0, z);
  }
};

template <int Q>
struct MulBoth {
  static void run(const Matrix& r, const ColMatrix& x, const ColMatrix* corr, ColMatrix& y, ColMatrix& z,
                  Eigen::Index c0) {
    multiply_both_q<Q>(r, x, corr, c0, y, z);
  }
};


// Wide blocks (more than 4 vectors): up to W vectors at a time, packed row-major (W
// floats per row, unused lanes zero), one broadcast-and-FMA per element of R; faster
// than several narrow passes.
template <int W = kW>
void pack(const ColMatrix& x, Eigen::Index c0, std::vector<float>& out) {
  const Eigen::Index n = x.rows(), q = std::min<Eigen::Index>(W, x.cols() - c0);
  out.assign(static_cast<size_t>(n) * W, 0.0f);
  for (Eigen::Index c = 0; c < q; ++c)
    for (Eigen::Index j = 0; j < n; ++j) out[static_cast<size_t>(j) * W + c] = x(j, c0 + c);
}

template <int W = kW>
void unpack(const std::vector<float>& in, Eigen::Index c0, ColMatrix& y) {
  const Eigen::Index m = y.rows(), q = std::min<Eigen::Index>(W, y.cols() - c0);
  for (Eigen::Index c = 0; c < q; ++c)
    for (Eigen::Index i = 0; i < m; ++i) y(i, c0 + c) = in[static_cast<size_t>(i) * W + c];
}

// out (row-major, kW floats per row of R) = R X for the packed X: each element of R
// broadcast into the kW vectors at once; j ascending.
void multiply16(const Matrix& r, const float* xp, float* out) {
  const Eigen::Index n = r.cols();
  for_row_blocks<kRowsPerPass>(r.rows(), [&](Eigen::Index i, auto tt) {
    constexpr int TT = decltype(tt)::value;
    const float* rr[TT];
    row_pointers(r, i, rr);
    Lanes acc[TT] = {};
    for (Eigen::Index j = 0; j < n; ++j) {
      const Lanes x = load(xp + j * kW);
      for (int t = 0; t < TT; ++t) acc[t] += rr[t][j] * x;
    }
    for (int t = 0; t < TT; ++t) store(out + (i + t) * kW, acc[t]);
  });
}

// out (row-major, kW floats per column of R) = R^T U for the packed U; rows ascending.
void multiply_transposed16(const Matrix& r, const float* up, float* out) {
  const Eigen::Index n = r.cols();
  std::fill(out, out + n * kW, 0.0f);
  for_row_blocks<kRowsPerPass>(r.rows(), [&](Eigen::Index i, auto tt) {
    constexpr int TT = decltype(tt)::value;
    const float* rr[TT];
    row_pointers(r, i, rr);
    Lanes u[TT];
    for (int t = 0; t < TT; ++t) u[t] = load(up + (i + t) * kW);
    for (Eigen::Index j = 0; j < n; ++j) {
      float* z = out + j * kW;
      Lanes sum = load(z);
      for (int t = 0; t < TT; ++t) sum += rr[t][j] * u[t];
      store(z, sum);
    }
  });
}

// Y = R X - A C and Z = R^T Y for up to W vectors in one pass over R, the vectors
// packed across the lanes of one register (X, Y and Z row-major, W floats per row):
// every element of R is broadcast and multiplied into all W vectors at once. Blocks of
// 8 rows: their dot products first (one accumulator per row), then, with the rows
// still in cache, their axpy into Z. Each sum runs in a fixed order (j ascending for
// Y; rows ascending for Z), so results are deterministic.
template <int W>
void multiply_both_packed(const Matrix& r, const ColMatrix& x, const ColMatrix* corr, Eigen::Index c0, ColMatrix& y,
                          ColMatrix& z, std::vector<float>& xp, std::vector<float>& yp, std::vector<float>& zp) {
  typedef float V __attribute__((vector_size(W * sizeof(float))));
  auto vload = [](const float* p) {
    V v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  };
  auto vstore = [](float* p, V v) { __builtin_memcpy(p, &v, sizeof v); };
  const Eigen::Index m = r.rows(), n = r.cols(), q = std::min<Eigen::Index>(W, x.cols() - c0);
  pack<W>(x, c0, xp);
  yp.resize(static_cast<size_t>(m) * W);  // every row is stored below
  zp.assign(static_cast<size_t>(n) * W, 0.0f);
  // Blocks of 8 rows (one accumulator register per row).
  for_row_blocks<8>(m, [&](Eigen::Index i, auto tt) {
    constexpr int TT = decltype(tt)::value;
    const float* rr[TT];
    row_pointers(r, i, rr);
    V acc[TT] = {};
    Eigen::Index j = 0;
    for (; j + kW <= n; j += kW) {
      for (int t = 0; t < TT; ++t) prefetch(rr[t] + j);
      for (Eigen::Index jj = j; jj < j + kW; ++jj) {
        const V xv = vload(&xp[static_cast<size_t>(jj) * W]);
        for (int t = 0; t < TT; ++t) acc[t] += rr[t][jj] * xv;
      }
    }
    for (; j < n; ++j) {
      const V xv = vload(&xp[static_cast<size_t>(j) * W]);
      for (int t = 0; t < TT; ++t) acc[t] += rr[t][j] * xv;
    }
    for (int t = 0; t < TT; ++t) {
      if (corr)
        for (Eigen::Index c = 0; c < q; ++c) acc[t][c] -= (*corr)(i + t, c0 + c);
      vstore(&yp[static_cast<size_t>(i + t) * W], acc[t]);
    }
    for (j = 0; j < n; ++j) {
      float* zj = &zp[static_cast<size_t>(j) * W];
      V sum = vload(zj);
      for (int t = 0; t < TT; ++t) sum += rr[t][j] * acc[t];
      vstore(zj, sum);
    }
  });
  unpack<W>(yp, c0, y);
  unpack<W>(zp, c0, z);
}

}  // namespace

void multiply(const Matrix& r, const ColMatrix& x, ColMatrix& y) {
  y.resize(r.rows(), x.cols());
  if (x.cols() <= 4) {
    by_chunks<Mul>(x.cols(), r, x, y);
    return;
  }
  std::vector<float> xp, out(static_cast<size_t>(r.rows()) * kW);
  for (Eigen::Index c0 = 0; c0 < x.cols(); c0 += kW) {
    pack(x, c0, xp);
    multiply16(r, xp.data(), out.data());
    unpack(out, c0, y);
  }
}

void multiply_transposed(const Matrix& r, const ColMatrix& u, ColMatrix& z) {
  z.setZero(r.cols(), u.cols());
  if (u.cols() <= 4) {
    by_chunks<MulT>(u.cols(), r, u, z);
    return;
  }
  std::vector<float> up, out(static_cast<size_t>(r.cols()) * kW);
  for (Eigen::Index c0 = 0; c0 < u.cols(); c0 += kW) {
    pack(u, c0, up);
    multiply_transposed16(r, up.data(), out.data());
    unpack(out, c0, z);
  }
}

void multiply_both(const Matrix& r, const ColMatrix& x, const ColMatrix& a, const ColMatrix& c, ColMatrix& y,
                   ColMatrix& z) {
  y.resize(r.rows(), x.cols());
  z.setZero(r.cols(), x.cols());
  // The correction A C in one small product (a per-row loop over A's strided rows
  // would cost as much as the pass over R).
  ColMatrix corr;
  if (a.cols() > 0) corr.noalias() = a * c;
  const ColMatrix* cp = a.cols() > 0 ? &corr : nullptr;
  if (x.cols() <= 4) {
    by_chunks<MulBoth>(x.cols(), r, x, cp, y, z);
    return;
  }
  // Wider blocks: up to 16 vectors per pass over R, packed across the lanes.
  std::vector<float> xp, yp, zp;
  for (Eigen::Index c0 = 0; c0 < x.cols(); c0 += kW) {
    if (x.cols() - c0 <= 8) {
      multiply_both_packed<8>(r, x, cp, c0, y, z, xp, yp, zp);
    } else {
      multiply_both_packed<kW>(r, x, cp, c0, y, z, xp, yp, zp);
    }
  }
}

}  // namespace itera
