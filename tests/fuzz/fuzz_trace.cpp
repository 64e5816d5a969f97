// Layer traces: parse_trace on arbitrary text. An accepted trace must format to text
// that parses back to the same trace, and formatting must be idempotent
// (trace.h: parse_trace(format_trace(t)) == t for every valid t).
#include "fuzz_support.h"
#include "targets.h"
#include "trace.h"

namespace itera::fuzz {

int trace(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  const std::optional<Trace> t = accepted([&] { return parse_trace(text, "fuzz.trace"); });
  if (!t) return 0;
  const std::string formatted = format_trace(*t);
  const Trace again = must("parse_trace(format_trace(t))", [&] { return parse_trace(formatted, "formatted.trace"); });
  FUZZ_CHECK(again == *t, "the formatted trace parses to a different trace");
  FUZZ_CHECK(format_trace(again) == formatted, "formatting is not idempotent");
  FUZZ_CHECK(t->total_macs() > 0, "a valid trace has MACs");
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(trace)
