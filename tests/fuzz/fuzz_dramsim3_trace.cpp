// DRAMsim3 request traces (itera dram --trace): parse_dramsim3_trace on arbitrary text.
// What it accepts must hold at least one request, with cycles that never decrease and
// stay within kMaxDramTraceCycle, and must survive format_dramsim3_trace's round trip.
#include "dramsim3_trace.h"
#include "fuzz_support.h"
#include "targets.h"

namespace itera::fuzz {

int dramsim3_trace(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  const std::optional<std::vector<DramRequest>> requests =
      accepted([&] { return parse_dramsim3_trace(text, "fuzz.trc"); });
  if (!requests) return 0;
  FUZZ_CHECK(!requests->empty(), "an accepted trace has a request");
  for (size_t i = 0; i < requests->size(); ++i) {
    FUZZ_CHECK((*requests)[i].cycle <= kMaxDramTraceCycle, "a cycle beyond the limit was accepted");
    FUZZ_CHECK(i == 0 || (*requests)[i - 1].cycle <= (*requests)[i].cycle, "a decreasing cycle was accepted");
  }
  const std::string formatted = format_dramsim3_trace(*requests);
  const std::vector<DramRequest> again =
      must("parse_dramsim3_trace(format_dramsim3_trace(r))", [&] { return parse_dramsim3_trace(formatted, "formatted.trc"); });
  FUZZ_CHECK(again == *requests, "the formatted trace parses to other requests");
  FUZZ_CHECK(format_dramsim3_trace(again) == formatted, "formatting is not idempotent");
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(dramsim3_trace)
