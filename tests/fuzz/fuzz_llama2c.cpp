// llama2.c checkpoints: parse_llama2c (the in-memory form of load_llama2c) on
// arbitrary bytes. An accepted checkpoint has exactly the size its header implies and
// tensors of the shapes the header gives.
#include "fuzz_support.h"
#include "llama2c.h"
#include "targets.h"

namespace itera::fuzz {

int llama2c(const uint8_t* data, size_t size) {
  const std::string bytes = bytes_of(data, size);
  const std::optional<LlamaWeights> w = accepted([&] { return parse_llama2c(bytes, "fuzz.bin"); });
  if (!w) return 0;
  const LlamaConfig& c = w->config;
  FUZZ_CHECK(must("llama2c_expected_bytes", [&] { return llama2c_expected_bytes(c); }) == size,
             "the accepted file is not the size its header implies");
  FUZZ_CHECK(w->layers.size() == static_cast<size_t>(c.n_layers), "layer count");
  FUZZ_CHECK(w->classifier().rows() == c.vocab_size && w->classifier().cols() == c.dim, "classifier shape");
  for (const LlamaLayer& l : w->layers) {
    FUZZ_CHECK(l.wk.rows() == c.kv_dim() && l.wk.cols() == c.dim, "wk shape");
    FUZZ_CHECK(l.w2.rows() == c.dim && l.w2.cols() == c.hidden_dim, "w2 shape");
  }
  FUZZ_CHECK(llama_linear_layers(*w).size() == 7 * w->layers.size(), "seven linear layers per block");
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(llama2c)
