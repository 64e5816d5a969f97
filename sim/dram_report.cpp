#include "dram_report.h"

#include <fmt/format.h>

namespace itera {

namespace {

DramValue count(uint64_t v) { return static_cast<int64_t>(v); }

std::string formatted(const DramValue& value, const char* format) {
  return std::visit([&](const auto& v) { return fmt::format(fmt::runtime(format), v); }, value);
}

}  // namespace

double DramReport::bandwidth_gbps() const {
  const double ns = static_cast<double>(run.cycles) * tck_ns;
  return ns > 0 ? static_cast<double>(run.served_bytes) / ns : 0.0;
}

double DramReport::percent_of_peak() const { return peak_gbps > 0 ? 100.0 * bandwidth_gbps() / peak_gbps : 0.0; }

double DramReport::avg_read_latency_cycles() const {
  return run.reads == 0 ? 0.0 : static_cast<double>(run.served_read_latency) / static_cast<double>(run.reads);
}

const std::vector<DramReportField>& dram_report_fields() {
  using R = DramReport;
  static const std::vector<DramReportField> fields = {
      {"preset", "DRAM preset", "", "{}", [](const R& r) -> DramValue { return r.preset; }},
      {"mapping", "address mapping", "", "{}", [](const R& r) -> DramValue { return r.mapping; }},
      {"queue_depth", "queue depth", "bursts per channel", "{}",
       [](const R& r) -> DramValue { return static_cast<int64_t>(r.queue_depth); }},
      {"source", "requests from", "", "{}", [](const R& r) -> DramValue { return r.source; }},
      {"requests", "requests", "", "{}", [](const R& r) { return count(r.run.requests); }},
      {"requests_entered", "requests entered", "", "{}", [](const R& r) { return count(r.run.entered); }},
      {"cycles", "cycles", "DRAM cycles", "{}", [](const R& r) { return count(r.run.cycles); }},
      {"bandwidth_gbps", "bandwidth", "GB/s", "{:.3f}", [](const R& r) -> DramValue { return r.bandwidth_gbps(); }},
      {"peak_gbps", "peak bandwidth", "GB/s", "{:.3f}", [](const R& r) -> DramValue { return r.peak_gbps; }},
      {"percent_of_peak", "of peak", "%", "{:.2f}", [](const R& r) -> DramValue { return r.percent_of_peak(); }},
      {"reads", "reads served", "bursts", "{}", [](const R& r) { return count(r.run.reads); }},
      {"writes", "writes served", "bursts", "{}", [](const R& r) { return count(r.run.writes); }},
      {"served_bytes", "bytes served", "bytes", "{}", [](const R& r) { return count(r.run.served_bytes); }},
      {"row_hit_rate", "row-buffer hit rate", "", "{:.4f}",
       [](const R& r) -> DramValue { return r.run.stats.row_hit_rate(); }},
      {"row_hits", "row hits", "bursts", "{}", [](const R& r) { return count(r.run.stats.row_hits); }},
      {"row_misses", "row misses", "bursts", "{}", [](const R& r) { return count(r.run.stats.row_misses); }},
      {"row_conflicts", "row conflicts", "bursts", "{}", [](const R& r) { return count(r.run.stats.row_conflicts); }},
      {"refreshes", "refreshes", "", "{}", [](const R& r) { return count(r.run.stats.refreshes); }},
      {"avg_read_latency_cycles", "average read latency", "DRAM cycles", "{:.2f}",
       [](const R& r) -> DramValue { return r.avg_read_latency_cycles(); }},
  };
  return fields;
}

std::string dram_report_table(const DramReport& report) {
  std::string out;
  for (const DramReportField& f : dram_report_fields()) {
    const std::string value = formatted(f.get(report), f.format);
    out += *f.unit == '\0' ? fmt::format("{:<22} {}\n", f.label, value)
                           : fmt::format("{:<22} {} {}\n", f.label, value, f.unit);
  }
  return out;
}

nlohmann::json dram_report_json(const DramReport& report) {
  nlohmann::json j = nlohmann::json::object();
  for (const DramReportField& f : dram_report_fields())
    j[f.key] = std::visit([](const auto& v) { return nlohmann::json(v); }, f.get(report));
  return j;
}

}  // namespace itera
