#pragma once
// The report of `itera simulate`: per layer (trace op) and in total, built from what
// the SystemC blocks counted. Every figure of a layer includes its repeats (each op is
// simulated once and its figures multiplied by its repeat count).
//
// Definitions:
//   total cycles   the layer's share of the timeline: from the previous layer's
//                  completion to its own (the next layer's loads overlap this one's tail);
//   compute        array cycles spent preloading, streaming and draining folds;
//   stall          total - compute, split into
//                    dram        the array waited for a tile still moving through DRAM,
//                    bank        SRAM banks x ports could not feed the array at full rate,
//                    dependency  waiting for an op on the other (dedicated low-rank) array;
//   PE utilization useful MACs / (PEs x MACs per PE per cycle x total cycles), where a PE
//                  does floor(native_bits / wbits) MACs per cycle on narrow weights;
//   mapping eff.   useful MACs / MAC slots of the folds while streaming (SCALE-Sim's);
//   bound          memory when DRAM was busy for more cycles than the array computed;
//   DRAM BW %      bytes moved / (total cycles x peak bytes per cycle).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accel_config.h"
#include "fidelity.h"
#include "sim_run.h"
#include "trace.h"
#include "units.h"

namespace itera {

struct LayerReport {
  std::string name, kind;
  Unit unit = Unit::Main;
  int repeat = 1;
  int64_t m = 0, k = 0, n = 0;
  int wbits = 0, abits = 0, rank = 0;
  int64_t tile_m = 0, tile_k = 0, tile_n = 0, steps = 0;
  // Including repeats:
  int64_t total_cycles = 0, compute_cycles = 0, stall_cycles = 0;
  int64_t stall_dram = 0, stall_bank = 0, stall_dependency = 0;
  int64_t macs = 0, pe_active = 0, folds = 0;
  int64_t dram_read_bytes = 0, dram_write_bytes = 0, dram_busy_cycles = 0, dram_bursts = 0, row_hits = 0;
  PerBuffer<int64_t> sram_read_bytes, sram_write_bytes;
  int64_t compulsory_bytes = 0;
  double pe_utilization = 0, mapping_efficiency = 0, dram_bw_percent = 0, row_hit_rate = 0;
  std::string bound;  // memory | compute
};

struct SimReport {
  std::string source;       // the trace's origin
  std::string fidelity;     // cycle | fast
  std::string config_text;  // describe(config)
  std::string dram;         // the memory model
  double clock_mhz = 0, period_ns = 0;
  double dram_peak_bytes_per_cycle = 0;
  int64_t pes = 0;          // all arrays
  std::vector<LayerReport> layers;
  int64_t total_cycles = 0, compute_cycles = 0, stall_cycles = 0;
  int64_t stall_dram = 0, stall_bank = 0, stall_dependency = 0;
  int64_t macs = 0, dram_read_bytes = 0, dram_write_bytes = 0, dram_bursts = 0, row_hits = 0;
  PerBuffer<int64_t> sram_read_bytes, sram_write_bytes;
  double pe_utilization = 0, latency_us = 0, dram_bw_percent = 0, row_hit_rate = 0;
  // Only for humans (never in JSON / CSV, so reports stay byte-identical):
  double wall_seconds = 0;
  int64_t simulated_cycles = 0;  // one copy of each op
};

SimReport build_sim_report(const Trace& trace, const AccelConfig& config, const hw::SimRun& run,
                           hw::Fidelity fidelity);

// The forms of the report, generated from its fields (report_fields.h).
std::string sim_table(const SimReport& r, bool timing);
nlohmann::json sim_json(const SimReport& r);
// SCALE-Sim's COMPUTE_REPORT.csv / BANDWIDTH_REPORT.csv columns first, in its order,
// then ours. Bandwidths are bytes per cycle.
std::string compute_report_csv(const SimReport& r);
std::string bandwidth_report_csv(const SimReport& r);

// The report read back from sim_json()'s output; throws itera::Error naming the key of a
// figure that is missing or of the wrong type. What the JSON does not hold stays empty
// (config_text, dram_bursts, row_hits, wall_seconds, simulated_cycles), and period_ns is
// the report's latency over its cycles (1000 / clock_mhz when it has none).
SimReport sim_report_from_json(const nlohmann::json& json);
// The same without the layers (only the totals are read).
SimReport sim_totals_from_json(const nlohmann::json& json);

// The columns of the forms, each a field of layer_fields() by key.
struct TableColumn {
  const char* key;
  const char* header;
  int width;
  bool left = false;          // left-aligned (default: right)
  const char* format = "{}";  // the cell's text (fmt) before it is padded to `width`
  size_t max_chars = 0;       // > 0: longer text is cut to max_chars - 1 characters and '~'
};
struct CsvColumn {
  const char* key;
  const char* header;  // the cell's text is the field's format
};
const std::vector<TableColumn>& sim_table_columns();
const std::vector<CsvColumn>& compute_report_columns();    // after LayerID (the layer's index)
const std::vector<CsvColumn>& bandwidth_report_columns();  // after LayerID
// The table's summary lines: text with "{key}" or "{key:spec}" (fmt) for the fields of
// total_fields().
const std::vector<std::string>& sim_summary_lines();

}  // namespace itera
