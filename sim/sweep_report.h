#pragma once
// The results of `itera sweep`: one row per design point (results.csv) and the table
// of the best points. Both depend only on the sweep spec and the points' simulate
// JSON reports, never on the job count or the order in which points finished.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep_spec.h"

namespace itera::sweep {

// The simulate report figures results.csv carries, in column order.
const std::vector<std::string>& metric_keys();

struct PointResult {
  bool ok = false;
  std::string error;                 // !ok: why (the first line of the worker's stderr, ...)
  std::vector<std::string> metrics;  // ok: metric_keys() formatted for the CSV
  double total_cycles = 0, latency_us = 0, pe_utilization = 0;
};

// A point's result from its simulate JSON report; throws itera::Error when a figure is
// missing or not a number. Integers stay integers; other numbers are written {:.6g}.
PointResult result_from_report(const nlohmann::json& report);

// RFC 4180: quoted (inner quotes doubled) when it holds a comma, quote, CR or LF.
std::string csv_field(const std::string& s);

// results.csv: header `point,<grid keys>,status,<metric_keys()>,error`, one row per point.
std::string results_csv(const SweepSpec& spec, const std::vector<PointResult>& results);

// The `count` successful points with the fewest total cycles (ties: lower index), as a
// text table with their grid values, cycles, latency and PE utilization. Empty when no
// point succeeded.
std::string best_points_table(const SweepSpec& spec, const std::vector<PointResult>& results, size_t count = 5);

}  // namespace itera::sweep
