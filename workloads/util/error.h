#pragma once
// A user-facing error: bad input, bad option, malformed file. The CLI prints
// what() and exits non-zero; library code never calls exit().
#include <stdexcept>
#include <string>

namespace itera {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace itera
