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
  int bank_groups = 0;    // bank groups per channel (1: the device has none)
  int banks = 0;          // banks per channel (all bank groups), split evenly among the groups
  int rows = 0;           // rows per bank
  int row_bytes = 0;      // bytes in one open row of one channel
  int burst_length = 0;   // transfers (beats) per read or write burst
  int tCL = 0;            // read command to first data (RL; no additive latency)
  int tCWL = 0;           // write command to first data (WL)
  int tRCD = 0;           // activate to read/write
  int tRP = 0;            // precharge to activate
  int tRAS = 0;           // activate to precharge
  int tCCD_S = 0;         // column command to column command, other bank group
  int tCCD_L = 0;         // column command to column command, same bank group
  int tRRD_S = 0;         // activate to activate, other bank group
  int tRRD_L = 0;         // activate to activate, same bank group
  int tFAW = 0;           // window in which at most four activates may issue
  int tWTR_S = 0;         // end of write data to read command, other bank group
  int tWTR_L = 0;         // end of write data to read command, same bank group
  int tWR = 0;            // end of write data to precharge (write recovery)
  int tRTP = 0;           // read to precharge
  int tRTRS = 0;          // rank-to-rank switch, part of the read-to-write turnaround
  int tRPRE = 0;          // read preamble, part of the read-to-write turnaround
  int tREFI = 0;          // average interval between refresh commands
  int tRFC = 0;           // duration of one refresh
  std::string source;     // where the numbers come from

  // Peak bandwidth of all channels together, GB/s (10^9 bytes per second).
  double peak_gbps() const;
};

}  // namespace itera
