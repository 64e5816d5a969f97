#pragma once
// Reading an accelerator config (models/arch/accel_config.h) from YAML
// (configs/default.yaml is the documented default; configs/README.md the schema).
//
// Validation is strict so that a typo never silently runs the default: unknown
// keys, wrong types, out-of-range numbers and unknown names are all errors that
// name the file, the 1-based line, the full key path and what is allowed. Keys a
// file leaves out keep their default. The DRAM preset is resolved by name
// (dram_preset_files.h).
//
// The defaults are configs/default.yaml, compiled into the program at build time
// (embedded_configs.h), which must set every key: it is their only copy.
#include <string>

#include "accel_config.h"

namespace itera {

// Reads and validates a config file; throws itera::Error (see above).
AccelConfig load_accel_config(const std::string& path);
// The same for text already in memory; `filename` is only used in messages.
AccelConfig parse_accel_config(const std::string& yaml_text, const std::string& filename);
// configs/default.yaml, as compiled into the program, parsed (once).
AccelConfig default_accel_config();
// The text of configs/default.yaml, as compiled in.
const std::string& default_accel_config_yaml();

}  // namespace itera
