#include "scalesim_topology.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <vector>

#include <fmt/format.h>

#include "file_io.h"
#include "error.h"
#include "text.h"

namespace itera {

namespace {

constexpr const char* kExpectedHeader = "Layer Name, M, N, K,";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Fields of one CSV line, trimmed. SCALE-Sim files end rows with a comma, which
// would read as one more, empty field: it is dropped.
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 1 && out.back().empty()) out.pop_back();
  return out;
}

bool is_gemm_header(const std::vector<std::string>& f) {
  if (f.size() != 4) return false;
  const std::string first = lower(f[0]);
  return (first == "layer name" || first == "layer") && lower(f[1]) == "m" && lower(f[2]) == "n" &&
         lower(f[3]) == "k";
}

// Trace names are single words: runs of whitespace become one '_'.
std::string word_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (!is_space(c)) out += c;
    else if (out.empty() || out.back() != '_') out += '_';
  }
  return out;
}

int dimension(const std::string& field, const char* what, int line, const std::string& file) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  const bool integer = ec == std::errc() && ptr == field.data() + field.size() && !field.empty();
  if (!integer && ec != std::errc::result_out_of_range)
    throw Error(fmt::format("{}:{}: {} = '{}' is not an integer; allowed: 1..{}", file, line, what, field, INT_MAX));
  if (!integer || v < 1 || v > INT_MAX)
    throw Error(fmt::format("{}:{}: {} = {} is out of range; allowed: 1..{}", file, line, what, field, INT_MAX));
  return static_cast<int>(v);
}

TraceOp gemm_op(const std::vector<std::string>& f, int line, const std::string& file) {
  if (f.size() != 4)
    throw Error(fmt::format("{}:{}: expected 4 fields (name, M, N, K), got {}", file, line, f.size()));
  if (f[0].empty()) throw Error(fmt::format("{}:{}: the layer name (field 1) is empty", file, line));
  TraceOp op;
  op.name = word_name(f[0]);
  op.kind = OpKind::Dense;
  // SCALE-Sim multiplies M x K by K x N: M output rows, N output columns, K summed over.
  op.m = dimension(f[1], "M", line, file);
  op.n = dimension(f[2], "N", line, file);
  op.k = dimension(f[3], "K", line, file);
  op.wbits = 8;
  op.abits = 8;
  op.group = 0;
  op.rank = 0;
  op.repeat = 1;
  return op;
}

}  // namespace

Trace parse_scalesim_topology(const std::string& text, const std::string& filename) {
  Trace t;
  t.meta.emplace_back("source", meta_value("scalesim " + filename));
  std::vector<int> op_lines;
  bool header_seen = false;
  size_t pos = has_utf8_bom(text) ? 3 : 0;  // a spreadsheet's UTF-8 byte-order mark
  int line_no = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const std::vector<std::string> fields = csv_fields(line);
    if (!header_seen) {
      if (!is_gemm_header(fields))
        throw Error(fmt::format("{}:{}: bad header '{}'; expected '{}' (a SCALE-Sim GEMM topology; convolution "
                                "topologies are not supported)",
                                filename, line_no, line.substr(0, 80), kExpectedHeader));
      header_seen = true;
      continue;
    }
    t.ops.push_back(gemm_op(fields, line_no, filename));
    op_lines.push_back(line_no);
  }
  if (!header_seen) throw Error(fmt::format("{}: empty file; expected the header '{}'", filename, kExpectedHeader));
  if (t.ops.empty()) throw Error(fmt::format("{}: no GEMM rows after the header", filename));
  validate_trace(t, filename, op_lines);
  return t;
}

Trace read_scalesim_topology(const std::string& path) { return parse_scalesim_topology(read_file(path), path); }

}  // namespace itera
