#pragma once
// The accelerator's configuration: array shape and dataflow, PE width, memory,
// on-chip buffers and the low-rank datapath, read from a YAML file
// (sim/accel_config_reader.h; configs/default.yaml is the documented default,
// configs/README.md the schema).
#include <string>
#include <vector>

#include "dram_address_fields.h"
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

// A default-constructed config is all zeros, false, the first enum value and empty
// names: it is not a usable config. The defaults are data, configs/default.yaml
// (the only copy), and default_accel_config() (sim/accel_config_reader.h) gives them.

struct ArrayConfig {
  int rows = 0;
  int cols = 0;
  Dataflow dataflow{};
  ArrayTiming timing{};
};

struct PeConfig {
  int native_bits = 0;           // multiplier width
  bool pack_lower_bits = false;  // b < native_bits: floor(native_bits / b) MACs per PE per cycle
};

// memory.simple: a fixed-latency, fixed-bandwidth memory instead of a DRAM model.
struct SimpleDram {
  double bandwidth_gbps = 0;
  double latency_ns = 0;
};

struct DramConfig {
  std::string name;   // a preset name or "simple"
  SimpleDram simple;  // memory.simple; used only when name == "simple"
  DramTiming preset;  // the named preset's timing, resolved by the config reader
  // memory.address_mapping: DRAMsim3 notation (dram_address_fields.h); presets only.
  std::string address_mapping = kDefaultAddressMapping;

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
  int kb = 0;  // capacity in KiB
  int banks = 0;
  int ports = 0;  // accesses per cycle per bank
  bool double_buffer = false;
  int width_bytes = 0;  // bytes one port moves per access (the bank word)
};

struct BuffersConfig {
  BufferConfig weight;
  BufferConfig input;
  BufferConfig output;
};

struct LowRankConfig {
  LowRankDatapath datapath{};
  int dedicated_rows = 0;  // shape of the second array when datapath is dedicated
  int dedicated_cols = 0;
};

struct AccelConfig {
  double clock_mhz = 0;
  ArrayConfig array;
  PeConfig pe;
  MemoryConfig memory;
  BuffersConfig buffers;
  LowRankConfig low_rank;
};

// A few lines summarising the configuration for humans (no trailing newline).
std::string describe(const AccelConfig& config);

}  // namespace itera
