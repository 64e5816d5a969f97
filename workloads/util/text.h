#pragma once
// Small text helpers shared by the line-oriented parsers (traces, topology CSVs).
#include <string>
#include <vector>

namespace itera {

// ASCII whitespace other than the newline: space, tab, CR, VT, FF.
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// `s` without leading and trailing is_space() characters.
std::string trim(const std::string& s);

// True when `s` ends with `suffix`.
inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// True when `s` starts with the UTF-8 byte-order mark EF BB BF.
inline bool has_utf8_bom(const std::string& s) { return s.rfind("\xEF\xBB\xBF", 0) == 0; }

// RFC 4180: `s` quoted (inner quotes doubled) when it holds a comma, quote, CR or LF;
// otherwise `s` itself.
std::string csv_field(const std::string& s);

// The maximal runs of non-space characters of `s`, in order.
std::vector<std::string> split_ws(const std::string& s);

// A preset file's name: the path's last component without ".yaml"
// ("configs/dram/hbm2.yaml" -> "hbm2").
std::string yaml_file_stem(const std::string& path);

}  // namespace itera
