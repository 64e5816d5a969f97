#pragma once
// Kernels of the LLaMA forward pass (llama_model.cpp), for one token at a time with
// dim 64..4096: the matrix-vector products, attention over the KV cache, softmax,
// SwiGLU, rotary embeddings.
//
// They are fast AND reproduce, bit for bit, what the plain Eigen formulation of the
// forward pass (LlamaModel::forward_reference) computes in this build, so greedy texts
// and `itera eval` reports do not move by a single bit:
// - every sum keeps the Eigen reduction order: the 16-lane FMA chains and the pairwise
//   tree of a 16-float packet (predux) in the GEMV and in dot products of 16+ floats, and
//   the order GCC 12 compiles Eigen's scalar loops into (8 or 4 rounded products added
//   one after the other, then FMAs), written out explicitly here;
// - softmax sums stay sequential in position order (several heads' sums run side by side);
// - exp() is glibc's expf algorithm (its FMA variant, the one libm runs on FMA CPUs),
//   evaluated 16 lanes at a time in double precision, with a start-up check against
//   std::exp (falling back to std::exp if this libm differs).
// Vectorisation is across independent results only (rows, positions, heads, lanes).
// The file is compiled with -ffp-contract=off so that every FMA is an explicit one.
//
// The exact kernels need AVX-512 (F, DQ) and FMA at compile time, the target the Eigen
// numerics above were derived for (its packet of 16 floats); elsewhere
// ITERA_FWD_KERNELS is 0 and LlamaModel runs the Eigen formulation itself.
#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__FMA__)
#define ITERA_FWD_KERNELS 1
#else
#define ITERA_FWD_KERNELS 0
#endif

#include <vector>

#include "quantizer.h"

namespace itera::fwd {

// Rotary embedding of the first n values of v (pairs (i, i+1) within heads of head_dim;
// pair j of a head uses cos_row[j], sin_row[j]).
void rope(float* v, int n, int head_dim, const float* cos_row, const float* sin_row);

// A quantized linear layer's integer codes (quantizer.h), as gemv_codes() reads them:
// W^(r, c) = s (code - z) for the scale s and zero point z of the element's group.
// Codes are bytes: int8, or uint8 when asymmetric.
struct CodeMatrix {
  int rows = 0;
  int cols = 0;
  bool asymmetric = false;
  bool per_tensor = false;  // one scale (and zero point) for the whole matrix
  int group = 0;            // columns per scale: a multiple of 16, or cols (per channel)
  int padded_rows = 0;      // rows of the scales (and room for the tiles): rows rounded up to 16
  // Rows in blocks of 16 and columns in blocks of 16 (full blocks only), one block of
  // 16 x 16 bytes after the other: tiles[((r / 16) * (cols / 16) + c / 16) * 256 + (r % 16) * 16 + c % 16];
  // the rows past the last even row repeat it.
  const unsigned char* tiles = nullptr;
  const unsigned char* codes = nullptr;  // all codes row-major, rows x cols
  // Scales by column group, then row (padded_rows; scales[0] per tensor).
  const float* scales = nullptr;
  const float* offsets = nullptr;  // -(z s), laid out as the scales; asymmetric only
  // Codes of 4 bits or fewer: the tiles hold code + lut_bias (0..15) instead, and
  // lut[(group * padded_rows + row) * 16 + k] = s (k - lut_bias - z), each weight a lookup.
  const float* lut = nullptr;
  int lut_bias = 0;
  // The last cols % 16 columns of each block of 16 rows, transposed (raw codes):
  // tails[(r / 16) * (cols % 16) * 16 + k * 16 + r % 16] is column cols / 16 * 16 + k.
  const unsigned char* tails = nullptr;
};

// Owns a quantized matrix's codes laid out for gemv_codes(): built from quantize()'s
// output when its codes are 2..8 bits and its groups (if any) a multiple of 16 wide.
class PackedCodes {
 public:
  static bool packable(const QuantizedMatrix& q);
  explicit PackedCodes(const QuantizedMatrix& q);
  PackedCodes(const PackedCodes&) = delete;  // the view points into this object
  PackedCodes& operator=(const PackedCodes&) = delete;
  CodeMatrix view() const;

 private:
  CodeMatrix m_;
  std::vector<unsigned char> tiles_, tails_, codes_;
  std::vector<float> scales_, offsets_, lut_;
};

#if ITERA_FWD_KERNELS

// True when the vectorised exp reproduces std::exp(float) of this libm (checked once on
// a sample that covers every exponent of the range the algorithm handles).
bool exp_is_exact();

// y = W x for a row-major rows x cols W: Eigen 3.4's row-major GEMV result.
void gemv(const float* w, int rows, int cols, const float* x, float* y);

// x[i] = std::exp(x[i]).
void exp_inplace(float* x, int n);

// SwiGLU gate: h[i] = h[i] / (1 + exp(-h[i])) * u[i].
void swiglu(float* h, const float* u, int n);

// y = W^ x from the codes, bit for bit gemv() of the dequantized matrix: s (code - z)
// needs at most 19 significant bits (an F16 scale times a code of 8 bits or fewer), so it
// is exact in float, and the products are summed in gemv()'s order.
void gemv_codes(const CodeMatrix& m, const float* x, float* y);

// One layer's grouped-query attention at position `pos` (0-based).
struct AttentionShape {
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int stride = 0;  // positions per cache row: seq_len rounded up to 16
};
// q: [n_heads * head_dim]; kt: keys transposed, [(kv_head * head_dim + i) * stride + t];
// v: values, [t * kv_dim + kv_head * head_dim + i]; att: scratch [n_heads * stride];
// out: [n_heads * head_dim] = sum_t softmax_t(q_h . k_t * scale) v_t.
// Positions 0..pos of kt and v are read; kt is also read (and ignored) up to the next
// multiple of 16.
void attention(const AttentionShape& s, const float* q, const float* kt, const float* v, int pos, float scale,
               float* att, float* out);

#endif  // ITERA_FWD_KERNELS

}  // namespace itera::fwd
