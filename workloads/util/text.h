#pragma once
// Small text helpers shared by the line-oriented parsers (traces, topology CSVs).
#include <string>
#include <vector>

namespace itera {

// ASCII whitespace other than the newline: space, tab, CR, VT, FF.
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// `s` without leading and trailing is_space() characters.
std::string trim(const std::string& s);

// The maximal runs of non-space characters of `s`, in order.
std::vector<std::string> split_ws(const std::string& s);

}  // namespace itera
