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

std::string results_csv_header(const SweepSpec& spec) {
  std::string out = "point";
  for (const GridAxis& a : spec.grid) out += "," + itera::csv_field(a.key);
  out += ",status";
  for (const TotalField* f : metric_fields()) out += "," + itera::csv_field(f->key);
  return out + ",error\n";
}

std::string results_csv_row(const SweepSpec& spec, size_t index, const PointResult& r) {
  std::string out = point_name(index);
  const std::vector<size_t> c = spec.choice(index);
  for (size_t a = 0; a < spec.grid.size(); ++a) out += "," + itera::csv_field(spec.grid[a].values[c[a]].text);
  out += r.ok ? ",ok" : ",error";
  for (const TotalField* f : metric_fields())
    out += "," + (r.ok ? itera::csv_field(metric_text(*f, r.report)) : std::string());
  return out + "," + (r.ok ? std::string() : itera::csv_field(r.error)) + "\n";
}

std::string results_csv(const SweepSpec& spec, const std::vector<PointResult>& results) {
  std::string out = results_csv_header(spec);
  for (size_t i = 0; i < results.size(); ++i) out += results_csv_row(spec, i, results[i]);
  return out;
}

void BestPoints::add(size_t index, const PointResult& r) {
  if (!r.ok) return;
  ++successful_;
  const Entry e{index, r.report.total_cycles, r.report.latency_us, r.report.pe_utilization};
  const auto before = [](const Entry& a, const Entry& b) {
    return a.total_cycles != b.total_cycles ? a.total_cycles < b.total_cycles : a.index < b.index;
  };
  best_.insert(std::upper_bound(best_.begin(), best_.end(), e, before), e);
  if (best_.size() > count_) best_.pop_back();
}

std::string BestPoints::table(const SweepSpec& spec) const {
  if (best_.empty()) return "";
  // Columns: point, each grid key, cycles, latency, utilization.
  std::vector<std::string> header = {"point"};
  for (const GridAxis& a : spec.grid) header.push_back(a.key);
  header.insert(header.end(), {"total_cycles", "latency_us", "PE util"});
  std::vector<std::vector<std::string>> rows;
  for (const Entry& e : best_) {
    std::vector<std::string> row = {point_name(e.index)};
    const std::vector<size_t> c = spec.choice(e.index);
    for (size_t a = 0; a < spec.grid.size(); ++a) row.push_back(spec.grid[a].values[c[a]].text);
    row.push_back(std::to_string(e.total_cycles));
    row.push_back(fmt::format("{:.3f}", e.latency_us));
    row.push_back(fmt::format("{:.1f}%", 100.0 * e.pe_utilization));
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
  std::string out = fmt::format("best {} of {} successful point{} (fewest total cycles):\n", rows.size(), successful_,
                                successful_ == 1 ? "" : "s");
  out += line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string best_points_table(const SweepSpec& spec, const std::vector<PointResult>& results, size_t count) {
  BestPoints best(count);
  for (size_t i = 0; i < results.size(); ++i) best.add(i, results[i]);
  return best.table(spec);
}

}  // namespace itera::sweep
