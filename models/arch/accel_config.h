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

#include "dram_timing.h"

namespace itera {

enum class Dataflow { WeightStationary, OutputStationary, InputStationary };  // ws | os | is
enum class ArrayTiming { Overlapped, Classic };                               // overlapped | classic
enum class LowRankDatapath { Shared, Dedicated };                             // shared | dedicated

// The YAML spelling of each value ("ws", "classic", "dedicated", ...).
template <class E>
struct Spelling {
  const char* name;
  E value;
};
const std::vector<Spelling<Dataflow>>& dataflow_spellings();  // from the dataflow table
const std::vector<Spelling<ArrayTiming>>& timing_spellings();
const std::vector<Spelling<LowRankDatapath>>& datapath_spellings();
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
  std::string name = "ddr4-3200";  // a preset name or "simple"
  SimpleDram simple;               // memory.simple; used only when name == "simple"
  DramTiming preset;               // the named preset's timing, resolved by the config reader

  bool is_simple() const { return name == "simple"; }
  // The preset's timing; throws itera::Error when is_simple() or when it was never resolved.
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

// A few lines summarising the configuration for humans (no trailing newline).
std::string describe(const AccelConfig& config);

}  // namespace itera
