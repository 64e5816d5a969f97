#pragma once
// The report of `itera simulate`: per layer (trace op) and in total, built from what
// the SystemC blocks counted. Every figure of a layer includes its repeats (each op is
// simulated once and its figures multiplied by its repeat count).
//
// Definitions:
//   total cycles   the layer's window of the timeline (models/sim_run.h): the run's
//                  timeline unit (the main array, or the dedicated low-rank array when
//                  the main one runs nothing) partitions the run by its own progress. A
//                  layer on that unit owns the cycles from the moment the array finished
//                  computing the unit's previous layer (in trace order; 0 for the first)
//                  to the moment it finishes computing its own last fold; the unit's last
//                  layer's window runs on to the end of the run (final write-backs, work
//                  left on the other array). Layers of the dedicated low-rank array run
//                  concurrently under those windows and own 0 cycles. The windows add up
//                  to the run's cycles exactly, and every compute cycle of a layer lies in
//                  its own window;
//   compute        the window's array cycles spent preloading, streaming and draining
//                  folds (all of the layer's own);
//   stall          total - compute, split into
//                    bank        SRAM banks x ports could not feed the array at full rate,
//                    dependency  waiting for the other (dedicated low-rank) array: for an op
//                                this one accumulates into, or idle while that array
//                                finishes the run,
//                    dram        the rest: the array waited for a tile still moving
//                                through DRAM (or for its write-backs);
//   PE utilization useful MACs / (PEs x MACs per PE per cycle x total cycles), where a PE
//                  does floor(native_bits / wbits) MACs per cycle on narrow weights; at
//                  most 1, as the layer's compute lies in its window (0 without cycles);
//   mapping eff.   useful MACs / MAC slots of the folds while streaming;
//   DRAM BW %      the DRAM traffic served during the window (every transfer's bytes
//                  spread evenly over the cycles it was served, whoever asked for it) /
//                  (total cycles x peak bytes per cycle): at most 100, as the DRAM serves
//                  one transfer at a time (0 without cycles). DRAM read / write bytes
//                  are the layer's own traffic, wherever it fell in time;
//   DRAM busy      cycles the DRAM spent serving the layer's own transfers;
//   SRAM port      cycles the SRAM ports alone needed for the layer's array accesses:
//                  each buffer moves banks x ports words per cycle, the three in
//                  parallel, phase by phase (models/arch/fold_work.h);
//   SRAM bytes     the layer's own traffic: the array's reads and writes, the DMA's fills
//                  and write-back drains;
//   bound          the resource that alone needed the most cycles for the layer (a
//                  roofline over its own figures, whatever its window): with C the compute
//                  cycles its array spent on it (at full port rate), S its SRAM port
//                  cycles and D its DRAM busy cycles, dram when D > max(C, S), else sram
//                  when S > C, else compute (ties go to compute, then sram);
//   scalesim       SCALE-Sim's figures, as SCALE-Sim defines them (scalesim_figures.h).
// A count that does not fit 64 bits (with its repeats, or in the totals) is an error
// naming the layer.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accel_config.h"
#include "fidelity.h"
#include "scalesim_figures.h"
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
  int64_t sram_port_cycles = 0, compulsory_bytes = 0;
  double pe_utilization = 0, mapping_efficiency = 0, dram_bw_percent = 0, row_hit_rate = 0;
  std::string bound;  // compute | dram | sram
  ScaleSimFigures scalesim;  // cycle counts x repeat
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
// SCALE-Sim's COMPUTE_REPORT.csv / BANDWIDTH_REPORT.csv columns first, in its (v3)
// order and meaning (scalesim_figures.h), then ours, named "itera ..." where SCALE-Sim
// has a figure of the same name.
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
