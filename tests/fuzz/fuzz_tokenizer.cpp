// llama2.c tokenizers: Tokenizer::parse (the in-memory form of Tokenizer::load) on
// arbitrary bytes. The vocabulary size comes from the model, not the file: the target
// tries the number of whole tokens the bytes hold (n), n - 1, n + 1 and INT_MAX.
// A tokenizer accepted with n tokens must then encode and decode a short text
// (encode may refuse text its vocabulary cannot spell, with itera::Error).
#include <climits>
#include <cstring>
#include <vector>

#include "fuzz_support.h"
#include "targets.h"
#include "tokenizer.h"

namespace itera::fuzz {

namespace {

// Whole tokens (f32 score, i32 length >= 0, bytes) after the 4-byte max_token_length.
int whole_tokens(const std::string& b) {
  size_t off = 4;
  int n = 0;
  while (off + 8 <= b.size()) {
    int32_t len = 0;
    std::memcpy(&len, b.data() + off + 4, sizeof len);
    if (len < 0 || static_cast<size_t>(len) > b.size() - off - 8) break;
    off += 8 + static_cast<size_t>(len);
    ++n;
  }
  return n;
}

void use(const Tokenizer& tok, int vocab) {
  FUZZ_CHECK(tok.vocab_size() == vocab, "vocab_size() is not the size asked for");
  for (int id = 0; id < vocab && id < 300; ++id) must("decode(prev, id)", [&] { return tok.decode(Tokenizer::kBos, id); });
  for (const char* text : {"", "a", "hello world", "ab ba  \xC3\xA9\xE2\x82\xAC"}) {
    std::vector<int> ids;
    if (!ok_or_error([&] { ids = tok.encode(text, true, true); })) continue;
    for (const int id : ids) FUZZ_CHECK(id >= 0 && id < vocab, "encode gave an id outside the vocabulary");
    must("decode(encode(text))", [&] { return tok.decode(ids); });
  }
}

}  // namespace

int tokenizer(const uint8_t* data, size_t size) {
  const std::string bytes = bytes_of(data, size);
  const int n = whole_tokens(bytes);
  for (const int vocab : {n, n - 1, n + 1, INT_MAX}) {
    if (vocab <= 0) continue;
    const std::optional<Tokenizer> tok = accepted([&] { return Tokenizer::parse(bytes, "fuzz.tok", vocab); });
    if (!tok) continue;
    FUZZ_CHECK(vocab == n, "a tokenizer was accepted with a vocabulary size other than its token count");
    use(*tok, vocab);
  }
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(tokenizer)
