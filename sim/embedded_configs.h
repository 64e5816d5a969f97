#pragma once
// Files of configs/ compiled into the program, so that it runs without its source tree:
// configs/default.yaml, every DRAM preset file configs/dram/*.yaml and every FPGA device
// file configs/fpga/*.yaml. The definitions are generated at build time by
// sim/embed_configs.cmake (see sim/CMakeLists.txt), byte for byte from the files; a new
// file in configs/dram/ or configs/fpga/ is picked up by the build's glob of that folder.
#include <string>
#include <vector>

namespace itera {

struct EmbeddedFile {
  std::string path;  // relative to the source tree, e.g. "configs/dram/hbm2.yaml"
  std::string text;  // the file's bytes
};

// configs/default.yaml.
const EmbeddedFile& embedded_default_config();

// configs/dram/*.yaml, sorted by file name.
const std::vector<EmbeddedFile>& embedded_dram_preset_files();

// configs/fpga/*.yaml (FPGA device presets, fpga_device_files.h), sorted by file name.
const std::vector<EmbeddedFile>& embedded_fpga_device_files();

}  // namespace itera
