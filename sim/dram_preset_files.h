#pragma once
// The named DRAM devices of memory.dram (models/arch/dram_timing.h): one YAML file per
// preset in configs/dram/, compiled into the program (embedded_configs.h). A new preset
// is one new file there; configs/README.md ("DRAM presets") describes the format.
//
// A preset file sets every DramTiming field (name, channels, bus_bits, data_rate_mts,
// tck_ns, bank_groups, banks, rows, row_bytes, burst_length, tCL, tCWL, tRCD, tRP, tRAS,
// tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWTR_S, tWTR_L, tWR, tRTP, tRTRS, tRPRE, tREFI,
// tRFC, source) and `order`, the preset's place in listings. It is read strictly:
// unknown, missing and duplicate keys, wrong types and out-of-range or inconsistent
// values are errors naming the file, the 1-based line and the key; `name` must be the
// file's name without ".yaml". The checks across keys: bank_groups divides banks;
// channels, bank_groups, banks per group, rows and bursts per row are powers of two (the
// address mapping is made of bit fields); each _L timing is at least its _S one, and
// equal to it with bank_groups = 1.
#include <string>
#include <vector>

#include "dram_timing.h"
#include "embedded_configs.h"

namespace itera {

struct DramPresetFile {
  DramTiming timing;
  int order = 0;  // place in listings: presets are listed by ascending order
};

// Reads one preset file's text; `path` names it in messages and gives the expected name.
// Throws itera::Error.
DramPresetFile parse_dram_preset(const std::string& text, const std::string& path);

// A set of presets read from files, listed by their `order`.
class DramPresets {
 public:
  // Throws itera::Error for a bad file, two files with one name or two with one order.
  explicit DramPresets(const std::vector<EmbeddedFile>& files);

  const std::vector<DramTiming>& all() const { return presets_; }
  // nullptr when there is no such preset.
  const DramTiming* find(const std::string& name) const;
  // The preset with that name; throws itera::Error listing the known names.
  const DramTiming& get(const std::string& name) const;
  // The names in listing order, e.g. "ddr4-2400, ddr4-3200, lpddr4-3200, hbm2".
  std::string names() const;

 private:
  std::vector<DramTiming> presets_;
};

// The presets compiled into the program (configs/dram/*.yaml), read at first use.
const DramPresets& builtin_dram_presets();

// Shorthands over builtin_dram_presets().
const std::vector<DramTiming>& dram_presets();
const DramTiming& find_dram_preset(const std::string& name);
std::string dram_preset_names();

}  // namespace itera
