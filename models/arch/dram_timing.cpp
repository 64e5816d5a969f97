#include "dram_timing.h"

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace {

// DDR4 x8 devices, 8 Gb: 4 bank groups x 4 banks, 1024 columns x 8 bits = 1 KB
// rows per device; eight devices make one 64-bit rank, so a row is 8 KB.
DramTiming ddr4_x8_8gb(const char* name, int rate_mts) {
  DramTiming t;
  t.name = name;
  t.channels = 1;
  t.bus_bits = 64;
  t.data_rate_mts = rate_mts;
  t.tck_ns = 2000.0 / rate_mts;  // exact; DRAMsim3 writes it rounded (0.833, 0.63)
  t.banks = 16;
  t.row_bytes = 8 * 1024;
  t.burst_length = 8;
  return t;
}

DramTiming ddr4_2400() {
  DramTiming t = ddr4_x8_8gb("ddr4-2400", 2400);
  t.tCL = 16;
  t.tRCD = 16;
  t.tRP = 16;
  t.tRAS = 39;
  t.tREFI = 9364;
  t.tRFC = 420;
  t.source = "DRAMsim3 (umd-memsys/DRAMsim3) configs/DDR4_8Gb_x8_2400.ini (Micron MT40A1G8PM-083E)";
  return t;
}

DramTiming ddr4_3200() {
  DramTiming t = ddr4_x8_8gb("ddr4-3200", 3200);
  t.tCL = 22;
  t.tRCD = 22;
  t.tRP = 22;
  t.tRAS = 52;
  t.tREFI = 12480;
  t.tRFC = 560;
  t.source = "DRAMsim3 (umd-memsys/DRAMsim3) configs/DDR4_8Gb_x8_3200.ini";
  return t;
}

// LPDDR4 dies have two independent 16-bit channels; the preset is one such x32
// package (2 x 16 bits), 8 Gb per channel, 8 banks, 1024 columns x 16 bits = 2 KB
// rows, BL16. tRP is the per-bank precharge (tRPpb), tRFC the all-bank refresh.
DramTiming lpddr4_3200() {
  DramTiming t;
  t.name = "lpddr4-3200";
  t.channels = 2;
  t.bus_bits = 16;
  t.data_rate_mts = 3200;
  t.tck_ns = 0.625;
  t.banks = 8;
  t.row_bytes = 2 * 1024;
  t.burst_length = 16;
  t.tCL = 32;
  t.tRCD = 29;
  t.tRP = 27;
  t.tRAS = 68;
  t.tREFI = 6247;
  t.tRFC = 288;
  t.source =
      "Ramulator (CMU-SAFARI/ramulator) src/LPDDR4.h speed_table LPDDR4_3200 and src/LPDDR4.cpp "
      "(LPDDR4_8Gb_x16, Refresh_1X)";
  return t;
}

// One HBM2 stack: 8 channels x 128 bits at a 1 GHz clock, 16 banks and 1 KB rows
// (64 columns x 128 bits) per channel, BL4.
DramTiming hbm2() {
  DramTiming t;
  t.name = "hbm2";
  t.channels = 8;
  t.bus_bits = 128;
  t.data_rate_mts = 2000;
  t.tck_ns = 1.0;
  t.banks = 16;
  t.row_bytes = 1024;
  t.burst_length = 4;
  t.tCL = 14;
  t.tRCD = 14;
  t.tRP = 14;
  t.tRAS = 34;
  t.tREFI = 3900;
  t.tRFC = 260;
  t.source = "DRAMsim3 (umd-memsys/DRAMsim3) configs/HBM2_8Gb_x128.ini (tRCD = tRCDRD)";
  return t;
}

}  // namespace

double DramTiming::peak_gbps() const {
  return channels * (bus_bits / 8.0) * data_rate_mts / 1000.0;
}

const std::vector<DramTiming>& dram_presets() {
  static const std::vector<DramTiming> presets = {ddr4_2400(), ddr4_3200(), lpddr4_3200(), hbm2()};
  return presets;
}

std::string dram_preset_names() {
  std::string out;
  for (const DramTiming& t : dram_presets()) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

const DramTiming& find_dram_preset(const std::string& name) {
  for (const DramTiming& t : dram_presets())
    if (t.name == name) return t;
  throw Error(fmt::format("unknown DRAM preset '{}'; known presets: {}", name, dram_preset_names()));
}

}  // namespace itera
