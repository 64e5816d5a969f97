#pragma once
// The timing of a DRAM device the accelerator's memory model can use (memory.dram in
// the accelerator config). The named presets are data: one YAML file per preset in
// configs/dram/, read by sim/dram_preset_files.h. Their numbers are JEDEC-derived
// timings as published in the configuration files of the DRAMsim3 and Ramulator
// simulators; each preset's `source` names the file they were taken from.
//
// All timing parameters are in cycles of the DRAM clock (tck_ns); data moves on
// both clock edges, so data_rate_mts = 2000 / tck_ns.
#include <string>

namespace itera {

struct DramTiming {
  std::string name;       // e.g. "ddr4-3200"
  int channels = 0;       // independent channels
  int bus_bits = 0;       // data bus width of one channel
  int data_rate_mts = 0;  // transfers per second per pin, in millions
  double tck_ns = 0;      // DRAM clock period
  int banks = 0;          // banks per channel (all bank groups)
  int row_bytes = 0;      // bytes in one open row of one channel
  int burst_length = 0;   // transfers (beats) per read or write burst
  int tCL = 0;            // read command to first data
  int tRCD = 0;           // activate to read/write
  int tRP = 0;            // precharge to activate
  int tRAS = 0;           // activate to precharge
  int tREFI = 0;          // average interval between refresh commands
  int tRFC = 0;           // duration of one refresh
  std::string source;     // where the numbers come from

  // Peak bandwidth of all channels together, GB/s (10^9 bytes per second).
  double peak_gbps() const;
};

}  // namespace itera
