#pragma once
// Named DRAM devices the accelerator's memory model can use (memory.dram in the
// accelerator config). The numbers are JEDEC-derived timings as published in the
// configuration files of the DRAMsim3 and Ramulator simulators; each preset's
// `source` names the file they were taken from.
//
// All timing parameters are in cycles of the DRAM clock (tck_ns); data moves on
// both clock edges, so data_rate_mts = 2000 / tck_ns.
#include <string>
#include <vector>

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

// Every preset, in a fixed order: ddr4-2400, ddr4-3200, lpddr4-3200, hbm2.
const std::vector<DramTiming>& dram_presets();

// The preset with that name; throws itera::Error listing the known names.
const DramTiming& find_dram_preset(const std::string& name);

// "ddr4-2400, ddr4-3200, lpddr4-3200, hbm2", for error messages and help text.
std::string dram_preset_names();

}  // namespace itera
