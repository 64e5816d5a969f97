#include "forward_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#if ITERA_FWD_KERNELS
#include <immintrin.h>
#endif

namespace itera::fwd {

// Rotary embedding: the products are rounded, then subtracted/added (this file does not
// contract a*b + c into an FMA).
void rope(float* v, int n, int head_dim, const float* cos_row, const float* sin_row) {
  for (int i = 0; i < n; i += 2) {
    const int j = (i % head_dim) / 2;
    const float fcr = cos_row[j], fci = sin_row[j];
    const float v0 = v[i], v1 = v[i + 1];
    v[i] = v0 * fcr - v1 * fci;
    v[i + 1] = v0 * fci + v1 * fcr;
  }
}

bool PackedCodes::packable(const QuantizedMatrix& q) {
  if (q.spec.is_float16() || q.spec.bits > 8 || q.codes.empty()) return false;
  return q.spec.granularity != Granularity::Group || q.spec.group % 16 == 0 || q.spec.group >= q.cols;
}

PackedCodes::PackedCodes(const QuantizedMatrix& q) {
  if (!packable(q)) throw std::invalid_argument("PackedCodes: codes of 2..8 bits, groups a multiple of 16 wide");
  CodeMatrix& m = m_;
  m.rows = q.rows;
  m.cols = q.cols;
  m.asymmetric = !q.spec.symmetric;
  m.per_tensor = q.scale_rows == 1 && q.scale_cols == 1;
  m.group = q.spec.granularity == Granularity::Group ? std::min(q.spec.group, q.cols) : q.cols;
  const int multi = q.rows - q.rows % 2, full = q.cols / 16 * 16;
  m.padded_rows = std::max(16, (q.rows + 15) / 16 * 16);
  codes_.resize(q.codes.size());
  for (size_t i = 0; i < q.codes.size(); ++i)  // int8 (symmetric) or uint8 (asymmetric) bits
    codes_[i] = static_cast<unsigned char>(q.codes[i] & 0xff);
  // Codes of 4 bits or fewer are looked up in a table of the 16 values per row and group:
  // the tiles then hold code + lut_bias, in 0..15.
  const bool lut = q.spec.bits <= 4;
  m.lut_bias = lut && q.spec.symmetric ? 8 : 0;
  // Tiles of 16 rows x 16 columns, and the rows' last cols % 16 codes transposed; rows
  // past the last even one repeat it.
  const int rem = q.cols - full;
  tiles_.resize(static_cast<size_t>(m.padded_rows) * full);
  tails_.resize(static_cast<size_t>(m.padded_rows) * rem);
  unsigned char* t = tiles_.data();
  unsigned char* tt = tails_.data();
  auto code = [&](int r, int c) { return static_cast<unsigned char>(q.code(std::min(r, multi - 1), c)); };
  for (int r = 0; r < multi; r += 16) {
    for (int j = 0; j < full; j += 16)
      for (int i = 0; i < 16; ++i)
        for (int k = 0; k < 16; ++k, ++t) *t = static_cast<unsigned char>(code(r + i, j + k) + m.lut_bias);
    for (int k = 0; k < rem; ++k)
      for (int i = 0; i < 16; ++i, ++tt) *tt = code(r + i, full + k);
  }
  // Scales (and -z s) by column group, then row; the rows past the last repeat the last
  // even row's (as its tiles do).
  const int scale_rows = m.per_tensor ? 1 : m.padded_rows;
  auto source = [&](int g, int r) {
    const int row = m.per_tensor ? 0 : (r < q.rows ? r : std::max(0, multi - 1));
    return static_cast<size_t>(row) * q.scale_cols + g;
  };
  scales_.resize(static_cast<size_t>(q.scale_cols) * scale_rows);
  if (m.asymmetric) offsets_.resize(scales_.size());
  if (lut) lut_.resize(scales_.size() * 16);
  for (int g = 0; g < q.scale_cols; ++g)
    for (int r = 0; r < scale_rows; ++r) {
      const size_t from = source(g, r), to = static_cast<size_t>(g) * scale_rows + r;
      const float s = q.scales[from];
      const int z = q.zeros.empty() ? 0 : q.zeros[from];
      scales_[to] = s;
      if (m.asymmetric) offsets_[to] = -(static_cast<float>(z) * s);
      // The table holds exactly what dequantize() computes: s * float(code - z).
      if (lut)
        for (int k = 0; k < 16; ++k) lut_[to * 16 + k] = s * static_cast<float>(k - m.lut_bias - z);
    }
  m.tiles = tiles_.data();
  m.tails = tails_.data();
  m.codes = codes_.data();
  m.scales = scales_.data();
  m.offsets = m.asymmetric ? offsets_.data() : nullptr;
  m.lut = lut ? lut_.data() : nullptr;
}

CodeMatrix PackedCodes::view() const { return m_; }

#if ITERA_FWD_KERNELS

namespace {

// ---------------------------------------------------------------------------------------
// exp: the expf algorithm of ARM's optimized-routines that glibc uses since 2.27, as
// glibc's FMA build evaluates it. In double precision: with N = 32,
//   z = x N / ln 2 = k + r (k integer, |r| <= 1/2),  exp(x) = 2^(k/N) 2^(r/N),
//   2^(k/N) = T[k mod N] with k / N added to its exponent,
//   2^(r/N) ~ C0 r^3 + C1 r^2 + C2 r + 1, rounded to float once at the end.
// The FMA build fuses x * N/ln2 into both the rounding add and r, and evaluates the
// polynomial as fma(fma(C0, r, C1), r*r, fma(C2, r, 1)).
constexpr double kInvLn2N = 0x1.71547652b82fep+5;  // N / ln 2
constexpr double kShift = 0x1.8p+52;                // rounds to an integer in the low mantissa bits
constexpr double kC0 = 0x1.c6af84b912394p-20, kC1 = 0x1.ebfce50fac4f3p-13, kC2 = 0x1.62e42ff0c52d6p-6;
// T[i] = bits(2^(i/32)) - (i << 47): the bits of 2^(i/32), less i/32 in the exponent field.
alignas(64) constexpr uint64_t kExpTable[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540};
// |x| >= 88 (top 12 bits of the float, sign cleared, >= those of 88.0f), infinities and
// NaN take the library's special-case code: those lanes call std::exp.
constexpr int kExpSpecialTop = 0x42b;

inline __m512d exp_main8(__m512d xd) {
  const __m512d inv_ln2n = _mm512_set1_pd(kInvLn2N), shift = _mm512_set1_pd(kShift);
  const __m512d kd_shifted = _mm512_fmadd_pd(inv_ln2n, xd, shift);
  const __m512i ki = _mm512_castpd_si512(kd_shifted);
  const __m512d kd = _mm512_sub_pd(kd_shifted, shift);
  const __m512d r = _mm512_fmsub_pd(inv_ln2n, xd, kd);
  // T[ki % 32]: two 16-entry permutes, chosen by bit 4.
  const __m512d t0 = _mm512_load_pd(reinterpret_cast<const double*>(kExpTable));
  const __m512d t1 = _mm512_load_pd(reinterpret_cast<const double*>(kExpTable + 8));
  const __m512d t2 = _mm512_load_pd(reinterpret_cast<const double*>(kExpTable + 16));
  const __m512d t3 = _mm512_load_pd(reinterpret_cast<const double*>(kExpTable + 24));
  const __m512i lo = _mm512_castpd_si512(_mm512_permutex2var_pd(t0, ki, t1));
  const __m512i hi = _mm512_castpd_si512(_mm512_permutex2var_pd(t2, ki, t3));
  const __mmask8 upper = _mm512_test_epi64_mask(ki, _mm512_set1_epi64(16));
  const __m512i t = _mm512_add_epi64(_mm512_mask_blend_epi64(upper, lo, hi), _mm512_slli_epi64(ki, 47));
  const __m512d s = _mm512_castsi512_pd(t);
  const __m512d z = _mm512_fmadd_pd(_mm512_set1_pd(kC0), r, _mm512_set1_pd(kC1));
  const __m512d r2 = _mm512_mul_pd(r, r);
  __m512d y = _mm512_fmadd_pd(_mm512_set1_pd(kC2), r, _mm512_set1_pd(1.0));
  y = _mm512_fmadd_pd(z, r2, y);
  return _mm512_mul_pd(y, s);
}

// std::exp of 16 floats.
inline __m512 exp16_vector(__m512 x) {
  const __m256 lo = _mm512_cvtpd_ps(exp_main8(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 0))));
  const __m256 hi = _mm512_cvtpd_ps(exp_main8(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1))));
  __m512 r = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
  const __m512i top = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(x), 20), _mm512_set1_epi32(0x7ff));
  const __mmask16 special = _mm512_cmpge_epu32_mask(top, _mm512_set1_epi32(kExpSpecialTop));
  if (special) {
    alignas(64) float in[16], out[16];
    _mm512_store_ps(in, x);
    _mm512_store_ps(out, r);
    for (int i = 0; i < 16; ++i)
      if (special & (1u << i)) out[i] = std::exp(in[i]);
    r = _mm512_load_ps(out);
  }
  return r;
}

bool check_exp() {
  // Every 65,537th float bit pattern (all exponents, both signs, NaN and infinities) and
  // 4096 floats around +1 and -1.
  alignas(64) float in[16], got[16];
  int n = 0;
  bool ok = true;
  auto flush = [&]() {
    _mm512_store_ps(got, exp16_vector(_mm512_load_ps(in)));
    for (int i = 0; i < 16; ++i) {
      const float want = std::exp(in[i]);
      ok = ok && std::memcmp(&want, &got[i], sizeof want) == 0;
    }
    n = 0;
  };
  auto add = [&](uint32_t bits) {
    std::memcpy(&in[n++], &bits, sizeof bits);
    if (n == 16) flush();
  };
  for (uint64_t b = 0; b <= 0xffffffffu; b += 65537) add(static_cast<uint32_t>(b));
  for (uint32_t b = 0; b < 4096; ++b) {
    add(0x3f800000u - 2048u + b);  // around +-1
    add(0xbf800000u - 2048u + b);
  }
  while (n != 0) add(0);
  return ok;
}

inline __m512 exp16(__m512 x) {
  if (exp_is_exact()) return exp16_vector(x);
  alignas(64) float v[16];
  _mm512_store_ps(v, x);
  for (float& e : v) e = std::exp(e);
  return _mm512_load_ps(v);
}

inline __mmask16 tail_mask(int n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1u); }

// ---------------------------------------------------------------------------------------
// Sums in Eigen's order.

// Eigen's predux of a 16-float packet: lanes i + (i+8), then + (i+4), then (0+2) + (1+3).
// reduce16 does it for 16 packets at once, one result lane per packet, in order.
inline __m512 reduce16(const __m512 (&a)[16]) {
  __m512 b[8], c[4], d[2];
  for (int m = 0; m < 8; ++m)
    b[m] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * m], a[2 * m + 1], 0x44),
                         _mm512_shuffle_f32x4(a[2 * m], a[2 * m + 1], 0xee));
  for (int p = 0; p < 4; ++p)
    c[p] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * p], b[2 * p + 1], 0x88),
                         _mm512_shuffle_f32x4(b[2 * p], b[2 * p + 1], 0xdd));
  // c[p], 128-bit lane L: the four partial sums of packet 4p + L.
  for (int p = 0; p < 2; ++p)
    d[p] = _mm512_add_ps(_mm512_shuffle_ps(c[2 * p], c[2 * p + 1], 0x44),
                         _mm512_shuffle_ps(c[2 * p], c[2 * p + 1], 0xee));
  // d[p], 128-bit lane L: (v0, v1) of packets 8p + L and 8p + 4 + L.
  const __m512 e = _mm512_add_ps(_mm512_shuffle_ps(d[0], d[1], 0x88), _mm512_shuffle_ps(d[0], d[1], 0xdd));
  // e[4L + k] is packet 4k + L.
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_ps(order, e);
}

inline float predux4(__m128 v) {
  const __m128 t = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// The GEMV's tail after the full packets of the rows in blocks of 2, 4 or 8 (the n < 16
// last columns): 8 rounded products added in order when 8 remain, then FMAs. For 16 rows
// at once (lane i: row i), w(k) being tail column k of the 16 rows.
template <class W>
inline __m512 gemv_tail16(__m512 s, W w, const float* x, int n) {
  int k = 0;
  if (n >= 8)
    for (; k < 8; ++k) s = _mm512_add_ps(s, _mm512_mul_ps(w(k), _mm512_set1_ps(x[k])));
  for (; k < n; ++k) s = _mm512_fmadd_ps(w(k), _mm512_set1_ps(x[k]), s);
  return s;
}

// The last row of a GEMV with an odd row count: full packets, then one half packet
// (8 floats), one quarter packet (4), each reduced and added, then FMAs.
float gemv_single_row(const float* w, int cols, const float* x) {
  const int full = cols / 16 * 16;
  __m512 acc = _mm512_setzero_ps();
  for (int j = 0; j < full; j += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(w + j), _mm512_loadu_ps(x + j), acc);
  const __m256 a8 = _mm256_add_ps(_mm512_extractf32x8_ps(acc, 0), _mm512_extractf32x8_ps(acc, 1));
  float s = predux4(_mm_add_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1)));
  int k = full;
  if (cols - k >= 8) {
    const __m256 h = _mm256_fmadd_ps(_mm256_loadu_ps(w + k), _mm256_loadu_ps(x + k), _mm256_setzero_ps());
    s = s + predux4(_mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
    k += 8;
  }
  if (cols - k >= 4) {
    const __m128 q = _mm_fmadd_ps(_mm_loadu_ps(w + k), _mm_loadu_ps(x + k), _mm_setzero_ps());
    s = s + predux4(q);
    k += 4;
  }
  for (; k < cols; ++k) s = std::fma(w[k], x[k], s);
  return s + 0.0f;  // Eigen adds alpha * s to a zeroed result
}

// ---------------------------------------------------------------------------------------
// Attention.

// The dot product k . q of length n, in the order of Eigen's dot() as compiled here, for
// 16 positions at once (k(i): element i of the 16 keys, q(i): element i broadcast).
template <class K, class Q>
inline __m512 dot16(int n, K k, Q q) {
  if (n < 16) {  // too short for a packet: a scalar loop, GCC-vectorised in order
    __m512 d = _mm512_mul_ps(k(0), q(0));
    int i = 1;
    if (n >= 9)
      for (; i < 9; ++i) d = _mm512_add_ps(d, _mm512_mul_ps(k(i), q(i)));
    if (n - i >= 4)
      for (const int e = i + 4; i < e; ++i) d = _mm512_add_ps(d, _mm512_mul_ps(k(i), q(i)));
    for (; i < n; ++i) d = _mm512_fmadd_ps(k(i), q(i), d);
    return d;
  }
  const int aligned = n / 16 * 16, aligned2 = n / 32 * 32;
  __m512 r0[16];
  for (int l = 0; l < 16; ++l) r0[l] = _mm512_mul_ps(k(l), q(l));
  if (aligned > 16) {
    __m512 r1[16];
    for (int l = 0; l < 16; ++l) r1[l] = _mm512_mul_ps(k(16 + l), q(16 + l));
    for (int idx = 32; idx < aligned2; idx += 32)
      for (int l = 0; l < 16; ++l) {
        r0[l] = _mm512_fmadd_ps(k(idx + l), q(idx + l), r0[l]);
        r1[l] = _mm512_fmadd_ps(k(idx + 16 + l), q(idx + 16 + l), r1[l]);
      }
    for (int l = 0; l < 16; ++l) r0[l] = _mm512_add_ps(r0[l], r1[l]);
    if (aligned > aligned2)
      for (int l = 0; l < 16; ++l) r0[l] = _mm512_fmadd_ps(k(aligned2 + l), q(aligned2 + l), r0[l]);
  }
  __m512 s[8], u[4];
  for (int l = 0; l < 8; ++l) s[l] = _mm512_add_ps(r0[l], r0[l + 8]);
  for (int l = 0; l < 4; ++l) u[l] = _mm512_add_ps(s[l], s[l + 4]);
  __m512 d = _mm512_add_ps(_mm512_add_ps(u[0], u[2]), _mm512_add_ps(u[1], u[3]));
  int i = aligned;
  if (n - i >= 8)
    for (const int e = i + 8; i < e; ++i) d = _mm512_add_ps(d, _mm512_mul_ps(k(i), q(i)));
  for (; i < n; ++i) d = _mm512_fmadd_ps(k(i), q(i), d);
  return d;
}

// Scores of the heads of one KV group for positions 0..n-1 (HS > 0: head_dim fixed at
// compile time, keys held in registers; HS == 0: any head_dim).
template <int HS>
void scores(const AttentionShape& s, int g, const float* q, const float* kt, int n, float scale, float* att) {
  const int hs = HS > 0 ? HS : s.head_dim, kv_mul = s.n_heads / s.n_kv_heads;
  const float* kg = kt + static_cast<size_t>(g) * hs * s.stride;
  const __m512 vscale = _mm512_set1_ps(scale);
  for (int t0 = 0; t0 < n; t0 += 16) {
    if constexpr (HS > 0) {
      __m512 kk[HS];
      for (int i = 0; i < HS; ++i) kk[i] = _mm512_loadu_ps(kg + static_cast<size_t>(i) * s.stride + t0);
      for (int h = g * kv_mul; h < (g + 1) * kv_mul; ++h) {
        const float* qh = q + h * HS;
        const __m512 d = dot16(
            HS, [&](int i) { return kk[i]; }, [&](int i) { return _mm512_set1_ps(qh[i]); });
        _mm512_storeu_ps(att + static_cast<size_t>(h) * s.stride + t0, _mm512_mul_ps(d, vscale));
      }
    } else {
      for (int h = g * kv_mul; h < (g + 1) * kv_mul; ++h) {
        const float* qh = q + h * hs;
        const __m512 d = dot16(
            hs, [&](int i) { return _mm512_loadu_ps(kg + static_cast<size_t>(i) * s.stride + t0); },
            [&](int i) { return _mm512_set1_ps(qh[i]); });
        _mm512_storeu_ps(att + static_cast<size_t>(h) * s.stride + t0, _mm512_mul_ps(d, vscale));
      }
    }
  }
}

// Softmax sums of H heads side by side, each in position order from 0.
template <int H>
void softmax_sums(const float* att, int stride, int n, float* sums) {
  float acc[H];
  for (int h = 0; h < H; ++h) acc[h] = 0.0f;
  for (int t = 0; t < n; ++t)
    for (int h = 0; h < H; ++h) acc[h] += att[static_cast<size_t>(h) * stride + t];
  for (int h = 0; h < H; ++h) sums[h] = acc[h];
}

// One accumulator of the value sum: 16 (or fewer) lanes of one head's output.
struct VLane {
  const float* att;  // the head's softmax row
  int v_off;         // offset in a value row
  int out_off;       // offset in out
  __mmask16 mask;
};

template <int G>
void accumulate_values(const VLane* lanes, const float* v, int kv_dim, int n, float* out) {
  __m512 acc[G];
  for (int g = 0; g < G; ++g) acc[g] = _mm512_setzero_ps();
  for (int t = 0; t < n; ++t) {
    const float* row = v + static_cast<size_t>(t) * kv_dim;
    for (int g = 0; g < G; ++g)
      acc[g] = _mm512_fmadd_ps(_mm512_set1_ps(lanes[g].att[t]),
                               _mm512_maskz_loadu_ps(lanes[g].mask, row + lanes[g].v_off), acc[g]);
  }
  for (int g = 0; g < G; ++g) _mm512_mask_storeu_ps(out + lanes[g].out_off, lanes[g].mask, acc[g]);
}

// The value sum for head_dim 8 (Lanes8) or 16 (Lanes16) and KVM query heads per KV
// head, 8 heads at a time: one accumulator per head, each KV slice loaded once per position.
struct Lanes8 {
  static constexpr int kWidth = 8;
  using T = __m256;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T fma(float a, T v, T acc) { return _mm256_fmadd_ps(_mm256_set1_ps(a), v, acc); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
};
struct Lanes16 {
  static constexpr int kWidth = 16;
  using T = __m512;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T fma(float a, T v, T acc) { return _mm512_fmadd_ps(_mm512_set1_ps(a), v, acc); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
};

template <class L, int KVM>
void values_fixed(const AttentionShape& s, const float* att, const float* v, int n, float* out) {
  constexpr int kHeads = 8, kSlices = kHeads / KVM, hs = L::kWidth;
  const int kv_dim = s.n_kv_heads * hs;
  for (int h0 = 0; h0 < s.n_heads; h0 += kHeads) {
    const float* a[kHeads];
    for (int h = 0; h < kHeads; ++h) a[h] = att + static_cast<size_t>(h0 + h) * s.stride;
    const float* vbase = v + (h0 / KVM) * hs;
    typename L::T acc[kHeads];
    for (int h = 0; h < kHeads; ++h) acc[h] = L::zero();
    for (int t = 0; t < n; ++t) {
      const float* row = vbase + static_cast<size_t>(t) * kv_dim;
      typename L::T vs[kSlices];
      for (int j = 0; j < kSlices; ++j) vs[j] = L::load(row + j * hs);
      for (int h = 0; h < kHeads; ++h) acc[h] = L::fma(a[h][t], vs[h / KVM], acc[h]);
    }
    for (int h = 0; h < kHeads; ++h) L::store(out + (h0 + h) * hs, acc[h]);
  }
}

template <class L>
bool values_fixed_kvm(const AttentionShape& s, const float* att, const float* v, int n, float* out) {
  switch (s.n_heads / s.n_kv_heads) {
    case 1: values_fixed<L, 1>(s, att, v, n, out); return true;
    case 2: values_fixed<L, 2>(s, att, v, n, out); return true;
    case 4: values_fixed<L, 4>(s, att, v, n, out); return true;
    case 8: values_fixed<L, 8>(s, att, v, n, out); return true;
    default: return false;
  }
}

}  // namespace

bool exp_is_exact() {
  static const bool exact = check_exp();
  return exact;
}

void exp_inplace(float* x, int n) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, m, exp16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void swiglu(float* h, const float* u, int n) {
  const __m512 one = _mm512_set1_ps(1.0f), sign = _mm512_set1_ps(-0.0f);
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 g = _mm512_maskz_loadu_ps(m, h + i);
    const __m512 e = exp16(_mm512_xor_ps(g, sign));
    const __m512 r = _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), _mm512_maskz_loadu_ps(m, u + i));
    _mm512_mask_storeu_ps(h + i, m, r);
  }
}

void gemv(const float* w, int rows, int cols, const float* x, float* y) {
  const int full = cols / 16 * 16;
  const int multi = rows - rows % 2;  // Eigen's blocks of 8/4/2 rows; an odd last row is apart
  const size_t row_bytes = static_cast<size_t>(cols) * sizeof(float);
  for (int r = 0; r < multi; r += 16) {
    const int count = std::min(16, multi - r);
    __m512 acc[16];
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
    const char* base = reinterpret_cast<const char*>(w + static_cast<size_t>(r) * cols);
    if (count == 16) {
      // Rows 4q..4q+3 addressed from one pointer per quarter: base + {0, 1, 2, 3} * row_bytes.
      const size_t s1 = row_bytes, s2 = 2 * row_bytes, s3 = 3 * row_bytes;
      const char* b[4] = {base, base + 4 * s1, base + 8 * s1, base + 12 * s1};
      for (int j = 0; j < full; j += 16) {
        const __m512 xv = _mm512_loadu_ps(x + j);
        const size_t o = static_cast<size_t>(j) * sizeof(float);
        for (int q = 0; q < 4; ++q) {
          const char* p = b[q] + o;
          acc[4 * q] = _mm512_fmadd_ps(_mm512_loadu_ps(reinterpret_cast<const float*>(p)), xv, acc[4 * q]);
          acc[4 * q + 1] = _mm512_fmadd_ps(_mm512_loadu_ps(reinterpret_cast<const float*>(p + s1)), xv, acc[4 * q + 1]);
          acc[4 * q + 2] = _mm512_fmadd_ps(_mm512_loadu_ps(reinterpret_cast<const float*>(p + s2)), xv, acc[4 * q + 2]);
          acc[4 * q + 3] = _mm512_fmadd_ps(_mm512_loadu_ps(reinterpret_cast<const float*>(p + s3)), xv, acc[4 * q + 3]);
        }
      }
    } else {  // the last, partial group: its last row stands in for the missing ones
      const float* rp[16];
      for (int i = 0; i < 16; ++i) rp[i] = w + static_cast<size_t>(r + std::min(i, count - 1)) * cols;
      for (int j = 0; j < full; j += 16) {
        const __m512 xv = _mm512_loadu_ps(x + j);
        for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(_mm512_loadu_ps(rp[i] + j), xv, acc[i]);
      }
    }
    __m512 sums = reduce16(acc);
    if (full < cols) {  // the rows' last columns, gathered 16 rows at a time
      const __m512i offsets = _mm512_mullo_epi32(
          _mm512_min_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(count - 1)),
          _mm512_set1_epi32(cols));
      const float* tail = w + static_cast<size_t>(r) * cols + full;
      sums = gemv_tail16(sums, [&](int k) { return _mm512_i32gather_ps(offsets, tail + k, 4); }, x + full, cols - full);
    }
    _mm512_mask_storeu_ps(y + r, tail_mask(count), _mm512_add_ps(sums, _mm512_setzero_ps()));  // Eigen adds to a zeroed result
  }
  if (rows % 2) y[rows - 1] = gemv_single_row(w + static_cast<size_t>(rows - 1) * cols, cols, x);
}

namespace {

// 16 weights s (code - z) from 16 code bytes (the first n): int -> float, then one
// multiply by s, or (asymmetric) one FMA with -(z s); both exact.
std::vector<float>& code_scratch(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf;
}

template <bool Asym>
inline __m512 dequantize16(__m128i raw, __m512 scale, __m512 offset) {
  const __m512 f = _mm512_cvtepi32_ps(Asym ? _mm512_cvtepu8_epi32(raw) : _mm512_cvtepi8_epi32(raw));
  if constexpr (Asym) return _mm512_fmadd_ps(f, scale, offset);
  return _mm512_mul_ps(f, scale);
}

inline size_t code_scale_index(const CodeMatrix& m, int r, int c) {
  return m.per_tensor ? 0 : static_cast<size_t>(c / m.group) * static_cast<size_t>(m.padded_rows) + r;
}

// Row r, columns [c0, c0 + n) (n <= 16, within one scale group) dequantized into out[0..n).
template <bool Asym>
inline void dequantize_span(const CodeMatrix& m, int r, int c0, int n, float* out) {
  const size_t si = code_scale_index(m, r, c0);
  const __mmask16 mask = tail_mask(n);
  const __m128i raw = _mm_maskz_loadu_epi8(mask, m.codes + static_cast<size_t>(r) * m.cols + c0);
  const __m512 w = dequantize16<Asym>(raw, _mm512_set1_ps(m.scales[si]), _mm512_set1_ps(Asym ? m.offsets[si] : 0.0f));
  _mm512_mask_storeu_ps(out, mask, w);
}

// Rows r..r+count-1 of y from their full-packet sums: the tails (codes transposed, 16
// rows a lane each), then the store.
template <bool Asym>
void store_code_rows(const CodeMatrix& m, int r, int count, __m512 sums, const float* x, float* y) {
  const int full = m.cols / 16 * 16, rem = m.cols - full;
  if (rem > 0) {
    const size_t si = m.per_tensor ? 0 : static_cast<size_t>(full / m.group) * m.padded_rows + r;
    const __m512 scale = m.per_tensor ? _mm512_set1_ps(m.scales[0]) : _mm512_loadu_ps(m.scales + si);
    const __m512 offset = !Asym ? _mm512_setzero_ps()
                                : m.per_tensor ? _mm512_set1_ps(m.offsets[0]) : _mm512_loadu_ps(m.offsets + si);
    const unsigned char* tail = m.tails + static_cast<size_t>(r) * rem;
    sums = gemv_tail16(
        sums,
        [&](int k) {
          return dequantize16<Asym>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tail + 16 * k)), scale, offset);
        },
        x + full, rem);
  }
  _mm512_mask_storeu_ps(y + r, tail_mask(count), _mm512_add_ps(sums, _mm512_setzero_ps()));
}

// The last row when the row count is odd (Eigen's single-row code): dequantized, then
// the float kernel.
template <bool Asym>
void code_single_row(const CodeMatrix& m, const float* x, float* y) {
  std::vector<float>& buf = code_scratch(static_cast<size_t>(m.cols));
  for (int c = 0; c < m.cols; c += 16) dequantize_span<Asym>(m, m.rows - 1, c, std::min(16, m.cols - c), buf.data() + c);
  y[m.rows - 1] = gemv_single_row(buf.data(), m.cols, x);
}

template <bool Asym, bool PerTensor>
void gemv_codes_impl(const CodeMatrix& m, const float* x, float* y) {
  const int rows = m.rows, cols = m.cols, full = cols / 16 * 16, multi = rows - rows % 2;
  const __m512 tensor_scale = _mm512_set1_ps(m.scales[0]);
  const __m512 tensor_offset = _mm512_set1_ps(Asym ? m.offsets[0] : 0.0f);
  const unsigned char* tile = m.tiles;
  for (int r = 0; r < multi; r += 16) {
    const int count = std::min(16, multi - r);
    __m512 acc[16];
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
    for (int g0 = 0, g = 0; g0 < full; g0 += m.group, ++g) {
      // The 16 rows' scales of this column group, one after the other.
      const size_t si = PerTensor ? 0 : static_cast<size_t>(g) * static_cast<size_t>(m.padded_rows) + r;
      const float* sc = m.scales + si;
      const float* of = Asym ? m.offsets + si : m.scales;
      for (int j = g0, end = std::min(full, g0 + m.group); j < end; j += 16, tile += 256) {
        const __m512 xv = _mm512_loadu_ps(x + j);
        for (int i = 0; i < 16; ++i) {
          const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tile + 16 * i));
          const __m512 w = PerTensor ? dequantize16<Asym>(raw, tensor_scale, tensor_offset)
                                     : dequantize16<Asym>(raw, _mm512_set1_ps(sc[i]), _mm512_set1_ps(Asym ? of[i] : 0.0f));
          acc[i] = _mm512_fmadd_ps(w, xv, acc[i]);
        }
      }
    }
    store_code_rows<Asym>(m, r, count, reduce16(acc), x, y);
  }
  if (rows % 2) code_single_row<Asym>(m, x, y);
}

}  // namespace

namespace {

// Codes of 4 bits or fewer: each weight is a lookup in its row's (and group's) table of
// the 16 values s (k - bias - z).
template <bool PerTensor>
void gemv_codes_lut(const CodeMatrix& m, const float* x, float* y) {
  const int rows = m.rows, cols = m.cols, full = cols / 16 * 16, multi = rows - rows % 2;
  const unsigned char* tile = m.tiles;
  for (int r = 0; r < multi; r += 16) {
    const int count = std::min(16, multi - r);
    __m512 acc[16];
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
    for (int g0 = 0, g = 0; g0 < full; g0 += m.group, ++g) {
      // The 16 rows' tables of this column group, one after the other (one table per tensor).
      const float* tab = PerTensor ? m.lut : m.lut + (static_cast<size_t>(g) * m.padded_rows + r) * 16;
      for (int j = g0, end = std::min(full, g0 + m.group); j < end; j += 16, tile += 256) {
        const __m512 xv = _mm512_loadu_ps(x + j);
        for (int i = 0; i < 16; ++i) {
          const __m512i idx = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tile + 16 * i)));
          const __m512 w = _mm512_permutexvar_ps(idx, _mm512_loadu_ps(tab + (PerTensor ? 0 : 16 * i)));
          acc[i] = _mm512_fmadd_ps(w, xv, acc[i]);
        }
      }
    }
    if (m.asymmetric)
      store_code_rows<true>(m, r, count, reduce16(acc), x, y);
    else
      store_code_rows<false>(m, r, count, reduce16(acc), x, y);
  }
  if (rows % 2) {
    if (m.asymmetric)
      code_single_row<true>(m, x, y);
    else
      code_single_row<false>(m, x, y);
  }
}

}  // namespace

void gemv_codes(const CodeMatrix& m, const float* x, float* y) {
  if (m.lut)
    (m.per_tensor ? gemv_codes_lut<true> : gemv_codes_lut<false>)(m, x, y);
  else if (m.asymmetric)
    (m.per_tensor ? gemv_codes_impl<true, true> : gemv_codes_impl<true, false>)(m, x, y);
  else
    (m.per_tensor ? gemv_codes_impl<false, true> : gemv_codes_impl<false, false>)(m, x, y);
}

void attention(const AttentionShape& s, const float* q, const float* kt, const float* v, int pos, float scale,
               float* att, float* out) {
  const int n = pos + 1, hs = s.head_dim, kv_dim = s.n_kv_heads * hs;
  for (int g = 0; g < s.n_kv_heads; ++g) {
    if (hs == 8)
      scores<8>(s, g, q, kt, n, scale, att);
    else if (hs == 16)
      scores<16>(s, g, q, kt, n, scale, att);
    else
      scores<0>(s, g, q, kt, n, scale, att);
  }
  // Softmax: exp(x - max), sums in position order, division.
  const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (int h = 0; h < s.n_heads; ++h) {
    float* a = att + static_cast<size_t>(h) * s.stride;
    __m512 mx = neg_inf;
    for (int t = 0; t < n; t += 16) mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(neg_inf, tail_mask(n - t), a + t));
    const __m512 vmax = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    for (int t = 0; t < n; t += 16) {
      const __mmask16 m = tail_mask(n - t);
      _mm512_mask_storeu_ps(a + t, m, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + t), vmax)));
    }
  }
  float sums[8];
  for (int h0 = 0; h0 < s.n_heads;) {
    const int left = s.n_heads - h0;
    const float* a = att + static_cast<size_t>(h0) * s.stride;
    int block;
    if (left >= 8) {
      softmax_sums<8>(a, s.stride, n, sums);
      block = 8;
    } else if (left >= 4) {
      softmax_sums<4>(a, s.stride, n, sums);
      block = 4;
    } else if (left >= 2) {
      softmax_sums<2>(a, s.stride, n, sums);
      block = 2;
    } else {
      softmax_sums<1>(a, s.stride, n, sums);
      block = 1;
    }
    for (int b = 0; b < block; ++b) {
      float* row = att + static_cast<size_t>(h0 + b) * s.stride;
      const __m512 vs = _mm512_set1_ps(sums[b]);
      for (int t = 0; t < n; t += 16) {
        const __mmask16 m = tail_mask(n - t);
        _mm512_mask_storeu_ps(row + t, m, _mm512_div_ps(_mm512_maskz_loadu_ps(m, row + t), vs));
      }
    }
    h0 += block;
  }
  // out = sum_t att[h][t] v[t], each lane an FMA chain in position order.
  if (s.n_heads % 8 == 0) {
    if (hs == 8 && values_fixed_kvm<Lanes8>(s, att, v, n, out)) return;
    if (hs == 16 && values_fixed_kvm<Lanes16>(s, att, v, n, out)) return;
  }
  // Any shape: one accumulator per 16 lanes of a head, 8 at a time.
  const int kv_mul = s.n_heads / s.n_kv_heads;
  VLane lanes[8];
  int count = 0;
  auto flush = [&]() {
    switch (count) {
      case 1: accumulate_values<1>(lanes, v, kv_dim, n, out); break;
      case 2: accumulate_values<2>(lanes, v, kv_dim, n, out); break;
      case 3: accumulate_values<3>(lanes, v, kv_dim, n, out); break;
      case 4: accumulate_values<4>(lanes, v, kv_dim, n, out); break;
      case 5: accumulate_values<5>(lanes, v, kv_dim, n, out); break;
      case 6: accumulate_values<6>(lanes, v, kv_dim, n, out); break;
      case 7: accumulate_values<7>(lanes, v, kv_dim, n, out); break;
      case 8: accumulate_values<8>(lanes, v, kv_dim, n, out); break;
      default: break;
    }
    count = 0;
  };
  for (int h = 0; h < s.n_heads; ++h)
    for (int i = 0; i < hs; i += 16) {
      lanes[count++] = {att + static_cast<size_t>(h) * s.stride, (h / kv_mul) * hs + i, h * hs + i,
                        tail_mask(hs - i)};
      if (count == 8) flush();
    }
  flush();
}

#endif

}  // namespace itera::fwd
