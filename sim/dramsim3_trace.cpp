#include "dramsim3_trace.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "error.h"
#include "file_io.h"
#include "text.h"

namespace itera {

namespace {

constexpr const char* kLineForm = "'<hex address> <READ|WRITE> <cycle>', e.g. '0x1f40 READ 12'";

// A field as a message shows it: at most 40 characters, other bytes than printable
// ASCII as \xNN.
std::string shown(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    out += std::isprint(c) != 0 ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02X}", c);
  }
  return field.size() > 40 ? out + "..." : out;
}

bool hex_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}
bool decimal_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The fields of text[begin, end): maximal runs of characters other than is_space().
std::vector<std::string> fields_of(const std::string& text, size_t begin, size_t end) {
  std::vector<std::string> out;
  for (size_t i = begin; i < end;) {
    while (i < end && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < end && !is_space(text[i])) ++i;
    if (i > start) out.emplace_back(text, start, i - start);
  }
  return out;
}

std::string without_leading_zeros(const std::string& digits) {
  const size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

uint64_t parse_address(const std::string& field, const std::string& where) {
  const bool prefixed = field.size() >= 2 && field[0] == '0' && (field[1] == 'x' || field[1] == 'X');
  const std::string digits = prefixed ? field.substr(2) : field;
  const char* allowed = "allowed: a hexadecimal byte address, 1 to 16 significant digits 0-9 a-f A-F, with or "
                        "without 0x (0x1f40 or 1f40)";
  if (digits.empty() || !hex_digits(digits))
    throw Error(fmt::format("{}: address '{}' is not a hexadecimal number; {}", where, shown(field), allowed));
  const std::string significant = without_leading_zeros(digits);
  if (significant.size() > 16)
    throw Error(fmt::format("{}: address '{}' does not fit in 64 bits; {}", where, shown(field), allowed));
  return std::stoull(significant, nullptr, 16);
}

uint64_t parse_cycle(const std::string& field, const std::string& where) {
  const std::string allowed = fmt::format("allowed: a whole decimal number of DRAM cycles, 0 to {}", kMaxDramTraceCycle);
  if (field.empty() || !decimal_digits(field))
    throw Error(fmt::format("{}: cycle '{}' is not a whole decimal number; {}", where, shown(field), allowed));
  const std::string significant = without_leading_zeros(field);
  const std::string max = std::to_string(kMaxDramTraceCycle);
  if (significant.size() > max.size() || (significant.size() == max.size() && significant > max))
    throw Error(fmt::format("{}: cycle {} is too large; {}", where, shown(field), allowed));
  return std::stoull(significant);
}

}  // namespace

std::vector<DramRequest> parse_dramsim3_trace(const std::string& text, const std::string& path) {
  std::vector<DramRequest> requests;
  size_t previous_line = 0;
  size_t pos = has_utf8_bom(text) ? 3 : 0;
  for (size_t line_no = 1; pos < text.size(); ++line_no) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::vector<std::string> fields = fields_of(text, pos, end);
    pos = end + 1;
    if (fields.empty()) continue;
    const std::string where = fmt::format("{}:{}", path, line_no);
    if (fields.size() != 3)
      throw Error(fmt::format("{}: {} field{} where a request has 3: {}", where, fields.size(),
                              fields.size() == 1 ? "" : "s", kLineForm));
    DramRequest r;
    r.addr = parse_address(fields[0], where);
    if (fields[1] == "READ" || fields[1] == "WRITE")
      r.write = fields[1] == "WRITE";
    else
      throw Error(fmt::format("{}: request type '{}' is not known; allowed: READ, WRITE (upper case)", where,
                              shown(fields[1])));
    r.cycle = parse_cycle(fields[2], where);
    if (!requests.empty() && r.cycle < requests.back().cycle)
      throw Error(fmt::format("{}: cycle {} is before cycle {} of the request on line {}; allowed: cycles that "
                              "never decrease from one request to the next",
                              where, r.cycle, requests.back().cycle, previous_line));
    requests.push_back(r);
    previous_line = line_no;
  }
  if (requests.empty())
    throw Error(fmt::format("{}: no requests; a DRAMsim3 trace has one request per line: {}", path, kLineForm));
  return requests;
}

std::vector<DramRequest> read_dramsim3_trace(const std::string& path) {
  return parse_dramsim3_trace(read_file(path), path);
}

std::string format_dramsim3_trace(const std::vector<DramRequest>& requests) {
  std::string out;
  for (const DramRequest& r : requests)
    out += fmt::format("0x{:x} {} {}\n", r.addr, r.write ? "WRITE" : "READ", r.cycle);
  return out;
}

}  // namespace itera
