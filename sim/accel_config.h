#pragma once
// The accelerator's configuration: array shape and dataflow, PE width, memory,
// on-chip buffers and the low-rank datapath, read from a YAML file
// (configs/default.yaml is the documented default; configs/README.md the schema).
//
// Validation is strict so that a typo never silently runs the default: unknown
// keys, wrong types, out-of-range numbers and unknown names are all errors that
// name the file, the 1-based line, the full key path and what is allowed. Keys a
// file leaves out keep their default.
#include <string>

#include "dram_presets.h"

namespace itera {

enum class Dataflow { WeightStationary, OutputStationary, InputStationary };  // ws | os | is
enum class ArrayTiming { Overlapped, Classic };                               // overlapped | classic
enum class LowRankDatapath { Shared, Dedicated };                             // shared | dedicated

// The YAML spelling of each value ("ws", "classic", "dedicated", ...).
const char* to_string(Dataflow d);
const char* to_string(ArrayTiming t);
const char* to_string(LowRankDatapath p);

// The in-class defaults below are the values of configs/default.yaml (a test
// keeps them equal), so a default-constructed AccelConfig is the default config.

struct ArrayConfig {
  int rows = 32;
  int cols = 32;
  Dataflow dataflow = Dataflow::WeightStationary;
  ArrayTiming timing = ArrayTiming::Overlapped;
};

struct PeConfig {
  int native_bits = 8;          // multiplier width
  bool pack_lower_bits = true;  // b < native_bits: floor(native_bits / b) MACs per PE per cycle
};

// memory.simple: a fixed-latency, fixed-bandwidth memory instead of a DRAM model.
struct SimpleDram {
  double bandwidth_gbps = 25.6;
  double latency_ns = 50;
};

struct DramConfig {
  std::string name = "ddr4-3200";  // a preset name (dram_presets()) or "simple"
  SimpleDram simple;               // memory.simple; used only when name == "simple"

  bool is_simple() const { return name == "simple"; }
  // The preset's timing; throws itera::Error when is_simple().
  const DramTiming& timing() const;
  // Peak bandwidth in GB/s: the preset's, or memory.simple.bandwidth_gbps.
  double peak_gbps() const;
};

struct MemoryConfig {
  bool ideal = false;  // compute-only timing: no memory stalls at all
  DramConfig dram;
};

struct BufferConfig {
  int kb = 256;  // capacity in KiB
  int banks = 8;
  int ports = 2;  // accesses per cycle per bank
  bool double_buffer = true;
  int width_bytes = 16;  // bytes one port moves per access (the bank word)
};

struct BuffersConfig {
  BufferConfig weight;
  BufferConfig input;
  BufferConfig output{128, 16, 2, true, 16};  // 512 B/cycle: 32-bit psum read+write of 64 packed columns
};

struct LowRankConfig {
  LowRankDatapath datapath = LowRankDatapath::Shared;
  int dedicated_rows = 8;  // shape of the second array when datapath is dedicated
  int dedicated_cols = 8;
};

struct AccelConfig {
  double clock_mhz = 1000;
  ArrayConfig array;
  PeConfig pe;
  MemoryConfig memory;
  BuffersConfig buffers;
  LowRankConfig low_rank;
};

// The shape of PE array `unit`: 0 = the main array, 1 = the dedicated low-rank array.
struct ArrayDims {
  int rows, cols;
};
inline ArrayDims array_dims(const AccelConfig& c, int unit) {
  return unit == 0 ? ArrayDims{c.array.rows, c.array.cols}
                   : ArrayDims{c.low_rank.dedicated_rows, c.low_rank.dedicated_cols};
}

// Reads and validates a config file; throws itera::Error (see above).
AccelConfig load_accel_config(const std::string& path);
// The same for text already in memory; `filename` is only used in messages.
AccelConfig parse_accel_config(const std::string& yaml_text, const std::string& filename);
// configs/default.yaml, parsed from a copy compiled into the program.
AccelConfig default_accel_config();
// The text of configs/default.yaml, as compiled in.
const std::string& default_accel_config_yaml();

// A few lines summarising the configuration for humans (no trailing newline).
std::string describe(const AccelConfig& config);

}  // namespace itera
