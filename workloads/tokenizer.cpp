#include "tokenizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <queue>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "file_io.h"
#include "error.h"

namespace itera {

struct Tokenizer::Vocab {
  std::string path;
  int max_token_length = 0;
  std::vector<std::string> pieces;
  std::vector<float> scores;
  // Keys view into `pieces`, which never changes after the map is built (a Vocab is
  // only ever reached through a shared_ptr<const Vocab>, so it is never moved).
  std::unordered_map<std::string_view, int> ids;
  // byte_ids[b]: the byte-fallback id for byte b (b + 3) when that id exists and its
  // piece is "<0xHH>" for b; -1 otherwise.
  std::array<int, 256> byte_ids{};

  Vocab() = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;

  int find(std::string_view piece) const {
    const auto it = ids.find(piece);
    return it == ids.end() ? -1 : it->second;
  }
};

namespace {

// Printable form of a piece for error messages.
std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02X}", u);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of a piece of the exact form "<0xHH>", or -1.
int parse_byte_piece(std::string_view p) {
  if (p.size() != 6 || p.compare(0, 3, "<0x") != 0 || p[5] != '>') return -1;
  const int hi = hex_digit(p[3]), lo = hex_digit(p[4]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

int32_t read_i32(const std::string& data, size_t off) {
  int32_t v;
  std::memcpy(&v, data.data() + off, sizeof v);
  return v;
}

float read_f32(const std::string& data, size_t off) {
  float v;
  std::memcpy(&v, data.data() + off, sizeof v);
  return v;
}

// Counts the whole tokens in data[off..] (each: f32 score, i32 length >= 0, bytes);
// -1 when the rest is not a clean sequence of tokens.
long count_tokens(const std::string& data, size_t off) {
  long n = 0;
  while (off < data.size()) {
    if (data.size() - off < 8) return -1;
    const int32_t len = read_i32(data, off + 4);
    off += 8;
    if (len < 0 || static_cast<size_t>(len) > data.size() - off) return -1;
    off += static_cast<size_t>(len);
    ++n;
  }
  return n;
}

// Length of the valid UTF-8 sequence at text[i]; throws itera::Error giving the
// byte offset when it is invalid (bad lead byte, bad or missing continuation byte,
// overlong form, surrogate, codepoint above U+10FFFF).
size_t utf8_length(const std::string& text, size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return 1;
  auto fail = [&](const std::string& why) -> size_t {
    throw Error(fmt::format("text is not valid UTF-8 at byte offset {}: {}", i, why));
  };
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  const char* range_problem = "";
  if (b0 >= 0x80 && b0 <= 0xBF) {
    return fail(fmt::format("byte 0x{:02X} is a continuation byte with no lead byte before it", b0));
  } else if (b0 == 0xC0 || b0 == 0xC1) {
    return fail(fmt::format("byte 0x{:02X} can only start an overlong (invalid) encoding", b0));
  } else if (b0 <= 0xDF) {
    len = 2;
  } else if (b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) {
      lo = 0xA0;
      range_problem = "an overlong encoding";
    } else if (b0 == 0xED) {
      hi = 0x9F;
      range_problem = "a UTF-16 surrogate (U+D800..U+DFFF)";
    }
  } else if (b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) {
      lo = 0x90;
      range_problem = "an overlong encoding";
    } else if (b0 == 0xF4) {
      hi = 0x8F;
      range_problem = "a codepoint above U+10FFFF";
    }
  } else {
    return fail(fmt::format("byte 0x{:02X} cannot appear in UTF-8", b0));
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= text.size()) {
      return fail(fmt::format("the text ends inside a {}-byte sequence (only {} of its bytes are present)", len, k));
    }
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (b < 0x80 || b > 0xBF) {
      return fail(fmt::format("byte 0x{:02X} at offset {} is not a continuation byte, but the {}-byte sequence "
                              "needs {} more",
                              b, i + k, len, len - k));
    }
    if (k == 1 && (b < lo || b > hi)) {
      return fail(fmt::format("bytes 0x{:02X} 0x{:02X} start {}", b0, b, range_problem));
    }
  }
  return len;
}

void require_positive_vocab(const std::string& path, int vocab_size) {
  if (vocab_size <= 0) {
    throw Error(fmt::format("tokenizer '{}': the model's vocabulary size must be positive, got {}", path, vocab_size));
  }
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& path, int vocab_size) {
  require_positive_vocab(path, vocab_size);
  return parse(read_file(path), path, vocab_size);
}

Tokenizer Tokenizer::parse(const std::string& data, const std::string& path, int vocab_size) {
  require_positive_vocab(path, vocab_size);
  if (data.size() < 4) {
    throw Error(fmt::format("tokenizer '{}' is too short ({} bytes) to hold its int32 max_token_length", path,
                            data.size()));
  }
  auto v = std::make_shared<Vocab>();
  v->path = path;
  v->max_token_length = read_i32(data, 0);
  if (v->max_token_length < 0) {
    throw Error(fmt::format("tokenizer '{}': max_token_length is {}; it must not be negative", path,
                            v->max_token_length));
  }
  // Room for the tokens the file can hold (8 bytes at least each), not blindly for
  // vocab_size: a model's vocabulary far larger than its tokenizer file must end in
  // the "is short" error below, not in a huge allocation.
  const size_t room = std::min(static_cast<size_t>(vocab_size), (data.size() - 4) / 8);
  v->pieces.reserve(room);
  v->scores.reserve(room);
  size_t off = 4;
  for (int i = 0; i < vocab_size; ++i) {
    if (data.size() - off < 8) {
      const std::string partial = data.size() == off ? "" : fmt::format(" (plus {} stray bytes)", data.size() - off);
      throw Error(fmt::format("tokenizer '{}' is short: it holds only {} tokens{} but the model's vocabulary is {} "
                              "tokens",
                              path, i, partial, vocab_size));
    }
    const float score = read_f32(data, off);
    const int32_t len = read_i32(data, off + 4);
    off += 8;
    if (std::isnan(score)) throw Error(fmt::format("tokenizer '{}': the score of token {} is NaN", path, i));
    if (len < 0) {
      throw Error(fmt::format("tokenizer '{}': token {} has a negative length {} (the file is corrupt)", path, i, len));
    }
    if (static_cast<size_t>(len) > data.size() - off) {
      throw Error(fmt::format("tokenizer '{}' is short: token {} claims {} bytes but only {} remain; it holds only "
                              "{} whole tokens but the model's vocabulary is {} tokens",
                              path, i, len, data.size() - off, i, vocab_size));
    }
    if (len > v->max_token_length) {
      throw Error(fmt::format("tokenizer '{}': token {} is {} bytes long but the file's max_token_length is {}", path,
                              i, len, v->max_token_length));
    }
    v->pieces.emplace_back(data, off, static_cast<size_t>(len));
    v->scores.push_back(score);
    off += static_cast<size_t>(len);
  }
  if (off != data.size()) {
    const long extra = count_tokens(data, off);
    if (extra > 0) {
      throw Error(fmt::format("tokenizer '{}' holds {} tokens but the model's vocabulary is {} tokens: the "
                              "tokenizer's vocabulary is larger than the model's",
                              path, static_cast<long>(vocab_size) + extra, vocab_size));
    }
    throw Error(fmt::format("tokenizer '{}' has {} bytes left after the model's {} tokens (the tokenizer's "
                            "vocabulary is larger than the model's, or the file is corrupt)",
                            path, data.size() - off, vocab_size));
  }
  v->ids.reserve(v->pieces.size());
  for (int id = 0; id < vocab_size; ++id) {
    v->ids.emplace(std::string_view(v->pieces[static_cast<size_t>(id)]), id);  // keeps the lowest id
  }
  for (int b = 0; b < 256; ++b) {
    const int id = b + kByteFallbackOffset;
    v->byte_ids[static_cast<size_t>(b)] =
        id < vocab_size && parse_byte_piece(v->pieces[static_cast<size_t>(id)]) == b ? id : -1;
  }
  return Tokenizer(std::move(v));
}

int Tokenizer::vocab_size() const { return static_cast<int>(v_->pieces.size()); }
int Tokenizer::max_token_length() const { return v_->max_token_length; }
const std::string& Tokenizer::path() const { return v_->path; }

const std::string& Tokenizer::checked_piece(int id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error(fmt::format("token id {} is outside the vocabulary of tokenizer '{}' (ids 0..{})", id, v_->path,
                            vocab_size() - 1));
  }
  return v_->pieces[static_cast<size_t>(id)];
}

const std::string& Tokenizer::piece(int id) const { return checked_piece(id); }

float Tokenizer::score(int id) const {
  checked_piece(id);
  return v_->scores[static_cast<size_t>(id)];
}

int Tokenizer::lookup(const std::string& p) const { return v_->find(p); }

std::vector<int> Tokenizer::encode(const std::string& text, bool bos, bool eos) const {
  const Vocab& v = *v_;
  auto special = [&](int id, const char* name) {
    if (id >= vocab_size()) {
      throw Error(fmt::format("tokenizer '{}' has only {} tokens, so it has no {} token (id {})", v.path,
                              vocab_size(), name, id));
    }
    return id;
  };

  std::vector<int> ids;
  ids.reserve(text.size() + 3);
  if (bos) ids.push_back(special(kBos, "BOS"));
  if (!text.empty()) {
    const int space = v.find(" ");
    if (space < 0) {
      throw Error(fmt::format("tokenizer '{}' has no \" \" piece, needed for the dummy prefix of non-empty text",
                              v.path));
    }
    ids.push_back(space);
  }
  for (size_t i = 0; i < text.size();) {
    const size_t len = utf8_length(text, i);
    const int id = v.find(std::string_view(text.data() + i, len));
    if (id >= 0) {
      ids.push_back(id);
    } else {
      for (size_t k = 0; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        const int fb = v.byte_ids[b];
        if (fb < 0) {
          const int want = b + kByteFallbackOffset;
          const std::string why =
              want >= vocab_size()
                  ? fmt::format("byte-fallback id {} is outside the vocabulary of {} tokens", want, vocab_size())
                  : fmt::format("byte-fallback id {} is the piece \"{}\", not \"<0x{:02X}>\"", want,
                                escape(v.pieces[static_cast<size_t>(want)]), b);
          throw Error(fmt::format("tokenizer '{}' cannot encode \"{}\" at byte offset {}: it is not a piece and {}",
                                  v.path, escape(std::string_view(text.data() + i, len)), i, why));
        }
        ids.push_back(fb);
      }
    }
    i += len;
  }

  // Greedy merges with a priority queue. Nodes are the initial tokens in order; a
  // merge keeps the left node (with the merged id) and kills the right one, so the
  // node index of a live token is the start of its span and orders live tokens left
  // to right. The queue holds every adjacent pair that merges (plus stale entries,
  // recognised by version counters), best score first, leftmost first on ties: the
  // same pair the naive "rescan all pairs, strict > keeps the first" loop picks.
  const int n = static_cast<int>(ids.size());
  if (n >= 2) {
    struct Node {
      int id, prev, next;
      unsigned version;
      bool alive;
    };
    struct Cand {
      float score;
      int left, right;
      unsigned left_version, right_version;
      int merged;
    };
    struct Worse {
      bool operator()(const Cand& a, const Cand& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
      }
    };
    std::vector<Node> nodes(static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) {
      nodes[static_cast<size_t>(k)] = {ids[static_cast<size_t>(k)], k - 1, k + 1 < n ? k + 1 : -1, 0, true};
    }
    std::vector<Cand> storage;
    storage.reserve(static_cast<size_t>(n));
    std::priority_queue<Cand, std::vector<Cand>, Worse> queue(Worse{}, std::move(storage));
    std::string buf;
    auto consider = [&](int l, int r) {
      if (l < 0 || r < 0) return;
      const Node& a = nodes[static_cast<size_t>(l)];
      const Node& b = nodes[static_cast<size_t>(r)];
      buf = v.pieces[static_cast<size_t>(a.id)];
      buf += v.pieces[static_cast<size_t>(b.id)];
      const int m = v.find(buf);
      if (m >= 0) queue.push({v.scores[static_cast<size_t>(m)], l, r, a.version, b.version, m});
    };
    for (int k = 0; k + 1 < n; ++k) consider(k, k + 1);
    while (!queue.empty()) {
      const Cand c = queue.top();
      queue.pop();
      Node& a = nodes[static_cast<size_t>(c.left)];
      Node& b = nodes[static_cast<size_t>(c.right)];
      if (!a.alive || !b.alive || a.next != c.right || a.version != c.left_version || b.version != c.right_version) {
        continue;  // stale
      }
      a.id = c.merged;
      ++a.version;
      b.alive = false;
      a.next = b.next;
      if (b.next >= 0) nodes[static_cast<size_t>(b.next)].prev = c.left;
      consider(a.prev, c.left);
      consider(c.left, a.next);
    }
    ids.clear();
    for (int k = 0; k >= 0; k = nodes[static_cast<size_t>(k)].next) ids.push_back(nodes[static_cast<size_t>(k)].id);
  }
  if (eos) ids.push_back(special(kEos, "EOS"));
  return ids;
}

std::string Tokenizer::decode(int prev, int token) const {
  std::string_view p = checked_piece(token);
  if (prev == kBos && !p.empty() && p.front() == ' ') p.remove_prefix(1);
  const int byte = parse_byte_piece(p);
  if (byte >= 0) return std::string(1, static_cast<char>(byte));
  return std::string(p);
}

std::string Tokenizer::decode(const std::vector<int>& tokens) const {
  std::string out;
  int prev = kBos;
  for (const int t : tokens) {
    if (t == kBos || t == kEos) {
      checked_piece(t);  // still reject ids outside the vocabulary
    } else {
      out += decode(prev, t);
    }
    prev = t;
  }
  return out;
}

}  // namespace itera
