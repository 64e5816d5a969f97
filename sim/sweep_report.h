#pragma once
// The results of `itera sweep`: one row per design point (results.csv) and the table
// of the best points. Both depend only on the sweep spec and the points' simulate
// JSON reports (read back through the report's fields, report_fields.h), never on the
// job count or the order in which points finished.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report_fields.h"
#include "sim_report.h"
#include "sweep_spec.h"
#include "text.h"

namespace itera::sweep {

// The keys of the report totals (total_fields()) results.csv carries, in column order.
const std::vector<std::string>& metric_keys();
// Their fields; throws itera::Error when a key is not a total field (a programming error).
const std::vector<const TotalField*>& metric_fields();

struct PointResult {
  bool ok = false;
  std::string error;  // !ok: why (the first line of the worker's stderr, ...)
  SimReport report;   // ok: the totals of the point's simulate report (no layers)
};

// A point's result from its simulate JSON report (sim_totals_from_json); throws
// itera::Error naming the figure that is missing or of the wrong type.
PointResult result_from_report(const nlohmann::json& report);

// A metric's text in results.csv: integers as integers, other numbers {:.6g}.
std::string metric_text(const TotalField& field, const SimReport& report);

using itera::csv_field;  // RFC 4180 quoting (text.h)

// results.csv: header `point,<grid keys>,status,<metric_keys()>,error`, one row per point.
std::string results_csv(const SweepSpec& spec, const std::vector<PointResult>& results);
// Its header line and the row of point `index`, each newline-terminated, for writing
// the file a row at a time.
std::string results_csv_header(const SweepSpec& spec);
std::string results_csv_row(const SweepSpec& spec, size_t index, const PointResult& result);

// The `count` successful points with the fewest total cycles (ties: lower index), as a
// text table with their grid values, cycles, latency and PE utilization. Empty when no
// point succeeded.
std::string best_points_table(const SweepSpec& spec, const std::vector<PointResult>& results, size_t count = 5);

// The same table, fed one point at a time in any order; holds `count` points, not all.
class BestPoints {
 public:
  explicit BestPoints(size_t count = 5) : count_(count) {}
  void add(size_t index, const PointResult& result);
  size_t successful() const { return successful_; }
  std::string table(const SweepSpec& spec) const;

 private:
  struct Entry {
    size_t index = 0;
    int64_t total_cycles = 0;
    double latency_us = 0, pe_utilization = 0;
  };
  size_t count_;
  size_t successful_ = 0;
  std::vector<Entry> best_;  // fewest cycles first, ties by index
};

}  // namespace itera::sweep
