#pragma once
// The report of `itera resources` (and of the co-design search's resource column): an
// FPGA resource estimate (models/arch/fpga_resources.h) as a terminal table and as
// JSON, optionally against a device and a utilization limit.
//
// JSON (numbers are whole blocks; utilization is a fraction, null when the device has
// none of a resource the design uses):
//   {"config": ..., "multipliers": "dsp"|"lut", "uram_allowed": bool,
//    "units": [{"unit", "rows", "cols", "dataflow", "native_bits", "pack_lower_bits",
//               "precisions": [{"wbits", "abits"}],
//               "array": {"dsp", "lut", "dsp_sizing": {"wbits", "abits"}, "macs_per_pe",
//                         "lanes_per_dsp", "dsps_per_product", "lut_sizing": {...}},
//               "buffers": [{"buffer", "kb", "banks", "ports", "width_bytes", "double_buffer",
//                            "word_bits", "words", "memory", "aspect", "layout", "copies",
//                            "blocks_per_bank", "bram36_per_bank", "uram_per_bank",
//                            "dsp", "bram36", "uram", "lut"}],
//               "total": {"dsp", "bram36", "uram", "lut"}}],
//    "total": {"dsp", "bram36", "uram", "lut"},
//    "device": {"name", "part", "source", "available": {...}, "utilization": {...},
//               "max_utilization", "feasible", "over": ["bram36", ...]}}   (with a device)
#include <string>

#include <nlohmann/json.hpp>

#include "fpga_resources.h"

namespace itera {

// The device part of the report, when there is one.
struct DeviceCheck {
  const FpgaDevice* device = nullptr;
  double max_utilization = 1.0;
};

std::string resources_table(const ResourceEstimate& e, const std::string& config_name, const DeviceCheck& check);
nlohmann::json resources_json(const ResourceEstimate& e, const std::string& config_name, const DeviceCheck& check);

}  // namespace itera
