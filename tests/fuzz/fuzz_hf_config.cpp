// Hugging Face config.json: parse_llama_hf_config (the config step of load_llama_hf)
// on arbitrary text. An accepted config must give the sizes load_llama_hf computes
// next (head and KV dimensions) without overflow.
#include "fuzz_support.h"
#include "llama_hf.h"
#include "targets.h"

namespace itera::fuzz {

int hf_config(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  const std::optional<LlamaConfig> c = accepted([&] { return parse_llama_hf_config(text, "config.json"); });
  if (!c) return 0;
  FUZZ_CHECK(c->dim > 0 && c->hidden_dim > 0 && c->n_layers > 0 && c->vocab_size > 0 && c->seq_len > 0, "sizes");
  FUZZ_CHECK(c->n_heads > 0 && c->n_kv_heads > 0 && c->head_dim() % 2 == 0, "heads");
  FUZZ_CHECK(c->kv_dim() > 0 && c->kv_dim() <= c->dim, "kv_dim");
  FUZZ_CHECK(c->norm_eps > 0 && c->rope_theta > 0, "eps and theta");
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(hf_config)
