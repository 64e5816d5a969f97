#pragma once
// The named FPGA devices of `itera resources --device NAME` and of the co-design search:
// one YAML file per device in configs/fpga/, compiled into the program
// (embedded_configs.h). A new device is one new file there; configs/README.md ("FPGA
// device presets") describes the format.
//
// A device file sets every key: part (text), dsp, bram36, uram, lut (whole numbers of
// DSP48E2 slices, BRAM36 blocks, URAM288 blocks and CLB LUTs) and source (text). Its
// name is the file's name without ".yaml". It is read strictly: unknown, missing and
// duplicate keys, wrong types, negative and non-integer numbers are errors naming the
// file, the 1-based line and the key.
#include <string>
#include <vector>

#include "embedded_configs.h"
#include "fpga_resources.h"

namespace itera {

// Reads one device file's text; `path` names it in messages and gives the device's name.
// Throws itera::Error.
FpgaDevice parse_fpga_device(const std::string& text, const std::string& path);

// A set of devices read from files, listed by name.
class FpgaDevices {
 public:
  // Throws itera::Error for a bad file or two files with one name.
  explicit FpgaDevices(const std::vector<EmbeddedFile>& files);

  const std::vector<FpgaDevice>& all() const { return devices_; }
  // nullptr when there is no such device.
  const FpgaDevice* find(const std::string& name) const;
  // The device with that name; throws itera::Error listing the known names.
  const FpgaDevice& get(const std::string& name) const;
  // The names in listing order, e.g. "kv260, u250, u280, vcu118, zcu102, zcu104".
  std::string names() const;

 private:
  std::vector<FpgaDevice> devices_;
};

// The devices compiled into the program (configs/fpga/*.yaml), read at first use.
const FpgaDevices& builtin_fpga_devices();
// Shorthand: builtin_fpga_devices().get(name).
const FpgaDevice& find_fpga_device(const std::string& name);

}  // namespace itera
