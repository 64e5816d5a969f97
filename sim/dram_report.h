#pragma once
// The report of `itera dram` (dram_request_run.h): one table of fields, from which both
// the terminal table and the JSON are generated (as report_fields.h does for the
// simulate report). To add a figure, add one record to dram_report_fields().
//
// JSON: one object, a key per field: preset, mapping, queue_depth, source, requests,
// requests_entered, cycles, bandwidth_gbps, peak_gbps, percent_of_peak, reads, writes,
// served_bytes, row_hit_rate, row_hits, row_misses, row_conflicts, refreshes,
// avg_read_latency_cycles.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "dram_request_run.h"

namespace itera {

struct DramReport {
  std::string preset, mapping;
  int queue_depth = 0;
  std::string source;  // where the requests came from, e.g. "trace t.trc", "stream random, seed 1"
  double tck_ns = 0, peak_gbps = 0;
  DramRunResult run;

  // Bytes served per ns of the run (= GB/s), and as a percentage of the preset's peak.
  double bandwidth_gbps() const;
  double percent_of_peak() const;
  // Over the served reads: arrival to end of data, DRAM cycles; 0 without reads.
  double avg_read_latency_cycles() const;
};

// A figure's value: an integer, a number or a text.
using DramValue = std::variant<int64_t, double, std::string>;

struct DramReportField {
  const char* key;     // in the JSON
  const char* label;   // in the table
  const char* unit;    // in the table; "" for none
  const char* format;  // the value in the table (fmt), e.g. "{}" or "{:.3f}"
  DramValue (*get)(const DramReport& report);
};

// In the order the table lists them.
const std::vector<DramReportField>& dram_report_fields();

std::string dram_report_table(const DramReport& report);
nlohmann::json dram_report_json(const DramReport& report);

}  // namespace itera
