// SCALE-Sim GEMM topology CSVs: parse_scalesim_topology on arbitrary text. What it
// accepts is a trace, so it must survive the trace format's round trip.
#include "fuzz_support.h"
#include "scalesim_topology.h"
#include "targets.h"
#include "trace.h"

namespace itera::fuzz {

int scalesim(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  const std::optional<Trace> t = accepted([&] { return parse_scalesim_topology(text, "fuzz.csv"); });
  if (!t) return 0;
  must("validate_trace", [&] { validate_trace(*t, "fuzz.csv"); });
  const std::string formatted = format_trace(*t);
  const Trace again = must("parse_trace(format_trace(topology))", [&] { return parse_trace(formatted, "formatted.trace"); });
  FUZZ_CHECK(again == *t, "the topology's trace does not survive format_trace/parse_trace");
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(scalesim)
