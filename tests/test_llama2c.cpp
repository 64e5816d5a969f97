// Tests for the llama2.c checkpoint loader: the real shared models, and synthetic
// checkpoints written here whose layout is computed independently of the loader.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "error.h"
#include "llama2c.h"
#include "test_support.h"

namespace itera {
namespace {

using ::itera::testing::error_of;
using ::itera::testing::TempDir;
using ::itera::testing::write_file;

// ---- independent helpers -------------------------------------------------------------

// Reads the little-endian float32 at a byte offset of a file.
float float_at(const std::string& path, uint64_t byte_offset) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  in.seekg(static_cast<std::streamoff>(byte_offset));
  unsigned char b[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(b), 4);
  EXPECT_EQ(in.gcount(), 4) << "offset " << byte_offset;
  const uint32_t u = uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
  float f = 0;
  std::memcpy(&f, &u, 4);
  return f;
}

struct Header {
  int32_t dim, hidden, layers, heads, kv_heads, vocab, seq_len;  // vocab < 0: separate wcls
};

// Float offsets (in floats, after the 28-byte header) of each tensor, computed here
// from the documented layout, independently of the loader.
struct Layout {
  int64_t dim, hidden, layers, heads, kv_heads, vocab, seq_len, head_dim, kv_dim;
  bool shared;
  int64_t tok, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_real, freq_imag, wcls, total;

  explicit Layout(const Header& h) {
    dim = h.dim, hidden = h.hidden, layers = h.layers, heads = h.heads, kv_heads = h.kv_heads;
    vocab = h.vocab < 0 ? -int64_t{h.vocab} : h.vocab;
    shared = h.vocab > 0;
    seq_len = h.seq_len;
    head_dim = dim / heads;
    kv_dim = head_dim * kv_heads;
    int64_t at = 0;
    tok = at, at += vocab * dim;
    rms_att = at, at += layers * dim;
    wq = at, at += layers * dim * dim;
    wk = at, at += layers * kv_dim * dim;
    wv = at, at += layers * kv_dim * dim;
    wo = at, at += layers * dim * dim;
    rms_ffn = at, at += layers * dim;
    w1 = at, at += layers * hidden * dim;
    w2 = at, at += layers * dim * hidden;
    w3 = at, at += layers * hidden * dim;
    rms_final = at, at += dim;
    freq_real = at, at += seq_len * head_dim / 2;
    freq_imag = at, at += seq_len * head_dim / 2;
    wcls = at;
    if (!shared) at += vocab * dim;
    total = at;
  }
  uint64_t bytes() const { return 28 + 4 * static_cast<uint64_t>(total); }
  static uint64_t byte(int64_t float_index) { return 28 + 4 * static_cast<uint64_t>(float_index); }
};

// A distinct, exactly representable-enough value for every float of a synthetic file.
float synth(int64_t i) { return static_cast<float>(i) * 0.001f; }

void put32(std::vector<unsigned char>& out, uint32_t u) {
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<unsigned char>((u >> (8 * k)) & 0xffu));
}

std::vector<unsigned char> header_bytes(const Header& h) {
  std::vector<unsigned char> out;
  for (int32_t v : {h.dim, h.hidden, h.layers, h.heads, h.kv_heads, h.vocab, h.seq_len}) {
    uint32_t u = 0;
    std::memcpy(&u, &v, 4);
    put32(out, u);
  }
  return out;
}

// Header plus `n_floats` floats valued synth(i), little-endian.
std::vector<unsigned char> synthetic_bytes(const Header& h, int64_t n_floats) {
  std::vector<unsigned char> out = header_bytes(h);
  for (int64_t i = 0; i < n_floats; ++i) {
    const float f = synth(i);
    uint32_t u = 0;
    std::memcpy(&u, &f, 4);
    put32(out, u);
  }
  return out;
}

void set_float(std::vector<unsigned char>& bytes, int64_t float_index, float f) {
  uint32_t u = 0;
  std::memcpy(&u, &f, 4);
  const uint64_t at = Layout::byte(float_index);
  for (int k = 0; k < 4; ++k) bytes[at + k] = static_cast<unsigned char>((u >> (8 * k)) & 0xffu);
}

constexpr Header kTinyShared{8, 12, 2, 2, 1, 10, 4};
constexpr Header kTinySeparate{8, 12, 2, 2, 1, -10, 4};
// The shared models' headers (../shared/data/README.md).
constexpr Header kStories260K{64, 172, 5, 8, 4, 512, 512};
constexpr Header kBabyLlama{128, 352, 5, 8, 4, 105, 256};

// The config is the header's, and every tensor has the shape the layout gives it.
void expect_config_and_shapes(const LlamaWeights& w, const Header& h) {
  const Layout lay(h);
  const LlamaConfig& c = w.config;
  EXPECT_EQ(c.dim, h.dim);
  EXPECT_EQ(c.hidden_dim, h.hidden);
  EXPECT_EQ(c.n_layers, h.layers);
  EXPECT_EQ(c.n_heads, h.heads);
  EXPECT_EQ(c.n_kv_heads, h.kv_heads);
  EXPECT_EQ(c.vocab_size, lay.vocab);
  EXPECT_EQ(c.seq_len, h.seq_len);
  EXPECT_EQ(c.shared_classifier, lay.shared);
  EXPECT_EQ(c.head_dim(), lay.head_dim);
  EXPECT_EQ(c.kv_dim(), lay.kv_dim);

  const int64_t d = lay.dim, hid = lay.hidden, kv = lay.kv_dim;
  auto expect_shape = [](const Matrix& m, int64_t rows, int64_t cols, const std::string& what) {
    EXPECT_EQ(m.rows(), rows) << what;
    EXPECT_EQ(m.cols(), cols) << what;
  };
  expect_shape(w.token_embedding, lay.vocab, d, "token_embedding");
  ASSERT_EQ(static_cast<int64_t>(w.layers.size()), lay.layers);
  for (const LlamaLayer& L : w.layers) {
    EXPECT_EQ(L.rms_att.size(), d);
    EXPECT_EQ(L.rms_ffn.size(), d);
    expect_shape(L.wq, d, d, "wq");
    expect_shape(L.wk, kv, d, "wk");
    expect_shape(L.wv, kv, d, "wv");
    expect_shape(L.wo, d, d, "wo");
    expect_shape(L.w1, hid, d, "w1");
    expect_shape(L.w2, d, hid, "w2");
    expect_shape(L.w3, hid, d, "w3");
  }
  EXPECT_EQ(w.rms_final.size(), d);
  if (lay.shared) {
    EXPECT_EQ(w.wcls.size(), 0);
    EXPECT_EQ(&w.classifier(), &w.token_embedding);
  } else {
    expect_shape(w.wcls, lay.vocab, d, "wcls");
    EXPECT_EQ(&w.classifier(), &w.wcls);
  }
}

// Runs load_llama2c and returns the itera::Error message (fails the test when nothing is thrown).
std::string load_error(const std::string& path) { return error_of([&] { load_llama2c(path); }); }

// Every element of m equals synth(base + row*cols + col) of the file.
void expect_matrix_at(const Matrix& m, int64_t base, int64_t rows, int64_t cols, const std::string& what) {
  ASSERT_EQ(m.rows(), rows) << what;
  ASSERT_EQ(m.cols(), cols) << what;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      ASSERT_EQ(m(r, c), synth(base + r * cols + c)) << what << " [" << r << ", " << c << "]";
}

void expect_vector_at(const Vector& v, int64_t base, int64_t n, const std::string& what) {
  ASSERT_EQ(v.size(), n) << what;
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(v(i), synth(base + i)) << what << " [" << i << "]";
}

void expect_all_synthetic_values(const LlamaWeights& w, const Layout& lay) {
  const int64_t d = lay.dim, h = lay.hidden, kv = lay.kv_dim;
  expect_matrix_at(w.token_embedding, lay.tok, lay.vocab, d, "token_embedding");
  ASSERT_EQ(static_cast<int64_t>(w.layers.size()), lay.layers);
  for (int64_t l = 0; l < lay.layers; ++l) {
    const LlamaLayer& L = w.layers[static_cast<size_t>(l)];
    const std::string tag = "layer " + std::to_string(l) + " ";
    expect_vector_at(L.rms_att, lay.rms_att + l * d, d, tag + "rms_att");
    expect_matrix_at(L.wq, lay.wq + l * d * d, d, d, tag + "wq");
    expect_matrix_at(L.wk, lay.wk + l * kv * d, kv, d, tag + "wk");
    expect_matrix_at(L.wv, lay.wv + l * kv * d, kv, d, tag + "wv");
    expect_matrix_at(L.wo, lay.wo + l * d * d, d, d, tag + "wo");
    expect_vector_at(L.rms_ffn, lay.rms_ffn + l * d, d, tag + "rms_ffn");
    expect_matrix_at(L.w1, lay.w1 + l * h * d, h, d, tag + "w1");
    expect_matrix_at(L.w2, lay.w2 + l * d * h, d, h, tag + "w2");
    expect_matrix_at(L.w3, lay.w3 + l * h * d, h, d, tag + "w3");
  }
  expect_vector_at(w.rms_final, lay.rms_final, d, "rms_final");
  if (lay.shared) {
    EXPECT_EQ(w.wcls.size(), 0);
    EXPECT_EQ(&w.classifier(), &w.token_embedding);
  } else {
    expect_matrix_at(w.wcls, lay.wcls, lay.vocab, d, "wcls");
    EXPECT_EQ(&w.classifier(), &w.wcls);
  }
}

// ---- shared real models --------------------------------------------------------------

TEST(Llama2c, Stories260KConfigAndShapes) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const LlamaWeights w = load_llama2c(path);
  expect_config_and_shapes(w, kStories260K);
  EXPECT_EQ(w.config.head_dim(), 8);
  EXPECT_EQ(w.config.kv_dim(), 32);
}

TEST(Llama2c, Stories260KValuesMatchFileOffsets) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const LlamaWeights w = load_llama2c(path);
  const Layout lay(kStories260K);
  // Spot checks at the first, last and interior elements of several tensors.
  EXPECT_EQ(w.token_embedding(0, 0), float_at(path, Layout::byte(lay.tok)));
  EXPECT_EQ(w.token_embedding(511, 63), float_at(path, Layout::byte(lay.tok + 511 * 64 + 63)));
  EXPECT_EQ(w.layers[1].rms_att(5), float_at(path, Layout::byte(lay.rms_att + 1 * 64 + 5)));
  EXPECT_EQ(w.layers[2].wq(10, 20), float_at(path, Layout::byte(lay.wq + 2 * 64 * 64 + 10 * 64 + 20)));
  EXPECT_EQ(w.layers[3].wk(5, 7), float_at(path, Layout::byte(lay.wk + 3 * 32 * 64 + 5 * 64 + 7)));
  EXPECT_EQ(w.layers[4].wv(31, 63), float_at(path, Layout::byte(lay.wv + 4 * 32 * 64 + 31 * 64 + 63)));
  EXPECT_EQ(w.layers[0].wo(1, 2), float_at(path, Layout::byte(lay.wo + 0 * 64 * 64 + 1 * 64 + 2)));
  EXPECT_EQ(w.layers[4].rms_ffn(63), float_at(path, Layout::byte(lay.rms_ffn + 4 * 64 + 63)));
  EXPECT_EQ(w.layers[1].w1(171, 3), float_at(path, Layout::byte(lay.w1 + 1 * 172 * 64 + 171 * 64 + 3)));
  EXPECT_EQ(w.layers[4].w2(63, 171), float_at(path, Layout::byte(lay.w2 + 4 * 64 * 172 + 63 * 172 + 171)));
  EXPECT_EQ(w.layers[2].w3(100, 50), float_at(path, Layout::byte(lay.w3 + 2 * 172 * 64 + 100 * 64 + 50)));
  EXPECT_EQ(w.rms_final(0), float_at(path, Layout::byte(lay.rms_final)));
  EXPECT_EQ(w.rms_final(63), float_at(path, Layout::byte(lay.rms_final + 63)));
  // The values are real weights, not zeros.
  EXPECT_GT(w.layers[0].wq.cwiseAbs().sum(), 0.0f);
  EXPECT_GT(w.rms_final.cwiseAbs().sum(), 0.0f);
}

TEST(Llama2c, Stories260KLinearLayers) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const LlamaWeights w = load_llama2c(path);
  const std::vector<NamedMatrix> lin = llama_linear_layers(w);
  ASSERT_EQ(lin.size(), 35u);
  const char* suffix[7] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                           "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj"};
  const int rows[7] = {64, 32, 32, 64, 172, 172, 64};
  const int cols[7] = {64, 64, 64, 64, 64, 64, 172};
  for (int l = 0; l < 5; ++l) {
    for (int k = 0; k < 7; ++k) {
      const NamedMatrix& nm = lin[static_cast<size_t>(l * 7 + k)];
      EXPECT_EQ(nm.name, "model.layers." + std::to_string(l) + "." + suffix[k] + ".weight");
      EXPECT_EQ(nm.w.rows(), rows[k]) << nm.name;
      EXPECT_EQ(nm.w.cols(), cols[k]) << nm.name;
      EXPECT_EQ(nm.repeat, 1) << nm.name;
    }
  }
  // Gate is w1, up is w3, down is w2.
  EXPECT_TRUE(lin[4 * 7 + 4].w == w.layers[4].w1);
  EXPECT_TRUE(lin[4 * 7 + 5].w == w.layers[4].w3);
  EXPECT_TRUE(lin[4 * 7 + 6].w == w.layers[4].w2);
  EXPECT_TRUE(lin[2 * 7 + 1].w == w.layers[2].wk);
}

TEST(Llama2c, BabyLlamaConfigAndShapes) {
  ITERA_REQUIRE_SHARED(path, "models/babyllama-c128.bin");
  const LlamaWeights w = load_llama2c(path);
  expect_config_and_shapes(w, kBabyLlama);

  const Layout lay(kBabyLlama);
  EXPECT_EQ(w.layers[3].w2(127, 351), float_at(path, Layout::byte(lay.w2 + 3 * 128 * 352 + 127 * 352 + 351)));
  EXPECT_EQ(w.layers[1].wv(63, 0), float_at(path, Layout::byte(lay.wv + 1 * 64 * 128 + 63 * 128)));
  EXPECT_EQ(w.rms_final(127), float_at(path, Layout::byte(lay.rms_final + 127)));

  const std::vector<NamedMatrix> lin = llama_linear_layers(w);
  ASSERT_EQ(lin.size(), 35u);
  EXPECT_EQ(lin[34].name, "model.layers.4.mlp.down_proj.weight");
  EXPECT_EQ(lin[34].w.rows(), 128);
  EXPECT_EQ(lin[34].w.cols(), 352);
}

TEST(Llama2c, ExpectedBytesMatchRealFiles) {
  ITERA_REQUIRE_SHARED(stories, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(baby, "models/babyllama-c128.bin");
  for (const std::string& path : {stories, baby}) {
    const LlamaWeights w = load_llama2c(path);
    EXPECT_EQ(llama2c_expected_bytes(w.config), std::filesystem::file_size(path)) << path;
  }
  LlamaConfig s;
  s.dim = 64, s.hidden_dim = 172, s.n_layers = 5, s.n_heads = 8, s.n_kv_heads = 4, s.vocab_size = 512,
  s.seq_len = 512, s.shared_classifier = true;
  EXPECT_EQ(llama2c_expected_bytes(s), 1056540u);
  EXPECT_EQ(llama2c_expected_bytes(s), Layout(kStories260K).bytes());
}

// ---- synthetic checkpoints -----------------------------------------------------------

TEST(Llama2c, ExpectedBytesSynthetic) {
  LlamaConfig c;
  c.dim = 8, c.hidden_dim = 12, c.n_layers = 2, c.n_heads = 2, c.n_kv_heads = 1, c.vocab_size = 10, c.seq_len = 4;
  c.shared_classifier = true;
  // token_embedding 80, rms_att 16, wq 128, wk 64, wv 64, wo 128, rms_ffn 16, w1/w2/w3 3*192,
  // rms_final 8, freq_cis 2*8: 1096 floats.
  EXPECT_EQ(llama2c_expected_bytes(c), 28u + 4u * 1096u);
  EXPECT_EQ(llama2c_expected_bytes(c), Layout(kTinyShared).bytes());
  c.shared_classifier = false;
  EXPECT_EQ(llama2c_expected_bytes(c), 28u + 4u * (1096u + 80u));
  EXPECT_EQ(llama2c_expected_bytes(c), Layout(kTinySeparate).bytes());
  c.n_heads = 3;
  EXPECT_THROW(llama2c_expected_bytes(c), Error);
}

TEST(Llama2c, SyntheticSharedClassifierEveryValue) {
  TempDir tmp;
  const Layout lay(kTinyShared);
  ASSERT_EQ(lay.total, 1096);
  const std::string path = tmp.file("tiny.bin");
  write_file(path, synthetic_bytes(kTinyShared, lay.total));
  const LlamaWeights w = load_llama2c(path);
  expect_config_and_shapes(w, kTinyShared);
  expect_all_synthetic_values(w, lay);
}

TEST(Llama2c, SyntheticSeparateClassifierEveryValue) {
  TempDir tmp;
  const Layout lay(kTinySeparate);
  ASSERT_EQ(lay.total, 1096 + 80);
  const std::string path = tmp.file("tiny-wcls.bin");
  write_file(path, synthetic_bytes(kTinySeparate, lay.total));
  const LlamaWeights w = load_llama2c(path);
  EXPECT_EQ(w.config.vocab_size, 10);  // |vocab_size|
  EXPECT_FALSE(w.config.shared_classifier);
  expect_all_synthetic_values(w, lay);
  EXPECT_FALSE(w.classifier() == w.token_embedding);
}

TEST(Llama2c, SyntheticLinearLayersOrderAndValues) {
  TempDir tmp;
  const Layout lay(kTinyShared);
  const std::string path = tmp.file("tiny.bin");
  write_file(path, synthetic_bytes(kTinyShared, lay.total));
  const std::vector<NamedMatrix> lin = llama_linear_layers(load_llama2c(path));
  ASSERT_EQ(lin.size(), 14u);
  // Order q, k, v, o, gate (w1), up (w3), down (w2); dim 8, kv_dim 4, hidden 12.
  struct Linear {
    const char* suffix;
    int64_t first;  // the tensor's offset in layer 0
    int64_t rows, cols;
  };
  const Linear order[7] = {{"self_attn.q_proj", lay.wq, 8, 8}, {"self_attn.k_proj", lay.wk, 4, 8},
                           {"self_attn.v_proj", lay.wv, 4, 8}, {"self_attn.o_proj", lay.wo, 8, 8},
                           {"mlp.gate_proj", lay.w1, 12, 8},   {"mlp.up_proj", lay.w3, 12, 8},
                           {"mlp.down_proj", lay.w2, 8, 12}};
  for (int64_t l = 0; l < 2; ++l) {
    for (int64_t k = 0; k < 7; ++k) {
      const Linear& want = order[k];
      const NamedMatrix& m = lin[static_cast<size_t>(l * 7 + k)];
      EXPECT_EQ(m.name, "model.layers." + std::to_string(l) + "." + want.suffix + ".weight");
      expect_matrix_at(m.w, want.first + l * want.rows * want.cols, want.rows, want.cols, m.name);
      EXPECT_EQ(m.repeat, 1) << m.name;
    }
  }
}

TEST(Llama2c, TruncatedFileReportsBothByteCounts) {
  TempDir tmp;
  for (const Header& h : {kTinyShared, kTinySeparate}) {
    const Layout lay(h);
    std::vector<unsigned char> bytes = synthetic_bytes(h, lay.total);
    bytes.resize(bytes.size() - 4);
    const std::string path = tmp.file("truncated.bin");
    write_file(path, bytes);
    const std::string msg = load_error(path);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(lay.bytes())), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(lay.bytes() - 4)), std::string::npos) << msg;
  }
}

TEST(Llama2c, OversizedFileReportsBothByteCounts) {
  TempDir tmp;
  for (const Header& h : {kTinyShared, kTinySeparate}) {
    const Layout lay(h);
    const std::vector<unsigned char> bytes = synthetic_bytes(h, lay.total + 1);
    const std::string path = tmp.file("oversized.bin");
    write_file(path, bytes);
    const std::string msg = load_error(path);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(lay.bytes())), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(lay.bytes() + 4)), std::string::npos) << msg;
  }
}

TEST(Llama2c, SharedFileWithSharedFlagFlippedIsRejected) {
  // A shared-classifier file whose header claims a separate wcls is too short by vocab*dim floats.
  TempDir tmp;
  const Layout lay(kTinyShared);
  const std::string path = tmp.file("flip.bin");
  write_file(path, synthetic_bytes(kTinySeparate, lay.total));
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find(std::to_string(lay.bytes())), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(Layout(kTinySeparate).bytes())), std::string::npos) << msg;
}

TEST(Llama2c, NonFiniteWeightNamesTheTensor) {
  TempDir tmp;
  const Layout lay(kTinySeparate);
  const std::string path = tmp.file("nan.bin");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    int64_t index;
    float value;
    std::string tensor;
  };
  const std::vector<Case> cases = {
      {lay.wq + 1 * 64 + 2 * 8 + 3, nan, "model.layers.1.self_attn.q_proj.weight"},
      {lay.wv + 0 * 32 + 5, -inf, "model.layers.0.self_attn.v_proj.weight"},
      {lay.w2 + 1 * 96 + 95, inf, "model.layers.1.mlp.down_proj.weight"},
      {lay.w1 + 7, nan, "model.layers.0.mlp.gate_proj.weight"},
      {lay.w3 + 96, nan, "model.layers.1.mlp.up_proj.weight"},
      {lay.tok + 79, nan, "token_embedding"},
      {lay.rms_att + 8, nan, "model.layers.1"},
      {lay.rms_final + 3, nan, "rms_final"},
      {lay.wcls + 12, inf, "wcls"},
  };
  for (const Case& c : cases) {
    std::vector<unsigned char> bytes = synthetic_bytes(kTinySeparate, lay.total);
    set_float(bytes, c.index, c.value);
    write_file(path, bytes);
    const std::string msg = load_error(path);
    EXPECT_NE(msg.find(c.tensor), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
  // The q_proj case also reports the element index ([2, 3] of layer 1's 8x8 wq).
  std::vector<unsigned char> bytes = synthetic_bytes(kTinySeparate, lay.total);
  set_float(bytes, lay.wq + 1 * 64 + 2 * 8 + 3, nan);
  write_file(path, bytes);
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
}

TEST(Llama2c, NonFiniteFreqCisIsIgnored) {
  // freq_cis tensors are unused and skipped, so their contents do not matter.
  TempDir tmp;
  const Layout lay(kTinySeparate);
  std::vector<unsigned char> bytes = synthetic_bytes(kTinySeparate, lay.total);
  set_float(bytes, lay.freq_real, std::numeric_limits<float>::quiet_NaN());
  set_float(bytes, lay.freq_imag + 7, std::numeric_limits<float>::infinity());
  const std::string path = tmp.file("freq.bin");
  write_file(path, bytes);
  const LlamaWeights w = load_llama2c(path);
  expect_all_synthetic_values(w, lay);
}

// Writes a header and `n_floats` zero-valued floats; returns the error message.
std::string header_error(const TempDir& tmp, const Header& h, int64_t n_floats) {
  std::vector<unsigned char> bytes = header_bytes(h);
  bytes.resize(bytes.size() + 4 * static_cast<size_t>(n_floats), 0);
  const std::string path = tmp.file("bad.bin");
  write_file(path, bytes);
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  return msg;
}

TEST(Llama2c, BadHeadersAreRejected) {
  TempDir tmp;
  // n_heads 3 does not divide dim 8.
  EXPECT_NE(header_error(tmp, Header{8, 12, 2, 3, 1, 10, 4}, 1096).find("n_heads"), std::string::npos);
  // Zero layers.
  EXPECT_NE(header_error(tmp, Header{8, 12, 0, 2, 1, 10, 4}, 1096).find("n_layers"), std::string::npos);
  // Non-positive sizes.
  EXPECT_NE(header_error(tmp, Header{-8, 12, 2, 2, 1, 10, 4}, 1096).find("dim"), std::string::npos);
  EXPECT_NE(header_error(tmp, Header{8, 0, 2, 2, 1, 10, 4}, 1096).find("hidden_dim"), std::string::npos);
  EXPECT_NE(header_error(tmp, Header{8, 12, 2, 0, 1, 10, 4}, 1096).find("n_heads"), std::string::npos);
  EXPECT_NE(header_error(tmp, Header{8, 12, 2, 2, 0, 10, 4}, 1096).find("n_kv_heads"), std::string::npos);
  EXPECT_NE(header_error(tmp, Header{8, 12, 2, 2, 1, 10, -4}, 1096).find("seq_len"), std::string::npos);
  EXPECT_NE(header_error(tmp, Header{8, 12, 2, 2, 1, 0, 4}, 1096).find("vocab_size"), std::string::npos);
  EXPECT_NE(header_error(tmp, Header{8, 12, 2, 2, 1, std::numeric_limits<int32_t>::min(), 4}, 1096)
                .find("vocab_size"),
            std::string::npos);
  // n_kv_heads 3 does not divide n_heads 4 (dim 16: head_dim 4).
  EXPECT_NE(header_error(tmp, Header{16, 12, 2, 4, 3, 10, 4}, 1096).find("n_kv_heads"), std::string::npos);
  // Odd head_dim: dim 6 / 2 heads = 3.
  EXPECT_NE(header_error(tmp, Header{6, 12, 2, 2, 1, 10, 4}, 1096).find("head_dim"), std::string::npos);
}

TEST(Llama2c, AbsurdHeadersAreRejectedWithoutAllocating) {
  TempDir tmp;
  const int32_t big = std::numeric_limits<int32_t>::max() - 1;
  // Sizes whose product overflows 64 bits.
  EXPECT_FALSE(header_error(tmp, Header{1 << 30, big, big, 2, 1, big, big}, 4).empty());
  // Sizes that fit in 64 bits but exceed the 64 GiB limit.
  const std::string msg = header_error(tmp, Header{1 << 16, 1 << 16, 64, 2, 1, 10, 4}, 4);
  EXPECT_NE(msg.find("GiB"), std::string::npos) << msg;
  // Huge vocabularies with a separate classifier.
  EXPECT_FALSE(header_error(tmp, Header{8, 12, 2, 2, 1, -big, 4}, 4).empty());
}

TEST(Llama2c, TooSmallOrMissingFiles) {
  TempDir tmp;
  const std::string empty = tmp.file("empty.bin");
  write_file(empty, "");
  std::string msg = load_error(empty);
  EXPECT_NE(msg.find(empty), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 bytes"), std::string::npos) << msg;

  const std::string short_file = tmp.file("short.bin");
  std::vector<unsigned char> bytes = header_bytes(kTinyShared);
  bytes.resize(27);
  write_file(short_file, bytes);
  msg = load_error(short_file);
  EXPECT_NE(msg.find(short_file), std::string::npos) << msg;
  EXPECT_NE(msg.find("27 bytes"), std::string::npos) << msg;

  // Header only: the size check reports the expected count.
  const std::string header_only = tmp.file("header-only.bin");
  write_file(header_only, header_bytes(kTinyShared));
  msg = load_error(header_only);
  EXPECT_NE(msg.find("28 bytes"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(Layout(kTinyShared).bytes())), std::string::npos) << msg;

  const std::string missing = tmp.file("does-not-exist.bin");
  msg = load_error(missing);
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;

  msg = load_error(tmp.path());  // a directory
  EXPECT_NE(msg.find(tmp.path()), std::string::npos) << msg;
}

}  // namespace
}  // namespace itera
