#include "trace.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include <fmt/format.h>

#include "file_io.h"
#include "error.h"
#include "text.h"

namespace itera {

namespace {

constexpr const char* kHeader = "itera-trace 1";
constexpr int kFieldCount = 12;
constexpr const char* kColumns = "name kind M K N wbits abits group rank repeat input accumulate";

// Quoted excerpt for error messages, cut short so a binary file cannot flood them.
std::string excerpt(const std::string& s) {
  constexpr size_t kMax = 60;
  std::string out;
  for (char c : s.substr(0, kMax)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return "'" + out + (s.size() > kMax ? "...'" : "'");
}

// Whole-token integer (optional '-', digits); nullopt when not one or when it
// does not fit 64 bits (the caller reports both as out of the allowed range).
std::optional<int64_t> to_int64(const std::string& s, bool& overflow) {
  overflow = false;
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) overflow = true;
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// a * b for non-negative a, b; false when the product does not fit int64_t.
bool mul_fits(int64_t a, int64_t b, int64_t& out) {
  if (b != 0 && a > INT64_MAX / b) return false;
  out = a * b;
  return true;
}

// ---- fields -----------------------------------------------------------------------

// The numeric columns, by their position in a row (1-based, as users count).
enum class Field { M = 3, K = 4, N = 5, WBits = 6, ABits = 7, Group = 8, Rank = 9, Repeat = 10 };

const char* field_name(Field f) {
  switch (f) {
    case Field::M: return "M";
    case Field::K: return "K";
    case Field::N: return "N";
    case Field::WBits: return "wbits";
    case Field::ABits: return "abits";
    case Field::Group: return "group";
    case Field::Rank: return "rank";
    case Field::Repeat: return "repeat";
  }
  return "?";
}

std::string allowed(Field f, OpKind kind) {
  switch (f) {
    case Field::WBits: return "2..8, or 16 for unquantized F16";
    case Field::ABits: return "2..16";
    case Field::Group: return "0 (one scale per channel / factor vector) or a group size 1..2147483647";
    case Field::Rank: return kind == OpKind::Dense ? "0 for a dense op" : "1..2147483647 for lr_down / lr_up";
    default: return "1..2147483647";
  }
}

bool in_range(Field f, OpKind kind, int64_t v) {
  switch (f) {
    case Field::WBits: return (v >= 2 && v <= 8) || v == 16;
    case Field::ABits: return v >= 2 && v <= 16;
    case Field::Group: return v >= 0 && v <= INT_MAX;
    case Field::Rank: return kind == OpKind::Dense ? v == 0 : (v >= 1 && v <= INT_MAX);
    default: return v >= 1 && v <= INT_MAX;
  }
}

// The TraceOp member behind a numeric column (works on const and mutable ops alike).
int TraceOp::*field_member(Field f) {
  switch (f) {
    case Field::M: return &TraceOp::m;
    case Field::K: return &TraceOp::k;
    case Field::N: return &TraceOp::n;
    case Field::WBits: return &TraceOp::wbits;
    case Field::ABits: return &TraceOp::abits;
    case Field::Group: return &TraceOp::group;
    case Field::Rank: return &TraceOp::rank;
    case Field::Repeat: return &TraceOp::repeat;
  }
  return &TraceOp::m;
}

constexpr Field kNumericFields[] = {Field::M,     Field::K,     Field::N,    Field::WBits,
                                    Field::ABits, Field::Group, Field::Rank, Field::Repeat};

std::optional<OpKind> parse_kind(const std::string& s) {
  if (s == "dense") return OpKind::Dense;
  if (s == "lr_down") return OpKind::LowRankDown;
  if (s == "lr_up") return OpKind::LowRankUp;
  return std::nullopt;
}

}  // namespace

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::Dense: return "dense";
    case OpKind::LowRankDown: return "lr_down";
    case OpKind::LowRankUp: return "lr_up";
  }
  return "?";
}

int64_t TraceOp::macs() const { return int64_t{m} * k * n * repeat; }

int64_t TraceOp::weight_bytes() const { return (int64_t{k} * n * wbits + 7) / 8; }

bool operator==(const TraceOp& a, const TraceOp& b) {
  auto key = [](const TraceOp& o) {
    return std::tie(o.name, o.kind, o.m, o.k, o.n, o.wbits, o.abits, o.group, o.rank, o.repeat, o.input,
                    o.accumulate);
  };
  return key(a) == key(b);
}

int64_t Trace::total_macs() const {
  int64_t total = 0;
  for (const auto& op : ops) total += op.macs();
  return total;
}

bool operator==(const Trace& a, const Trace& b) { return a.meta == b.meta && a.ops == b.ops; }

// ---- validation ---------------------------------------------------------------------

namespace {

// Validates one trace; `where(i)` locates op i in messages.
class TraceValidator {
 public:
  TraceValidator(const Trace& t, const std::string& filename, const std::vector<int>& lines)
      : t_(t), file_(filename), lines_(lines) {}

  void run() {
    check_meta();
    if (t_.ops.empty()) throw Error(fmt::format("{}: the trace has no operations (data rows)", file_));
    int64_t total = 0;
    for (size_t i = 0; i < t_.ops.size(); ++i) {
      check_name(i);
      check_fields(i);
      check_kind_shape(i);
      check_input(i);
      check_accumulate(i);
      total = add_macs(i, total);
      index_[t_.ops[i].name] = i;
    }
  }

 private:
  const Trace& t_;
  const std::string& file_;
  const std::vector<int>& lines_;
  std::map<std::string, size_t> index_;  // ops seen so far

  std::string where(size_t i) const {
    if (i < lines_.size()) return fmt::format("{}:{}: op '{}'", file_, lines_[i], t_.ops[i].name);
    return fmt::format("{}: op {} '{}'", file_, i + 1, t_.ops[i].name);
  }
  std::string line_of(size_t i) const {
    return i < lines_.size() ? fmt::format("line {}", lines_[i]) : fmt::format("op {}", i + 1);
  }

  // Metadata must survive a format/parse round trip unchanged.
  void check_meta() const {
    for (const auto& [key, value] : t_.meta) {
      const bool key_ok = !key.empty() && key.find_first_of(" \t\r\n#") == std::string::npos;
      if (!key_ok)
        throw Error(fmt::format("{}: bad metadata key {}: it must be one word without '#'", file_, excerpt(key)));
      if (value.find_first_of("#\n") != std::string::npos || trim(value) != value)
        throw Error(fmt::format("{}: metadata @{}: value {} must be one line without '#' or outer spaces", file_, key,
                                excerpt(value)));
    }
  }

  void check_name(size_t i) const {
    const std::string& name = t_.ops[i].name;
    // A NUL would not survive format_trace/parse_trace (a trace is text), and where()
    // quotes the name raw.
    if (name.find('\0') != std::string::npos) {
      const std::string at = i < lines_.size() ? fmt::format("{}:{}", file_, lines_[i])
                                               : fmt::format("{}: op {}", file_, i + 1);
      throw Error(fmt::format("{}: bad op name {}: it holds a NUL byte; a name is text", at, excerpt(name)));
    }
    if (name.empty() || name == "-" || name[0] == '@' || name.find_first_of(" \t\r\n\v\f#") != std::string::npos)
      throw Error(fmt::format("{}: bad op name {}: a name is one word, not '-', without '#', not starting with '@'",
                              where(i), excerpt(name)));
    if (const auto it = index_.find(name); it != index_.end())
      throw Error(fmt::format("{}: duplicate op name (first defined at {}); names must be unique", where(i),
                              line_of(it->second)));
  }

  void check_fields(size_t i) const {
    const TraceOp& op = t_.ops[i];
    for (Field f : kNumericFields) {
      const int v = op.*field_member(f);
      if (!in_range(f, op.kind, v))
        throw Error(fmt::format("{}: {} = {} is out of range for {}; allowed: {}", where(i), field_name(f), v,
                                op_kind_name(op.kind), allowed(f, op.kind)));
    }
    if (op.wbits == 16 && op.group != 0)
      throw Error(fmt::format("{}: group = {} with wbits = 16: F16 weights have no scales, so group must be 0",
                              where(i), op.group));
  }

  void check_kind_shape(size_t i) const {
    const TraceOp& op = t_.ops[i];
    if (op.kind == OpKind::LowRankDown && op.n != op.rank)
      throw Error(fmt::format("{}: lr_down computes X*B^T with rank outputs, so N must equal rank (N = {}, rank = {})",
                              where(i), op.n, op.rank));
    if (op.kind == OpKind::LowRankUp && op.k != op.rank)
      throw Error(fmt::format("{}: lr_up computes T*A^T with rank inputs, so K must equal rank (K = {}, rank = {})",
                              where(i), op.k, op.rank));
    if (op.kind == OpKind::LowRankUp && op.input.empty())
      throw Error(fmt::format("{}: an lr_up op needs an input: the name of its lr_down op", where(i)));
  }

  // The earlier op that `ref` (field `what` of op i) names; errors for unknown,
  // self or later references.
  const TraceOp& resolve(size_t i, const std::string& ref, const char* what) const {
    if (const auto it = index_.find(ref); it != index_.end()) return t_.ops[it->second];
    for (size_t j = i; j < t_.ops.size(); ++j) {
      if (t_.ops[j].name != ref) continue;
      throw Error(fmt::format("{}: {} '{}' is {} ({}); {} must name an earlier op", where(i), what, ref,
                              j == i ? "the op itself" : "a later op", line_of(j), what));
    }
    throw Error(fmt::format("{}: {} '{}' names no op; use '-' or the name of an earlier op", where(i), what, ref));
  }

  void check_input(size_t i) const {
    const TraceOp& op = t_.ops[i];
    if (op.input.empty()) return;
    const TraceOp& src = resolve(i, op.input, "input");
    if (op.kind == OpKind::LowRankUp) {
      if (src.kind != OpKind::LowRankDown)
        throw Error(fmt::format("{}: the input of an lr_up must be its lr_down, but '{}' is {}", where(i), src.name,
                                op_kind_name(src.kind)));
      if (src.m != op.m || src.rank != op.rank)
        throw Error(fmt::format("{}: lr_up and its lr_down '{}' must have the same M and rank "
                                "(M {} vs {}, rank {} vs {})",
                                where(i), src.name, op.m, src.m, op.rank, src.rank));
    } else if (src.n != op.k || src.m != op.m) {
      throw Error(fmt::format("{}: consumes the output of '{}' (M = {}, N = {}), so it needs M = {} and K = {} "
                              "(has M = {}, K = {})",
                              where(i), src.name, src.m, src.n, src.m, src.n, op.m, op.k));
    }
    check_same_repeat(i, src, "input");
  }

  void check_accumulate(size_t i) const {
    const TraceOp& op = t_.ops[i];
    if (op.accumulate.empty()) return;
    const TraceOp& dst = resolve(i, op.accumulate, "accumulate");
    if (dst.m != op.m || dst.n != op.n)
      throw Error(fmt::format("{}: accumulates into '{}' whose output is {}x{}, but its own output is {}x{}; "
                              "M and N must match",
                              where(i), dst.name, dst.m, dst.n, op.m, op.n));
    check_same_repeat(i, dst, "accumulate");
  }

  void check_same_repeat(size_t i, const TraceOp& other, const char* what) const {
    const TraceOp& op = t_.ops[i];
    if (other.repeat != op.repeat)
      throw Error(fmt::format("{}: repeat = {} but its {} '{}' has repeat = {}; linked ops must repeat equally",
                              where(i), op.repeat, what, other.name, other.repeat));
  }

  // Counts must fit 64 bits: the MACs, the total, and the weight bits.
  int64_t add_macs(size_t i, int64_t total) const {
    const TraceOp& op = t_.ops[i];
    int64_t macs = 0, bits = 0;
    const bool ok = mul_fits(int64_t{op.m} * op.k, op.n, macs) && mul_fits(macs, op.repeat, macs) &&
                    mul_fits(int64_t{op.k} * op.n, op.wbits, bits) && macs <= INT64_MAX - total;
    if (!ok) throw Error(fmt::format("{}: too large: MACs or weight bits do not fit a 64-bit count", where(i)));
    return total + macs;
  }
};

}  // namespace

void validate_trace(const Trace& t, const std::string& filename, const std::vector<int>& op_lines) {
  TraceValidator(t, filename, op_lines).run();
}

// ---- parsing ------------------------------------------------------------------------

namespace {

std::string strip_comment(const std::string& line) {
  const size_t hash = line.find('#');
  return hash == std::string::npos ? line : line.substr(0, hash);
}

void check_header(const std::string& first, const std::string& file) {
  const std::vector<std::string> tok = split_ws(strip_comment(first));
  if (tok.size() == 2 && tok[0] == "itera-trace" && tok[1] == "1") return;
  bool overflow = false;
  if (tok.size() == 2 && tok[0] == "itera-trace" && (to_int64(tok[1], overflow) || overflow))
    throw Error(fmt::format("{}:1: unsupported trace version {}; this build reads version 1", file, tok[1]));
  throw Error(fmt::format("{}:1: a trace must start with the line '{}' (got {})", file, kHeader, excerpt(first)));
}

void parse_meta(const std::string& content, int line, const std::string& file, Trace& t) {
  const std::string body = content.substr(content.find('@') + 1);
  size_t key_end = 0;
  while (key_end < body.size() && !is_space(body[key_end])) ++key_end;
  if (key_end == 0)
    throw Error(fmt::format("{}:{}: metadata needs a key right after '@' (e.g. '@phase prefill')", file, line));
  t.meta.emplace_back(body.substr(0, key_end), trim(body.substr(key_end)));
}

int parse_int_field(const std::string& tok, Field f, OpKind kind, int line, const std::string& file) {
  bool overflow = false;
  const std::optional<int64_t> v = to_int64(tok, overflow);
  const std::string what = fmt::format("{}:{}: field {} ({})", file, line, static_cast<int>(f), field_name(f));
  if (!v && !overflow)
    throw Error(fmt::format("{}: '{}' is not an integer; allowed: {}", what, tok, allowed(f, kind)));
  if (overflow || *v < INT_MIN || *v > INT_MAX)
    throw Error(fmt::format("{}: {} is out of range; allowed: {}", what, tok, allowed(f, kind)));
  return static_cast<int>(*v);
}

TraceOp parse_op(const std::vector<std::string>& tok, int line, const std::string& file) {
  if (tok.size() != kFieldCount)
    throw Error(fmt::format("{}:{}: expected {} fields ({}), got {}", file, line, kFieldCount, kColumns, tok.size()));
  TraceOp op;
  op.name = tok[0];
  const std::optional<OpKind> kind = parse_kind(tok[1]);
  if (!kind)
    throw Error(fmt::format("{}:{}: field 2 (kind): unknown kind '{}'; allowed: dense, lr_down, lr_up", file, line,
                            tok[1]));
  op.kind = *kind;
  for (Field f : kNumericFields)
    op.*field_member(f) = parse_int_field(tok[static_cast<size_t>(f) - 1], f, op.kind, line, file);
  op.input = tok[10] == "-" ? "" : tok[10];
  op.accumulate = tok[11] == "-" ? "" : tok[11];
  return op;
}

}  // namespace

Trace parse_trace(const std::string& text, const std::string& filename) {
  // A trace is text: a NUL byte would cut names and messages short.
  if (const size_t nul = text.find('\0'); nul != std::string::npos) {
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    throw Error(fmt::format("{}:{}: the line holds a NUL byte; a trace is text", filename, line));
  }
  Trace t;
  std::vector<int> op_lines;
  size_t pos = has_utf8_bom(text) ? 3 : 0;  // an editor's UTF-8 byte-order mark
  int line_no = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no == 1) {
      check_header(line, filename);
      continue;
    }
    const std::string content = trim(strip_comment(line));
    if (content.empty()) continue;
    if (content[0] == '@') {
      parse_meta(content, line_no, filename, t);
      continue;
    }
    t.ops.push_back(parse_op(split_ws(content), line_no, filename));
    op_lines.push_back(line_no);
  }
  validate_trace(t, filename, op_lines);
  return t;
}

Trace read_trace(const std::string& path) { return parse_trace(read_file(path), path); }

// ---- formatting ---------------------------------------------------------------------

std::string format_trace(const Trace& t) {
  std::string out = std::string(kHeader) + "\n";
  for (const auto& [key, value] : t.meta)
    out += value.empty() ? fmt::format("@{}\n", key) : fmt::format("@{} {}\n", key, value);
  out += fmt::format("# columns: {}\n", kColumns);

  std::vector<std::vector<std::string>> rows;
  for (const auto& op : t.ops) {
    std::vector<std::string> r = {op.name, op_kind_name(op.kind)};
    for (Field f : kNumericFields) r.push_back(std::to_string(op.*field_member(f)));
    r.push_back(op.input.empty() ? "-" : op.input);
    r.push_back(op.accumulate.empty() ? "-" : op.accumulate);
    rows.push_back(std::move(r));
  }
  std::vector<size_t> width(kFieldCount, 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  // Names, kinds and references read best left-aligned, numbers right-aligned.
  auto left_aligned = [](size_t c) { return c <= 1 || c >= 10; };
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      if (c > 0) line += "  ";
      const std::string pad(width[c] - r[c].size(), ' ');
      if (c + 1 == r.size()) line += r[c];  // no trailing spaces
      else line += left_aligned(c) ? r[c] + pad : pad + r[c];
    }
    out += line + "\n";
  }
  return out;
}

std::string meta_value(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '#' || c == '\n' || c == '\r') c = '_';
  return trim(out);
}

}  // namespace itera
