#pragma once
// The llama2.c tokenizer (the semantics of Karpathy's llama2.c run.c, reimplemented):
// a sentencepiece-style vocabulary of byte-string pieces with merge scores, BPE
// encoding by greedy highest-score merges, and byte fallback.
//
// File format (e.g. tok512.bin): int32 max_token_length, then for each of
// vocab_size tokens: float32 score, int32 byte length, the bytes (no NUL).
// All little-endian. vocab_size is not stored in the file: it comes from the model.
//
// Special ids: 0 = <unk>, 1 = BOS, 2 = EOS. In the llama2.c tokenizers the BOS and
// EOS pieces are "\n<s>\n" and "\n</s>\n"; ids 3..258 are the byte pieces
// "<0x00>".."<0xFF>" when the vocabulary has byte fallback (tok512 does, the
// character-level tok105 does not).
//
// A Tokenizer is immutable after load(); copies share the loaded vocabulary and
// are cheap. All methods are const and safe to call from several threads.
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace itera {

class Tokenizer {
 public:
  static constexpr int kBos = 1;
  static constexpr int kEos = 2;
  static constexpr int kByteFallbackOffset = 3;  // byte b is token id b + 3

  // Reads a llama2.c tokenizer file holding exactly vocab_size tokens.
  // Throws itera::Error (naming the file) when the file cannot be read, is short
  // (fewer than vocab_size tokens: says how many were read and that the model's
  // vocabulary is vocab_size), has bytes left after vocab_size tokens (the
  // tokenizer's vocabulary is larger than the model's; says how many tokens the
  // file holds when the rest parses as tokens), has a negative or absurd length,
  // a NaN score, or a max_token_length smaller than some token, and when
  // vocab_size is not positive.
  //
  // Piece lookup uses a hash map from piece to id. When several ids share the
  // same piece, the lowest id wins (what a stable sorted lookup would give).
  static Tokenizer load(const std::string& path, int vocab_size);
  // The same for a tokenizer file's bytes already in memory; `path` names it in
  // messages (which are those of load) and is what path() returns.
  static Tokenizer parse(const std::string& data, const std::string& path, int vocab_size);

  int vocab_size() const;
  int max_token_length() const;
  // The file this tokenizer was loaded from (used in error messages).
  const std::string& path() const;

  // The raw bytes of token id; throws itera::Error when id is out of range.
  const std::string& piece(int id) const;
  // The merge score of token id; throws itera::Error when id is out of range.
  float score(int id) const;
  // The id of a piece (the lowest id when several share it), or -1.
  int lookup(const std::string& piece) const;

  // llama2.c encode(): optional BOS (id 1); if text is non-empty, a dummy-prefix
  // token (the id of the piece " "); then one token per UTF-8 codepoint if the
  // codepoint's bytes are a piece, else byte fallback: each byte b becomes id b + 3;
  // then repeatedly merge the adjacent pair whose concatenation is a piece with the
  // highest score (the leftmost such pair on ties), until no pair merges; optional
  // EOS (id 2). Runs in O(n log n) with a priority queue; the result is identical
  // to the naive rescan-everything loop.
  //
  // Throws itera::Error for text that is not valid UTF-8 (giving the byte offset;
  // overlong forms, surrogates and codepoints above U+10FFFF are invalid), when a
  // needed byte-fallback id (b + 3) is outside the vocabulary or is not the byte
  // piece "<0xHH>" for that byte (a vocabulary without byte fallback, like tok105,
  // cannot encode characters it lacks), and when non-empty text needs the dummy
  // prefix but the vocabulary has no " " piece.
  //
  // Unlike llama2.c, a merge is possible whatever the score (llama2.c ignores
  // pieces scoring below -1e10).
  std::vector<int> encode(const std::string& text, bool bos, bool eos) const;

  // llama2.c decode(prev, token): the piece of token; if prev is BOS (1) and the
  // piece starts with ' ', that space is dropped (it is the dummy prefix); a piece
  // of the exact form "<0xHH>" (two hex digits, either case) decodes to that single
  // raw byte. prev may be any int (only its equality with BOS matters). Throws
  // itera::Error when token is out of range.
  std::string decode(int prev, int token) const;

  // Decode of a whole sequence, so that decode(encode(text, bos, eos)) == text:
  //  - a BOS or EOS token decodes to "" here (they are markers, not text; their
  //    pieces are "\n<s>\n" / "\n</s>\n");
  //  - every other token t at position i decodes as decode(prev, t) where prev is
  //    tokens[i-1], and for the first token prev is taken to be BOS: a sequence
  //    starts at the beginning of a text, so the dummy-prefix space of the first
  //    token is dropped whether or not the sequence starts with BOS.
  // (llama2.c text generation likewise prints decode(prev, next) for the tokens
  // after BOS.)
  std::string decode(const std::vector<int>& tokens) const;


 private:
  struct Vocab;
  explicit Tokenizer(std::shared_ptr<const Vocab> v) : v_(std::move(v)) {}
  const std::string& checked_piece(int id) const;
  std::shared_ptr<const Vocab> v_;
};

}  // namespace itera
