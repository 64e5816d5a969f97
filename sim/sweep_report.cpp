#include "sweep_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace itera::sweep {

namespace {

std::string point_name(size_t index) { return std::to_string(index); }

}  // namespace

const std::vector<std::string>& metric_keys() {
  static const std::vector<std::string> keys = {
      "total_cycles",    "compute_cycles",   "stall_cycles",           "macs", "pe_utilization", "latency_us",
      "dram_read_bytes", "dram_write_bytes", "dram_bandwidth_percent", "pes"};
  return keys;
}

const std::vector<const TotalField*>& metric_fields() {
  static const std::vector<const TotalField*> fields = [] {
    std::vector<const TotalField*> out;
    for (const std::string& key : metric_keys()) out.push_back(&total_field(key));
    return out;
  }();
  return fields;
}

PointResult result_from_report(const nlohmann::json& report) {
  PointResult r;
  r.report = sim_totals_from_json(report);
  r.ok = true;
  return r;
}

std::string metric_text(const TotalField& field, const SimReport& report) {
  const FieldValue v = field.get(report, report);
  return format_value(v, field.kind == FieldKind::Real ? "{:.6g}" : "{}");
}

std::string results_csv(const SweepSpec& spec, const std::vector<PointResult>& results) {
  std::string out = "point";
  for (const GridAxis& a : spec.grid) out += "," + itera::csv_field(a.key);
  out += ",status";
  for (const TotalField* f : metric_fields()) out += "," + itera::csv_field(f->key);
  out += ",error\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const PointResult& r = results[i];
    out += point_name(i);
    const std::vector<size_t> c = spec.choice(i);
    for (size_t a = 0; a < spec.grid.size(); ++a) out += "," + itera::csv_field(spec.grid[a].values[c[a]].text);
    out += r.ok ? ",ok" : ",error";
    for (const TotalField* f : metric_fields())
      out += "," + (r.ok ? itera::csv_field(metric_text(*f, r.report)) : std::string());
    out += "," + (r.ok ? std::string() : itera::csv_field(r.error)) + "\n";
  }
  return out;
}

std::string best_points_table(const SweepSpec& spec, const std::vector<PointResult>& results, size_t count) {
  std::vector<size_t> ok;
  for (size_t i = 0; i < results.size(); ++i)
    if (results[i].ok) ok.push_back(i);
  if (ok.empty()) return "";
  const size_t successful = ok.size();
  std::stable_sort(ok.begin(), ok.end(), [&](size_t a, size_t b) {
    const int64_t ca = results[a].report.total_cycles, cb = results[b].report.total_cycles;
    if (ca != cb) return ca < cb;
    return a < b;
  });
  ok.resize(std::min(ok.size(), count));

  // Columns: point, each grid key, cycles, latency, utilization.
  std::vector<std::string> header = {"point"};
  for (const GridAxis& a : spec.grid) header.push_back(a.key);
  header.insert(header.end(), {"total_cycles", "latency_us", "PE util"});
  std::vector<std::vector<std::string>> rows;
  for (size_t i : ok) {
    std::vector<std::string> row = {point_name(i)};
    const std::vector<size_t> c = spec.choice(i);
    for (size_t a = 0; a < spec.grid.size(); ++a) row.push_back(spec.grid[a].values[c[a]].text);
    const PointResult& r = results[i];
    row.push_back(std::to_string(r.report.total_cycles));
    row.push_back(fmt::format("{:.3f}", r.report.latency_us));
    row.push_back(fmt::format("{:.1f}%", 100.0 * r.report.pe_utilization));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  const size_t first_number = header.size() - 3;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = " ";
    for (size_t c = 0; c < cells.size(); ++c) {
      const bool right = c == 0 || c >= first_number;
      out += " " + (right ? fmt::format("{:>{}}", cells[c], width[c]) : fmt::format("{:<{}}", cells[c], width[c]));
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = fmt::format("best {} of {} successful point{} (fewest total cycles):\n", rows.size(), successful,
                                successful == 1 ? "" : "s");
  out += line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace itera::sweep
