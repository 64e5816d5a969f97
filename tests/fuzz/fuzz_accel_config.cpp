// Accelerator config YAML: parse_accel_config on arbitrary text. An accepted config
// must describe itself and give its DRAM's bandwidth and (for a preset) timing.
#include "accel_config_reader.h"
#include "fuzz_support.h"
#include "targets.h"

namespace itera::fuzz {

int accel_config(const uint8_t* data, size_t size) {
  const std::string text = bytes_of(data, size);
  const std::optional<AccelConfig> c = accepted([&] { return parse_accel_config(text, "fuzz.yaml"); });
  if (!c) return 0;
  must("describe", [&] { return describe(*c); });
  FUZZ_CHECK(must("peak_gbps", [&] { return c->memory.dram.peak_gbps(); }) > 0, "DRAM bandwidth must be positive");
  if (!c->memory.dram.is_simple()) must("dram timing", [&] { return c->memory.dram.timing(); });
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(accel_config)
