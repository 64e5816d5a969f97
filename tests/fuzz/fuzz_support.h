#pragma once
// What every fuzz target (tests/fuzz/fuzz_*.cpp) shares: each target runs one parser on
// the input; the parser rejecting the input with itera::Error is the normal outcome,
// and anything else is a finding: another exception (including a failed FUZZ_CHECK on
// what the parser accepted), a crash, a sanitizer report, a leak.
//
// Each target is a function itera::fuzz::NAME(data, size) (targets.h), so that the unit
// tests replay the committed corpora with the ordinary build; the fuzz build (CMake
// option ITERA_FUZZ) defines ITERA_FUZZ_MAIN and ITERA_FUZZ_TARGET(NAME) becomes
// libFuzzer's entry point.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "error.h"

namespace itera::fuzz {

// A broken invariant or an unexpected itera::Error on input a parser accepted.
class Finding : public std::logic_error {
 public:
  explicit Finding(const std::string& what) : std::logic_error("fuzz finding: " + what) {}
};

[[noreturn]] inline void finding(const std::string& what) { throw Finding(what); }

#define FUZZ_CHECK(cond, what)                                              \
  do {                                                                      \
    if (!(cond)) ::itera::fuzz::finding(std::string(#cond " failed: ") + (what)); \
  } while (0)

inline std::string bytes_of(const uint8_t* data, size_t size) {
  return size == 0 ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

// What `parse()` returns, or nullopt when it rejects the input with itera::Error.
template <class F>
auto accepted(F&& parse) -> std::optional<decltype(parse())> {
  try {
    return std::forward<F>(parse)();
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Runs a step that must work on accepted input: an itera::Error from it is a finding.
template <class F>
auto must(const char* step, F&& f) -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (const Error& e) {
    finding(std::string(step) + " threw itera::Error on accepted input: " + e.what());
  }
}

// Runs a step that may reject what it is given (itera::Error); true when it did not.
template <class F>
bool ok_or_error(F&& f) {
  try {
    std::forward<F>(f)();
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace itera::fuzz

#ifdef ITERA_FUZZ_MAIN
#define ITERA_FUZZ_TARGET(name)                                                \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {    \
    return ::itera::fuzz::name(data, size);                                    \
  }
#else
#define ITERA_FUZZ_TARGET(name)
#endif
