#include "llama2c.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "error.h"

namespace itera {
namespace {

constexpr uint64_t kHeaderBytes = 7 * sizeof(int32_t);
constexpr uint64_t kMaxCheckpointBytes = uint64_t{64} << 30;  // 64 GiB
constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

// Saturating arithmetic: once a size overflows it stays at kSaturated.
uint64_t sat_mul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a > kSaturated / b) return kSaturated;
  return a * b;
}
uint64_t sat_add(uint64_t a, uint64_t b) { return a > kSaturated - b ? kSaturated : a + b; }

bool host_is_little_endian() {
  const uint32_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

int32_t le_int32(const unsigned char* p) {
  const uint32_t u = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  int32_t v = 0;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

std::string describe(const LlamaConfig& c) {
  return fmt::format("dim {}, hidden_dim {}, n_layers {}, n_heads {}, n_kv_heads {}, vocab_size {}, seq_len {}, {}",
                     c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len,
                     c.shared_classifier ? "shared classifier" : "separate classifier");
}

// Empty when the configuration is structurally valid; otherwise what is wrong with it.
std::string config_problem(const LlamaConfig& c) {
  const std::pair<const char*, int> positive[] = {
      {"dim", c.dim},           {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers}, {"n_heads", c.n_heads},
      {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size}, {"seq_len", c.seq_len}};
  for (const auto& [name, value] : positive) {
    if (value <= 0) return fmt::format("{} is {} but must be positive", name, value);
  }
  if (c.dim % c.n_heads != 0)
    return fmt::format("dim {} is not divisible by n_heads {}", c.dim, c.n_heads);
  if (c.n_heads % c.n_kv_heads != 0)
    return fmt::format("n_heads {} is not divisible by n_kv_heads {}", c.n_heads, c.n_kv_heads);
  if ((c.dim / c.n_heads) % 2 != 0)
    return fmt::format("head_dim {} (dim {} / n_heads {}) is odd; rotary embeddings need it even",
                       c.dim / c.n_heads, c.dim, c.n_heads);
  // LlamaConfig::kv_dim() computes dim * n_kv_heads in int.
  if (int64_t{c.dim} * c.n_kv_heads > INT_MAX)
    return fmt::format("dim {} * n_kv_heads {} is absurdly large", c.dim, c.n_kv_heads);
  return {};
}

// Number of float32 values a checkpoint with this (valid) configuration holds, saturating.
uint64_t float_count(const LlamaConfig& c) {
  const uint64_t dim = static_cast<uint64_t>(c.dim), hidden = static_cast<uint64_t>(c.hidden_dim);
  const uint64_t layers = static_cast<uint64_t>(c.n_layers), vocab = static_cast<uint64_t>(c.vocab_size);
  const uint64_t seq = static_cast<uint64_t>(c.seq_len);
  const uint64_t head_dim = dim / static_cast<uint64_t>(c.n_heads);
  const uint64_t kv_dim = head_dim * static_cast<uint64_t>(c.n_kv_heads);

  uint64_t per_layer = 0;
  per_layer = sat_add(per_layer, dim);                              // rms_att
  per_layer = sat_add(per_layer, sat_mul(dim, dim));                // wq
  per_layer = sat_add(per_layer, sat_mul(2, sat_mul(kv_dim, dim)));  // wk, wv
  per_layer = sat_add(per_layer, sat_mul(dim, dim));                // wo
  per_layer = sat_add(per_layer, dim);                              // rms_ffn
  per_layer = sat_add(per_layer, sat_mul(3, sat_mul(hidden, dim)));  // w1, w2, w3

  uint64_t n = sat_mul(vocab, dim);                    // token_embedding
  n = sat_add(n, sat_mul(layers, per_layer));          // blocks
  n = sat_add(n, dim);                                 // rms_final
  n = sat_add(n, sat_mul(seq, head_dim));              // freq_cis_real + freq_cis_imag (each head_dim/2)
  if (!c.shared_classifier) n = sat_add(n, sat_mul(vocab, dim));  // wcls
  return n;
}

// Reads tensors sequentially from an open checkpoint, checking each for finiteness.
class TensorReader {
 public:
  TensorReader(std::istream& in, const std::string& path) : in_(in), path_(path) {}

  Matrix matrix(Eigen::Index rows, Eigen::Index cols, const std::string& name) {
    Matrix m(rows, cols);
    read_floats(m.data(), static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols), name);
    try {
      require_finite(name, m);
    } catch (const Error& e) {
      throw Error(fmt::format("'{}' (offset {} bytes): {}", path_, offset_before_, e.what()));
    }
    return m;
  }

  Vector vector(Eigen::Index n, const std::string& name) { return matrix(1, n, name).row(0).transpose(); }

  void skip(uint64_t n_floats, const std::string& name) {
    const uint64_t bytes = n_floats * sizeof(float);
    in_.seekg(static_cast<std::streamoff>(bytes), std::ios::cur);
    if (!in_) throw Error(fmt::format("'{}': cannot skip tensor '{}' at offset {}", path_, name, offset_));
    offset_ += bytes;
  }

 private:
  void read_floats(float* dst, uint64_t n, const std::string& name) {
    offset_before_ = offset_;
    const uint64_t bytes = n * sizeof(float);
    if (bytes > 0) {
      in_.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(bytes));
      if (!in_ || static_cast<uint64_t>(in_.gcount()) != bytes) {
        throw Error(fmt::format("'{}': error reading tensor '{}' ({} bytes at offset {}); was the file modified?",
                                path_, name, bytes, offset_));
      }
      if (!host_is_little_endian()) {
        for (uint64_t i = 0; i < n; ++i) {
          unsigned char b[4];
          std::memcpy(b, dst + i, 4);
          std::swap(b[0], b[3]);
          std::swap(b[1], b[2]);
          std::memcpy(dst + i, b, 4);
        }
      }
    }
    offset_ += bytes;
  }

  std::istream& in_;
  const std::string& path_;
  uint64_t offset_ = kHeaderBytes;
  uint64_t offset_before_ = kHeaderBytes;
};

void require_header_size(uintmax_t actual, const std::string& path) {
  if (actual < kHeaderBytes) {
    throw Error(fmt::format("'{}' is {} bytes, too small for a llama2.c checkpoint (the header alone is {} bytes)",
                            path, actual, kHeaderBytes));
  }
}

// The checkpoint after its size is known to be at least the header: `actual` bytes
// readable from `in`; `path` names it in messages.
LlamaWeights read_llama2c(std::istream& in, uintmax_t actual, const std::string& path) {
  unsigned char raw[kHeaderBytes];
  in.read(reinterpret_cast<char*>(raw), static_cast<std::streamsize>(kHeaderBytes));
  if (!in) throw Error(fmt::format("cannot read the header of '{}'", path));
  int32_t h[7];
  for (int i = 0; i < 7; ++i) h[i] = le_int32(raw + 4 * i);

  LlamaConfig c;
  c.dim = h[0];
  c.hidden_dim = h[1];
  c.n_layers = h[2];
  c.n_heads = h[3];
  c.n_kv_heads = h[4];
  c.seq_len = h[6];
  const int32_t raw_vocab = h[5];
  if (raw_vocab == 0) throw Error(fmt::format("'{}' is not a valid llama2.c checkpoint: vocab_size is 0", path));
  if (raw_vocab == std::numeric_limits<int32_t>::min())
    throw Error(fmt::format("'{}' is not a valid llama2.c checkpoint: vocab_size {} is absurd", path, raw_vocab));
  c.shared_classifier = raw_vocab > 0;
  c.vocab_size = raw_vocab > 0 ? raw_vocab : -raw_vocab;

  if (const std::string problem = config_problem(c); !problem.empty())
    throw Error(fmt::format("'{}' is not a valid llama2.c checkpoint ({}): {}", path, describe(c), problem));

  const uint64_t expected = llama2c_expected_bytes(c);
  if (expected > kMaxCheckpointBytes) {
    throw Error(fmt::format("'{}' has an absurd header ({}): it would need {} bytes, more than the {} GiB limit",
                            path, describe(c),
                            expected == kSaturated ? std::string("an overflowing number of") : std::to_string(expected),
                            kMaxCheckpointBytes >> 30));
  }
  if (actual != expected) {
    throw Error(fmt::format("'{}' is {} bytes but its header ({}) requires exactly {} bytes ({})", path, actual,
                            describe(c), expected,
                            actual < expected ? fmt::format("truncated by {} bytes", expected - actual)
                                              : fmt::format("{} unexpected trailing bytes", actual - expected)));
  }

  const Eigen::Index dim = c.dim, hidden = c.hidden_dim, vocab = c.vocab_size;
  const Eigen::Index kv_dim = static_cast<Eigen::Index>(c.dim / c.n_heads) * c.n_kv_heads;
  const int L = c.n_layers;
  auto layer_name = [](int l, const char* what) { return fmt::format("model.layers.{}.{}", l, what); };

  LlamaWeights w;
  w.config = c;
  w.layers.resize(static_cast<size_t>(L));
  TensorReader r(in, path);
  w.token_embedding = r.matrix(vocab, dim, "token_embedding");
  for (int l = 0; l < L; ++l) w.layers[l].rms_att = r.vector(dim, layer_name(l, "input_layernorm.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].wq = r.matrix(dim, dim, layer_name(l, "self_attn.q_proj.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].wk = r.matrix(kv_dim, dim, layer_name(l, "self_attn.k_proj.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].wv = r.matrix(kv_dim, dim, layer_name(l, "self_attn.v_proj.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].wo = r.matrix(dim, dim, layer_name(l, "self_attn.o_proj.weight"));
  for (int l = 0; l < L; ++l)
    w.layers[l].rms_ffn = r.vector(dim, layer_name(l, "post_attention_layernorm.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].w1 = r.matrix(hidden, dim, layer_name(l, "mlp.gate_proj.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].w2 = r.matrix(dim, hidden, layer_name(l, "mlp.down_proj.weight"));
  for (int l = 0; l < L; ++l) w.layers[l].w3 = r.matrix(hidden, dim, layer_name(l, "mlp.up_proj.weight"));
  w.rms_final = r.vector(dim, "rms_final");
  const uint64_t freq_floats = static_cast<uint64_t>(c.seq_len) * static_cast<uint64_t>(c.head_dim() / 2);
  r.skip(freq_floats, "freq_cis_real");
  r.skip(freq_floats, "freq_cis_imag");
  if (!c.shared_classifier) w.wcls = r.matrix(vocab, dim, "wcls");
  return w;
}

}  // namespace

uint64_t llama2c_expected_bytes(const LlamaConfig& c) {
  if (const std::string problem = config_problem(c); !problem.empty())
    throw Error(fmt::format("invalid llama2.c configuration ({}): {}", describe(c), problem));
  return sat_add(kHeaderBytes, sat_mul(sizeof(float), float_count(c)));
}

LlamaWeights load_llama2c(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    throw Error(fmt::format("cannot open llama2.c checkpoint '{}': {}", path,
                            ec ? ec.message() : std::string("no such file")));
  }
  if (!fs::is_regular_file(st)) throw Error(fmt::format("llama2.c checkpoint '{}' is not a regular file", path));
  const uintmax_t actual = fs::file_size(path, ec);
  if (ec) throw Error(fmt::format("cannot determine the size of '{}': {}", path, ec.message()));
  require_header_size(actual, path);

  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open llama2.c checkpoint '{}': {}", path, std::strerror(errno)));
  return read_llama2c(in, actual, path);
}

LlamaWeights parse_llama2c(const std::string& bytes, const std::string& name) {
  require_header_size(bytes.size(), name);
  std::istringstream in(bytes, std::ios::in | std::ios::binary);
  return read_llama2c(in, bytes.size(), name);
}

std::vector<NamedMatrix> llama_linear_layers(const LlamaWeights& w) {
  std::vector<NamedMatrix> out;
  out.reserve(w.layers.size() * 7);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LlamaLayer& layer = w.layers[l];
    const std::pair<const char*, const Matrix*> seven[] = {
        {"self_attn.q_proj", &layer.wq}, {"self_attn.k_proj", &layer.wk}, {"self_attn.v_proj", &layer.wv},
        {"self_attn.o_proj", &layer.wo}, {"mlp.gate_proj", &layer.w1},    {"mlp.up_proj", &layer.w3},
        {"mlp.down_proj", &layer.w2}};
    for (const auto& [name, m] : seven) {
      NamedMatrix nm;
      nm.name = fmt::format("model.layers.{}.{}.weight", l, name);
      nm.w = *m;
      nm.repeat = 1;
      out.push_back(std::move(nm));
    }
  }
  return out;
}

}  // namespace itera
