#include "catalog.h"

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace {

CatalogModel llama(std::string name, int hidden, int inter, int layers, int heads, int kv_heads, int vocab, int seq,
                   std::string source) {
  CatalogModel m{std::move(name), "llama", hidden, inter, layers, heads, kv_heads, vocab, seq, std::move(source), {}};
  const int kv = hidden / heads * kv_heads;
  m.layers = {
      {"model.layers.*.self_attn.q_proj", hidden, hidden, layers, true},
      {"model.layers.*.self_attn.k_proj", kv, hidden, layers, true},
      {"model.layers.*.self_attn.v_proj", kv, hidden, layers, true},
      {"model.layers.*.self_attn.o_proj", hidden, hidden, layers, true},
      {"model.layers.*.mlp.gate_proj", inter, hidden, layers, true},
      {"model.layers.*.mlp.up_proj", inter, hidden, layers, true},
      {"model.layers.*.mlp.down_proj", hidden, inter, layers, true},
      {"lm_head", vocab, hidden, 1, false},
  };
  return m;
}

CatalogModel opt(std::string name, int hidden, int ffn, int layers, int heads, std::string source) {
  CatalogModel m{std::move(name), "opt", hidden, ffn, layers, heads, heads, 50272, 2048, std::move(source), {}};
  m.layers = {
      {"model.decoder.layers.*.self_attn.q_proj", hidden, hidden, layers, true},
      {"model.decoder.layers.*.self_attn.k_proj", hidden, hidden, layers, true},
      {"model.decoder.layers.*.self_attn.v_proj", hidden, hidden, layers, true},
      {"model.decoder.layers.*.self_attn.out_proj", hidden, hidden, layers, true},
      {"model.decoder.layers.*.fc1", ffn, hidden, layers, true},
      {"model.decoder.layers.*.fc2", hidden, ffn, layers, true},
      {"lm_head", 50272, hidden, 1, false},
  };
  return m;
}

std::vector<CatalogModel> build() {
  std::vector<CatalogModel> c;
  c.push_back(llama("llama2-7b", 4096, 11008, 32, 32, 32, 32000, 4096,
                    "Touvron et al. 2023, Llama 2 (arXiv:2307.09288); Hugging Face meta-llama/Llama-2-7b-hf config.json"));
  c.push_back(llama("llama2-13b", 5120, 13824, 40, 40, 40, 32000, 4096,
                    "Touvron et al. 2023, Llama 2 (arXiv:2307.09288); Hugging Face meta-llama/Llama-2-13b-hf config.json"));
  c.push_back(llama("llama2-70b", 8192, 28672, 80, 64, 8, 32000, 4096,
                    "Touvron et al. 2023, Llama 2 (arXiv:2307.09288), grouped-query attention with 8 KV heads; "
                    "Hugging Face meta-llama/Llama-2-70b-hf config.json"));
  c.push_back(llama("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000, 2048,
                    "Zhang et al. 2024, TinyLlama (arXiv:2401.02385); Hugging Face "
                    "TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json"));
  c.push_back(opt("opt-125m", 768, 3072, 12, 12,
                  "Zhang et al. 2022, OPT (arXiv:2205.01068) Table 1; Hugging Face facebook/opt-125m config.json"));
  c.push_back(opt("opt-1.3b", 2048, 8192, 24, 32,
                  "Zhang et al. 2022, OPT (arXiv:2205.01068) Table 1; Hugging Face facebook/opt-1.3b config.json"));
  {
    // GPT-2 small: Conv1D modules store [in, out]; shapes here are given as out x in.
    CatalogModel m{"gpt2", "gpt2", 768, 3072, 12, 12, 12, 50257, 1024,
                   "Radford et al. 2019, Language Models are Unsupervised Multitask Learners; Hugging Face "
                   "openai-community/gpt2 config.json (n_embd 768, n_layer 12, n_head 12, n_inner = 4 n_embd)",
                   {}};
    m.layers = {
        {"h.*.attn.c_attn", 3 * 768, 768, 12, true},
        {"h.*.attn.c_proj", 768, 768, 12, true},
        {"h.*.mlp.c_fc", 3072, 768, 12, true},
        {"h.*.mlp.c_proj", 768, 3072, 12, true},
        {"lm_head", 50257, 768, 1, false},
    };
    c.push_back(std::move(m));
  }
  c.push_back(llama("stories260k", 64, 172, 5, 8, 4, 512, 512,
                    "karpathy tinyllamas stories260K (llama2.c checkpoint header), see ../shared/data/README.md"));
  c.push_back(llama("babyllama-c128", 128, 352, 5, 8, 4, 105, 256,
                    "EN10/BabyLlama tok105 model (llama2.c checkpoint header), see ../shared/data/README.md"));
  return c;
}

}  // namespace

long long CatalogModel::block_params() const {
  long long n = 0;
  for (const auto& l : layers)
    if (l.in_block) n += static_cast<long long>(l.rows) * l.cols * l.repeat;
  return n;
}

const std::vector<CatalogModel>& catalog() {
  static const std::vector<CatalogModel> c = build();
  return c;
}

std::vector<std::string> catalog_names() {
  std::vector<std::string> names;
  for (const auto& m : catalog()) names.push_back(m.name);
  return names;
}

const CatalogModel& find_catalog_model(const std::string& name) {
  for (const auto& m : catalog())
    if (m.name == name) return m;
  throw Error(fmt::format("unknown shape '{}'; known shapes: {}", name, fmt::join(catalog_names(), ", ")));
}

}  // namespace itera
