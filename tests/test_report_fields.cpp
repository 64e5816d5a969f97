// The simulate report's schema (sim/report_fields.h): its fields against the keys of a
// real `itera simulate` report, the JSON read back and written again, every form of a
// read-back report against the CLI's own outputs, SCALE-Sim's CSV headers, derived
// figures computed here, and the errors of a bad report.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "accel_config_reader.h"
#include "error.h"
#include "report_fields.h"
#include "sim_report.h"
#include "test_support.h"

namespace itera {
namespace {

using nlohmann::json;
using testing::run_cli;
using testing::TempDir;

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Dense, low-rank (on a dedicated array) and repeated ops; a name longer than the table's column.
const char* const kTrace =
    "itera-trace 1\n"
    "@source test\n"
    "model.layers.0.self_attn.q_proj dense 32 256 256 4 8 0 0 2 - -\n"
    "q.lr_down lr_down 32 256 16 4 8 0 16 2 - -\n"
    "q.lr_up lr_up 32 16 256 4 8 0 16 2 q.lr_down model.layers.0.self_attn.q_proj\n"
    "down dense 32 704 256 8 8 0 0 1 - -\n";
const char* const kConfig =
    "array: {rows: 16, cols: 16}\n"
    "buffers: {weight: {kb: 32}, input: {kb: 32}, output: {kb: 16}}\n"
    "low_rank: {datapath: dedicated, dedicated_rows: 4, dedicated_cols: 4}\n";

// One `itera simulate` run with --json and --csv: its files and stdout.
struct CliReport {
  std::string json_text, compute_csv, bandwidth_csv, table;
  json report;
};

CliReport simulate_once(const TempDir& dir) {
  write(dir.file("t.trace"), kTrace);
  write(dir.file("c.yaml"), kConfig);
  const auto r = run_cli("simulate '" + dir.file("t.trace") + "' --config '" + dir.file("c.yaml") +
                         "' --no-timing --json '" + dir.file("r.json") + "' --csv '" + dir.path() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  CliReport c;
  c.json_text = slurp(dir.file("r.json"));
  c.compute_csv = slurp(dir.file("COMPUTE_REPORT.csv"));
  c.bandwidth_csv = slurp(dir.file("BANDWIDTH_REPORT.csv"));
  c.table = r.out;
  c.report = json::parse(c.json_text.empty() ? "{}" : c.json_text);
  return c;
}

// The keys of every leaf of `object`, nested levels joined by '.'.
void leaf_keys(const json& object, const std::string& prefix, std::set<std::string>& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object())
      leaf_keys(*it, key, out);
    else
      out.insert(key);
  }
}

template <class Record>
std::set<std::string> json_keys_of(const std::vector<Field<Record>>& fields) {
  std::set<std::string> keys;
  for (const Field<Record>& f : fields)
    if (f.in_json()) keys.insert(f.key);
  return keys;
}

TEST(ReportFields, EveryKeyOfARealReportIsAFieldAndEveryFieldIsInIt) {
  TempDir dir;
  const CliReport c = simulate_once(dir);
  ASSERT_TRUE(c.report.contains("layers"));
  json totals = c.report;
  totals.erase("layers");
  std::set<std::string> keys;
  leaf_keys(totals, "", keys);
  EXPECT_EQ(keys, json_keys_of(total_fields()));
  ASSERT_EQ(c.report["layers"].size(), 4u);
  std::set<std::string> arrays;
  for (const json& layer : c.report["layers"]) {
    std::set<std::string> layer_keys;
    leaf_keys(layer, "", layer_keys);
    EXPECT_EQ(layer_keys, json_keys_of(layer_fields())) << layer["name"];
    arrays.insert(layer["array"].get<std::string>());
  }
  EXPECT_EQ(arrays, (std::set<std::string>{"main", "low_rank"}));
}

TEST(ReportFields, JsonReadBackAndWrittenAgainIsByteIdentical) {
  TempDir dir;
  const CliReport c = simulate_once(dir);
  ASSERT_FALSE(c.json_text.empty());
  const SimReport r = sim_report_from_json(c.report);
  EXPECT_EQ(r.layers.size(), 4u);
  EXPECT_EQ(r.layers[1].unit, Unit::LowRank);
  EXPECT_EQ(r.total_cycles, c.report["total_cycles"].get<int64_t>());
  EXPECT_EQ(sim_json(r).dump(2) + "\n", c.json_text);
  // The totals alone hold the same totals and no layers.
  const SimReport totals = sim_totals_from_json(c.report);
  EXPECT_TRUE(totals.layers.empty());
  json without_layers = c.report;
  without_layers["layers"] = json::array();
  EXPECT_EQ(sim_json(totals), without_layers);
}

TEST(ReportFields, TableAndCsvOfAReadBackReportEqualTheCliOutputs) {
  // They are generated from the same fields, so the JSON figures are all they need
  // (and the config's description, which the JSON does not hold).
  TempDir dir;
  const CliReport c = simulate_once(dir);
  SimReport r = sim_report_from_json(c.report);
  EXPECT_EQ(compute_report_csv(r), c.compute_csv);
  EXPECT_EQ(bandwidth_report_csv(r), c.bandwidth_csv);
  r.config_text = describe(parse_accel_config(kConfig, "c.yaml"));
  EXPECT_EQ(sim_table(r, true), c.table);
  // The long name is cut to the column.
  EXPECT_NE(c.table.find("\nmodel.layers.0.self_attn.q_~ "), std::string::npos) << c.table;
}

TEST(ReportFields, KeysAreUniqueAndEveryColumnNamesAField) {
  std::set<std::string> layer_keys, total_keys;
  for (const LayerField& f : layer_fields()) EXPECT_TRUE(layer_keys.insert(f.key).second) << f.key;
  for (const TotalField& f : total_fields()) EXPECT_TRUE(total_keys.insert(f.key).second) << f.key;
  for (const TableColumn& c : sim_table_columns()) EXPECT_NE(find_layer_field(c.key), nullptr) << c.key;
  for (const CsvColumn& c : compute_report_columns()) EXPECT_NE(find_layer_field(c.key), nullptr) << c.key;
  for (const CsvColumn& c : bandwidth_report_columns()) EXPECT_NE(find_layer_field(c.key), nullptr) << c.key;
  for (const std::string& line : sim_summary_lines()) {
    for (size_t open = line.find('{'); open != std::string::npos; open = line.find('{', open + 1)) {
      const std::string key = line.substr(open + 1, line.find_first_of(":}", open) - open - 1);
      EXPECT_NE(find_total_field(key), nullptr) << key << " in " << line;
    }
  }
  EXPECT_THROW(layer_field("no_such_figure"), Error);
  EXPECT_THROW(total_field("tile.M"), Error);  // a layer's figure only
  // Every field's text format fits its kind.
  for (const LayerField& f : layer_fields()) EXPECT_NO_THROW(format_value(f.get(LayerReport{}, SimReport{}), f.format));
  for (const TotalField& f : total_fields()) EXPECT_NO_THROW(format_value(f.get(SimReport{}, SimReport{}), f.format));
}

TEST(ReportFields, CsvHeadersAreScaleSimV3sThenItera) {
  // SCALE-Sim v3's headers (scalesim/simulator.py), then itera's own figures.
  const SimReport empty;
  EXPECT_EQ(compute_report_csv(empty),
            "LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, "
            "Compute Util %, Layer Name, Kind, Repeat, itera Total Cycles, itera Compute Cycles, itera Stall Cycles, "
            "itera Stall DRAM Cycles, itera Stall Bank Cycles, itera Stall Dependency Cycles, MACs, itera PE Util %, "
            "itera Mapping Efficiency %, Latency us, Bound,\n");
  EXPECT_EQ(bandwidth_report_csv(empty),
            "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM "
            "BW, Avg OFMAP DRAM BW, Layer Name, itera Input SRAM Read B/cycle, itera Weight SRAM Read B/cycle, "
            "itera Output SRAM Write B/cycle, itera Input Fill B/cycle, itera Weight Fill B/cycle, itera Output "
            "Write-back B/cycle, DRAM Read Bytes, DRAM Write Bytes, itera DRAM BW % of Peak, Row Hit Rate,\n");
}

double real(const LayerField& f, const LayerReport& l, const SimReport& r) { return std::get<double>(f.get(l, r)); }

TEST(ReportFields, DerivedLayerFiguresFollowTheirDefinitions) {
  SimReport r;
  r.period_ns = 2.5;
  LayerReport l;
  l.total_cycles = 400;
  l.compute_cycles = 100;
  l.pe_utilization = 0.2;
  l.mapping_efficiency = 0.75;
  l.sram_read_bytes[Buffer::Weight] = 800;   // weight: FILTER SRAM
  l.sram_read_bytes[Buffer::Input] = 1200;  // input: IFMAP SRAM
  l.sram_write_bytes[Buffer::Weight] = 40;   // weight fills: FILTER DRAM
  l.sram_write_bytes[Buffer::Input] = 60;   // input fills: IFMAP DRAM
  l.sram_write_bytes[Buffer::Output] = 2000;  // output: OFMAP SRAM
  l.dram_write_bytes = 100;      // output drains: OFMAP DRAM
  EXPECT_DOUBLE_EQ(real(layer_field("pe_utilization_percent"), l, r), 20.0);
  EXPECT_DOUBLE_EQ(real(layer_field("mapping_efficiency_percent"), l, r), 75.0);
  EXPECT_DOUBLE_EQ(real(layer_field("latency_us"), l, r), 1.0);  // 400 x 2.5 ns
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.weight_sram_read"), l, r), 2.0);
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.input_sram_read"), l, r), 3.0);
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.output_sram_write"), l, r), 5.0);
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.weight_fill"), l, r), 0.1);
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.input_fill"), l, r), 0.15);
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.output_write_back"), l, r), 0.25);
  l.total_cycles = 0;  // no cycles: no bandwidth
  EXPECT_DOUBLE_EQ(real(layer_field("bandwidth.output_write_back"), l, r), 0.0);
  for (const LayerField& f : layer_fields()) {
    if (!f.in_json()) {
      EXPECT_EQ(f.kind, FieldKind::Real) << f.key;
    }
  }
}

std::string read_error(const json& report) {
  try {
    sim_report_from_json(report);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ReportFields, AMissingOrMistypedFigureIsNamed) {
  TempDir dir;
  const json good = simulate_once(dir).report;
  ASSERT_EQ(read_error(good), "(no error)");
  json j = good;
  j["layers"][2]["tile"].erase("M");
  EXPECT_EQ(read_error(j), "layer 2 of the simulate report has no 'tile.M'");
  j = good;
  j["total_cycles"] = "many";
  EXPECT_EQ(read_error(j), "the simulate report: 'total_cycles' must be an integer, not a string");
  j = good;
  j["layers"][0]["macs"] = 1.5;
  EXPECT_EQ(read_error(j), "layer 0 of the simulate report: 'macs' must be an integer, not a real number");
  j = good;
  j["sram"]["output"] = 3;
  EXPECT_EQ(read_error(j), "the simulate report has no 'sram.output.read_bytes'");
  j = good;
  j["pe_utilization"] = nullptr;
  EXPECT_EQ(read_error(j), "the simulate report: 'pe_utilization' must be a number, not null");
  j = good;
  j["layers"][1]["array"] = "gpu";
  EXPECT_EQ(read_error(j), "layer 1 of the simulate report: 'array' is 'gpu', not main or low_rank");
  j = good;
  j["layers"][0]["wbits"] = int64_t{1} << 40;
  EXPECT_EQ(read_error(j), "layer 0 of the simulate report: 'wbits' is 1099511627776, out of range");
  j = good;
  j["layers"] = json::object();
  EXPECT_EQ(read_error(j), "the simulate report: 'layers' must be an array");
  j = good;
  j.erase("layers");
  EXPECT_EQ(read_error(j), "the simulate report has no 'layers'");
  EXPECT_EQ(read_error(json::array()), "the simulate report is not a JSON object");
}

}  // namespace
}  // namespace itera
