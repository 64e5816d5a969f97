// The forward-pass kernels (forward_kernels.h) against the numerics they reproduce: the
// Eigen formulation LlamaModel::forward_reference (logits equal bit for bit, on both
// shared models, quantized models and synthetic shapes that reach every tail and block
// case), std::exp, and the dequantized matrix for the integer-code GEMV.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "error.h"
#include "forward_kernels.h"
#include "llama_model.h"
#include "method.h"
#include "test_support.h"

namespace itera {
namespace {

bool same_bits(const Eigen::VectorXf& a, const Eigen::VectorXf& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.size())) == 0;
}

// Runs forward() on `fast` and forward_reference() on `ref` over `steps` positions (greedy
// from BOS on the reference's argmax, or a fixed token sequence) and counts the positions
// whose logits differ in any bit.
int differing_positions(LlamaModel& fast, LlamaModel& ref, int steps, const std::vector<int>& tokens = {}) {
  int token = 1, differ = 0;
  for (int pos = 0; pos < steps; ++pos) {
    const Eigen::VectorXf a = fast.forward(token, pos);
    const Eigen::VectorXf& b = ref.forward_reference(token, pos);
    if (!same_bits(a, b)) ++differ;
    token = tokens.empty() ? argmax(b) : tokens[static_cast<size_t>(pos) % tokens.size()];
  }
  return differ;
}

// A random model: weights N(0, 1) scaled like trained ones, RMSNorm weights near 1.
LlamaWeights random_weights(int dim, int hidden, int heads, int kv_heads, int vocab, int seq, bool shared,
                            unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  auto mat = [&](int r, int c, float scale) {
    Matrix m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = n(g) * scale;
    return m;
  };
  auto norm = [&](int r) {
    Vector v(r);
    for (int i = 0; i < r; ++i) v(i) = 1.0f + 0.2f * n(g);
    return v;
  };
  LlamaWeights w;
  LlamaConfig& c = w.config;
  c.dim = dim, c.hidden_dim = hidden, c.n_layers = 2, c.n_heads = heads, c.n_kv_heads = kv_heads;
  c.vocab_size = vocab, c.seq_len = seq, c.shared_classifier = shared;
  const int kv_dim = c.kv_dim();
  const float sd = 1.5f / std::sqrt(static_cast<float>(dim)), sh = 1.0f / std::sqrt(static_cast<float>(hidden));
  w.token_embedding = mat(vocab, dim, 1.0f);
  for (int l = 0; l < c.n_layers; ++l) {
    LlamaLayer L;
    L.rms_att = norm(dim), L.rms_ffn = norm(dim);
    L.wq = mat(dim, dim, sd), L.wk = mat(kv_dim, dim, sd), L.wv = mat(kv_dim, dim, sd), L.wo = mat(dim, dim, sd);
    L.w1 = mat(hidden, dim, sd), L.w2 = mat(dim, hidden, sh), L.w3 = mat(hidden, dim, sd);
    w.layers.push_back(L);
  }
  w.rms_final = norm(dim);
  if (!shared) w.wcls = mat(vocab, dim, 0.5f);
  return w;
}

TEST(ForwardKernels, Stories260KLogitsEqualTheEigenFormulation) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  LlamaModel fast(load_llama2c(path));
  LlamaModel ref = fast;
  EXPECT_EQ(differing_positions(fast, ref, 200), 0);
}

TEST(ForwardKernels, BabyLlamaLogitsEqualTheEigenFormulation) {
  ITERA_REQUIRE_SHARED(path, "models/babyllama-c128.bin");
  LlamaModel fast(load_llama2c(path));
  LlamaModel ref = fast;
  EXPECT_EQ(differing_positions(fast, ref, 256), 0);
}

// Head sizes 2..64 (the Eigen dot product's scalar, 8- and 4-wide, one- and two-packet
// paths), GEMV tails of 0..15 columns, odd row counts (Eigen's single-row code), blocks
// of 2/4/8 rows, more than 8 heads, shared and separate classifiers, columns > 8000.
TEST(ForwardKernels, SyntheticShapesEqualTheEigenFormulation) {
  struct Shape {
    int dim, hidden, heads, kv_heads, vocab, seq;
  };
  const Shape shapes[] = {{48, 100, 6, 3, 37, 20},  {40, 90, 5, 5, 99, 18},  {60, 70, 5, 1, 77, 20},
                          {64, 172, 2, 1, 50, 33},  {192, 200, 3, 3, 65, 17}, {96, 30, 2, 2, 11, 20},
                          {24, 20, 4, 2, 13, 20},   {80, 64, 4, 2, 21, 20},  {16, 24, 4, 4, 9, 17},
                          {8, 12, 4, 2, 10, 16},    {96, 128, 12, 4, 31, 20}, {16, 8200, 2, 1, 9, 6},
                          {112, 40, 7, 7, 19, 20},  {144, 64, 3, 1, 17, 20}};
  unsigned seed = 1;
  for (const Shape& s : shapes) {
    LlamaModel fast(random_weights(s.dim, s.hidden, s.heads, s.kv_heads, s.vocab, s.seq, seed % 2 == 0, seed));
    LlamaModel ref = fast;
    ++seed;
    EXPECT_EQ(differing_positions(fast, ref, s.seq), 0)
        << "dim " << s.dim << " hidden " << s.hidden << " heads " << s.heads << "/" << s.kv_heads << " vocab "
        << s.vocab;
  }
}

// The integer-code path: a model whose layers are set from quantize() computes what the
// Eigen formulation computes on their dequantized matrices.
TEST(ForwardKernels, QuantizedLayersFromCodesEqualTheirDequantizedMatrices) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const LlamaModel base(load_llama2c(path));
  struct Spec {
    int bits;
    bool symmetric;
    int group;  // 0: per channel
  };
  for (const Spec& sp : {Spec{4, true, 0}, Spec{3, false, 32}, Spec{8, true, 16}, Spec{2, true, 64}}) {
    MethodOptions o;
    o.weight.bits = sp.bits;
    o.weight.symmetric = sp.symmetric;
    if (sp.group) o.weight.granularity = Granularity::Group, o.weight.group = sp.group;
    LlamaModel codes = base, floats = base;
    for (const auto& l : llama_linear_layers(base.weights())) {
      const CompressedLayer c = make_method("rtn")->compress(l.w, o);
      codes.set_linear_quantized(l.name, *c.dense);
      floats.set_linear(l.name, c.reconstruct());
    }
    EXPECT_EQ(codes.quantized_linear_count(), LlamaModel::uses_kernels() ? 35 : 0);
    EXPECT_EQ(differing_positions(codes, floats, 96), 0) << sp.bits << "-bit group " << sp.group;
  }
}

TEST(ForwardKernels, QuantizedLayersNeedIntegerCodes) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  LlamaModel model(load_llama2c(path));
  const std::string name = "model.layers.0.mlp.up_proj.weight";
  const Matrix& w = model.weights().layers[0].w3;
  QuantSpec fp16;
  fp16.bits = 16;
  EXPECT_THROW(model.set_linear_quantized(name, quantize(w, fp16)), Error);
  // Groups that are not a multiple of 16 wide: the dequantized matrix serves.
  QuantSpec g24;
  g24.bits = 4, g24.granularity = Granularity::Group, g24.group = 24;
  model.set_linear_quantized(name, quantize(w, g24));
  EXPECT_EQ(model.quantized_linear_count(), 0);
  EXPECT_TRUE((model.weights().layers[0].w3.array() == quantize(w, g24).dequantize().array()).all());
  QuantSpec g32 = g24;
  g32.group = 32;
  model.set_linear_quantized(name, quantize(w, g32));
  EXPECT_EQ(model.quantized_linear_count(), LlamaModel::uses_kernels() ? 1 : 0);
  model.set_linear(name, w);  // a float matrix replaces the codes
  EXPECT_EQ(model.quantized_linear_count(), 0);
}

#if ITERA_FWD_KERNELS

TEST(ForwardKernels, ExpIsStdExpBitForBit) {
  EXPECT_TRUE(fwd::exp_is_exact());
  // Every 4099th float bit pattern: about a million values over every exponent, sign,
  // infinity and NaN (the full 2^32 were checked once, see docs/benchmarks.md).
  std::vector<float> in, out;
  for (uint64_t b = 0; b <= 0xffffffffu; b += 4099) {
    const uint32_t bits = static_cast<uint32_t>(b);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    in.push_back(f);
  }
  out = in;
  fwd::exp_inplace(out.data(), static_cast<int>(out.size()));
  size_t differ = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const float want = std::exp(in[i]);
    differ += std::memcmp(&want, &out[i], sizeof want) != 0;
  }
  EXPECT_EQ(differ, 0u);
}

// gemv_codes() on random quantized matrices equals gemv() on their dequantization, for
// every kind of scale, bit width, odd row counts, partial row blocks and tails.
TEST(ForwardKernels, CodeGemvEqualsTheDequantizedGemv) {
  std::mt19937 g(7);
  std::normal_distribution<float> n(0.0f, 1.0f);
  const int shapes[][2] = {{1, 16}, {3, 20}, {16, 64}, {17, 48}, {33, 172}, {64, 172}, {105, 128}, {172, 64}, {30, 100}};
  int checked = 0;
  for (const auto& shape : shapes) {
    Matrix w(shape[0], shape[1]);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = n(g);
    std::vector<float> x(static_cast<size_t>(shape[1]));
    for (float& v : x) v = n(g);
    for (int bits : {2, 3, 4, 5, 8})
      for (bool symmetric : {true, false})
        for (int kind = 0; kind < 4; ++kind) {  // per tensor, per channel, groups of 16, of 32
          QuantSpec spec;
          spec.bits = bits;
          spec.symmetric = symmetric;
          spec.granularity = kind == 0 ? Granularity::PerTensor : kind == 1 ? Granularity::PerChannel : Granularity::Group;
          spec.group = kind == 2 ? 16 : 32;
          const QuantizedMatrix q = quantize(w, spec);
          ASSERT_TRUE(fwd::PackedCodes::packable(q));
          const fwd::PackedCodes packed(q);
          const Matrix dq = q.dequantize();
          std::vector<float> want(static_cast<size_t>(shape[0])), got(want.size());
          fwd::gemv(dq.data(), shape[0], shape[1], x.data(), want.data());
          fwd::gemv_codes(packed.view(), x.data(), got.data());
          EXPECT_EQ(std::memcmp(want.data(), got.data(), sizeof(float) * want.size()), 0)
              << shape[0] << "x" << shape[1] << " " << spec.describe();
          ++checked;
        }
  }
  EXPECT_EQ(checked, 9 * 5 * 2 * 4);
}

#endif

}  // namespace
}  // namespace itera
