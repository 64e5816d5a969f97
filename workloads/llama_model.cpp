#include "llama_model.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "error.h"
#include "forward_kernels.h"

namespace itera {

namespace {

void rmsnorm(Eigen::VectorXf& out, const Eigen::VectorXf& x, const Eigen::VectorXf& weight, float eps) {
  const float ss = x.squaredNorm() / static_cast<float>(x.size()) + eps;
  out = weight.cwiseProduct(x) / std::sqrt(ss);
}

void softmax_inplace(float* x, int n) {
  float max_val = x[0];
  for (int i = 1; i < n; ++i) max_val = std::max(max_val, x[i]);
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

}  // namespace

const std::array<const char*, 7>& LlamaModel::linear_kinds() {
  static const std::array<const char*, 7> kinds = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                                   "self_attn.o_proj", "mlp.gate_proj",    "mlp.up_proj",
                                                   "mlp.down_proj"};
  return kinds;
}

void LlamaModel::observe(int layer, std::initializer_list<int> kinds, const Eigen::VectorXf& input) const {
  if (!observer_) return;
  for (int k : kinds) observer_(names_[static_cast<size_t>(layer)][static_cast<size_t>(k)], input);
}

LlamaModel::LlamaModel(LlamaWeights weights) : w_(std::move(weights)) {
  const LlamaConfig& c = w_.config;
  for (int l = 0; l < c.n_layers; ++l) {
    std::array<std::string, 7> n;
    for (size_t k = 0; k < 7; ++k) n[k] = fmt::format("model.layers.{}.{}.weight", l, linear_kinds()[k]);
    names_.push_back(std::move(n));
  }
  const int kv_dim = c.kv_dim(), hs = c.head_dim();
  codes_.resize(static_cast<size_t>(c.n_layers) * 7 + 1);
  x_.resize(c.dim);
  xb_.resize(c.dim);
  xb2_.resize(c.dim);
  q_.resize(c.dim);
  k_.resize(kv_dim);
  hb_.resize(c.hidden_dim);
  hb2_.resize(c.hidden_dim);
  logits_.resize(c.vocab_size);
  if (uses_kernels()) {
    const size_t layers = static_cast<size_t>(c.n_layers);
    stride_ = (c.seq_len + 15) / 16 * 16;
    key_t_.assign(layers * static_cast<size_t>(kv_dim) * static_cast<size_t>(stride_), 0.0f);
    value_.assign(layers * static_cast<size_t>(c.seq_len) * static_cast<size_t>(kv_dim), 0.0f);
    att_rows_.assign(static_cast<size_t>(c.n_heads) * static_cast<size_t>(stride_), 0.0f);
  }
  // Rotary tables: frequency 10000^(-j / (head_dim/2)) for pair j of a head.
  rope_cos_.resize(static_cast<size_t>(c.seq_len) * (hs / 2));
  rope_sin_.resize(rope_cos_.size());
  for (int pos = 0; pos < c.seq_len; ++pos) {
    for (int j = 0; j < hs / 2; ++j) {
      const float freq = 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * j) / static_cast<float>(hs));
      const float val = static_cast<float>(pos) * freq;
      rope_cos_[static_cast<size_t>(pos) * (hs / 2) + j] = std::cos(val);
      rope_sin_[static_cast<size_t>(pos) * (hs / 2) + j] = std::sin(val);
    }
  }
}

bool LlamaModel::uses_kernels() { return ITERA_FWD_KERNELS != 0; }

void LlamaModel::check_input(int token, int pos) const {
  const LlamaConfig& c = w_.config;
  if (pos < 0 || pos >= c.seq_len)
    throw Error(fmt::format("position {} is outside the model's sequence length {}", pos, c.seq_len));
  if (token < 0 || token >= c.vocab_size)
    throw Error(fmt::format("token {} is outside the vocabulary (size {})", token, c.vocab_size));
}

const Eigen::VectorXf& LlamaModel::forward(int token, int pos) {
#if ITERA_FWD_KERNELS
  check_input(token, pos);
  const LlamaConfig& c = w_.config;
  const int dim = c.dim, hs = c.head_dim(), kv_dim = c.kv_dim();
  const float* cos_row = &rope_cos_[static_cast<size_t>(pos) * (hs / 2)];
  const float* sin_row = &rope_sin_[static_cast<size_t>(pos) * (hs / 2)];
  const float inv_sqrt_hs = 1.0f / std::sqrt(static_cast<float>(hs));
  const fwd::AttentionShape shape{c.n_heads, c.n_kv_heads, hs, stride_};
  const size_t kt_layer = static_cast<size_t>(kv_dim) * static_cast<size_t>(stride_);
  const size_t v_layer = static_cast<size_t>(c.seq_len) * static_cast<size_t>(kv_dim);

  x_ = w_.token_embedding.row(token).transpose();
  for (int l = 0; l < c.n_layers; ++l) {
    const LlamaLayer& L = w_.layers[static_cast<size_t>(l)];
    float* kt = key_t_.data() + static_cast<size_t>(l) * kt_layer;
    float* v = value_.data() + static_cast<size_t>(l) * v_layer;
    rmsnorm(xb_, x_, L.rms_att, c.norm_eps);
    observe(l, {0, 1, 2}, xb_);
    multiply(l * 7 + 0, L.wq, xb_.data(), q_.data());
    multiply(l * 7 + 1, L.wk, xb_.data(), k_.data());
    multiply(l * 7 + 2, L.wv, xb_.data(), v + static_cast<size_t>(pos) * kv_dim);
    fwd::rope(q_.data(), dim, hs, cos_row, sin_row);
    fwd::rope(k_.data(), kv_dim, hs, cos_row, sin_row);
    for (int i = 0; i < kv_dim; ++i) kt[static_cast<size_t>(i) * stride_ + pos] = k_(i);
    fwd::attention(shape, q_.data(), kt, v, pos, inv_sqrt_hs, att_rows_.data(), xb_.data());
    observe(l, {3}, xb_);
    multiply(l * 7 + 3, L.wo, xb_.data(), xb2_.data());
    x_ += xb2_;
    rmsnorm(xb_, x_, L.rms_ffn, c.norm_eps);
    observe(l, {4, 5}, xb_);
    multiply(l * 7 + 4, L.w1, xb_.data(), hb_.data());
    multiply(l * 7 + 5, L.w3, xb_.data(), hb2_.data());
    fwd::swiglu(hb_.data(), hb2_.data(), c.hidden_dim);
    observe(l, {6}, hb_);
    multiply(l * 7 + 6, L.w2, hb_.data(), xb_.data());
    x_ += xb_;
  }
  rmsnorm(xb_, x_, w_.rms_final, c.norm_eps);
  if (observer_) observer_("lm_head.weight", xb_);
  multiply(c.n_layers * 7, w_.classifier(), xb_.data(), logits_.data());
  return logits_;
#else
  return forward_reference(token, pos);
#endif
}

void LlamaModel::multiply(int index, const Matrix& w, const float* x, float* y) const {
#if ITERA_FWD_KERNELS
  if (const fwd::PackedCodes* p = codes_[static_cast<size_t>(index)].get())
    fwd::gemv_codes(p->view(), x, y);
  else
    fwd::gemv(w.data(), static_cast<int>(w.rows()), static_cast<int>(w.cols()), x, y);
#else
  (void)index;
  Eigen::Map<Eigen::VectorXf>(y, w.rows()).noalias() = w * Eigen::Map<const Eigen::VectorXf>(x, w.cols());
#endif
}

const Eigen::VectorXf& LlamaModel::forward_reference(int token, int pos) {
  check_input(token, pos);
  const LlamaConfig& c = w_.config;
  if (key_cache_.empty()) {
    att_.resize(c.seq_len);
    key_cache_.assign(static_cast<size_t>(c.n_layers), Matrix::Zero(c.seq_len, c.kv_dim()));
    value_cache_.assign(static_cast<size_t>(c.n_layers), Matrix::Zero(c.seq_len, c.kv_dim()));
  }
  const int dim = c.dim, hs = c.head_dim(), kv_dim = c.kv_dim(), kv_mul = c.n_heads / c.n_kv_heads;
  const float* cos_row = &rope_cos_[static_cast<size_t>(pos) * (hs / 2)];
  const float* sin_row = &rope_sin_[static_cast<size_t>(pos) * (hs / 2)];
  const float inv_sqrt_hs = 1.0f / std::sqrt(static_cast<float>(hs));

  x_ = w_.token_embedding.row(token).transpose();
  for (int l = 0; l < c.n_layers; ++l) {
    const LlamaLayer& L = w_.layers[static_cast<size_t>(l)];
    rmsnorm(xb_, x_, L.rms_att, c.norm_eps);
    observe(l, {0, 1, 2}, xb_);
    q_.noalias() = L.wq * xb_;
    auto k = key_cache_[static_cast<size_t>(l)].row(pos);
    auto v = value_cache_[static_cast<size_t>(l)].row(pos);
    k.noalias() = (L.wk * xb_).transpose();
    v.noalias() = (L.wv * xb_).transpose();
    // Rotary embedding on adjacent pairs (i, i+1); pair index within the head = (i % hs) / 2.
    for (int i = 0; i < dim; i += 2) {
      const int j = (i % hs) / 2;
      const float fcr = cos_row[j], fci = sin_row[j];
      const float q0 = q_(i), q1 = q_(i + 1);
      q_(i) = q0 * fcr - q1 * fci;
      q_(i + 1) = q0 * fci + q1 * fcr;
      if (i < kv_dim) {
        const float k0 = k(i), k1 = k(i + 1);
        k(i) = k0 * fcr - k1 * fci;
        k(i + 1) = k0 * fci + k1 * fcr;
      }
    }
    // Grouped-query attention over positions 0..pos.
    const Matrix& kc = key_cache_[static_cast<size_t>(l)];
    const Matrix& vc = value_cache_[static_cast<size_t>(l)];
    xb_.setZero(dim);
    for (int h = 0; h < c.n_heads; ++h) {
      const int kv_off = (h / kv_mul) * hs;
      const auto qh = q_.segment(h * hs, hs);
      for (int t = 0; t <= pos; ++t) att_(t) = kc.row(t).segment(kv_off, hs).dot(qh.transpose()) * inv_sqrt_hs;
      softmax_inplace(att_.data(), pos + 1);
      auto out = xb_.segment(h * hs, hs);
      for (int t = 0; t <= pos; ++t) out += att_(t) * vc.row(t).segment(kv_off, hs).transpose();
    }
    observe(l, {3}, xb_);
    xb2_.noalias() = L.wo * xb_;
    x_ += xb2_;
    // SwiGLU MLP: w2( silu(w1 x) * (w3 x) ).
    rmsnorm(xb_, x_, L.rms_ffn, c.norm_eps);
    observe(l, {4, 5}, xb_);
    hb_.noalias() = L.w1 * xb_;
    hb2_.noalias() = L.w3 * xb_;
    for (int i = 0; i < c.hidden_dim; ++i) {
      const float g = hb_(i);
      hb_(i) = g / (1.0f + std::exp(-g)) * hb2_(i);
    }
    observe(l, {6}, hb_);
    xb_.noalias() = L.w2 * hb_;
    x_ += xb_;
  }
  rmsnorm(xb_, x_, w_.rms_final, c.norm_eps);
  if (observer_) observer_("lm_head.weight", xb_);
  logits_.noalias() = w_.classifier() * xb_;
  return logits_;
}

int LlamaModel::linear_index(const std::string& name) const {
  if (name == "lm_head.weight") return w_.config.n_layers * 7;
  for (int l = 0; l < w_.config.n_layers; ++l)
    for (size_t k = 0; k < 7; ++k)
      if (name == names_[static_cast<size_t>(l)][k]) return l * 7 + static_cast<int>(k);
  return -1;
}

Matrix* LlamaModel::linear(int index) {
  if (index < 0) return nullptr;
  if (index == w_.config.n_layers * 7) {
    if (w_.config.shared_classifier) {
      w_.wcls = w_.token_embedding;  // untie: the embedding lookup keeps the original
      w_.config.shared_classifier = false;
    }
    return &w_.wcls;
  }
  LlamaLayer& L = w_.layers[static_cast<size_t>(index / 7)];
  Matrix* mats[] = {&L.wq, &L.wk, &L.wv, &L.wo, &L.w1, &L.w3, &L.w2};
  return mats[index % 7];
}

Matrix* LlamaModel::linear(const std::string& name) { return linear(linear_index(name)); }

void LlamaModel::set_linear(const std::string& name, const Matrix& w) {
  const int index = linear_index(name);
  if (index < 0) throw Error(fmt::format("the model has no linear layer named '{}'", name));
  const Matrix& current = index == w_.config.n_layers * 7 ? w_.classifier() : *linear(index);
  if (current.rows() != w.rows() || current.cols() != w.cols())
    throw Error(fmt::format("layer '{}' is {}x{}, the replacement is {}x{}", name, current.rows(), current.cols(),
                            w.rows(), w.cols()));
  *linear(index) = w;
  codes_[static_cast<size_t>(index)].reset();
}

void LlamaModel::set_linear_quantized(const std::string& name, const QuantizedMatrix& q) {
  if (q.spec.is_float16() || q.codes.empty() || q.spec.bits > 8)
    throw Error(fmt::format("layer '{}': set_linear_quantized needs integer codes of 2..8 bits", name));
  set_linear(name, q.dequantize());
  if (uses_kernels() && fwd::PackedCodes::packable(q))
    codes_[static_cast<size_t>(linear_index(name))] = std::make_shared<const fwd::PackedCodes>(q);
}

int LlamaModel::quantized_linear_count() const {
  int n = 0;
  for (const auto& c : codes_) n += c ? 1 : 0;
  return n;
}

int argmax(const Eigen::VectorXf& logits) {
  int best = 0;
  for (int i = 1; i < logits.size(); ++i)
    if (logits(i) > logits(best)) best = i;
  return best;
}

const Eigen::VectorXf& require_finite_logits(const Eigen::VectorXf& logits, int pos, const char* which) {
  if (!logits.allFinite())
    throw Error(fmt::format("the {}model produced non-finite logits (NaN or infinity) at position {}; check the "
                            "checkpoint's configuration (rms_norm_eps, rope_theta) and weights",
                            *which ? std::string(which) + " " : std::string(), pos));
  return logits;
}

}  // namespace itera
