#include "fpga_device_files.h"

#include <algorithm>

#include "error.h"
#include "text.h"
#include "yaml_reader.h"

namespace itera {

namespace {

const DocumentKind kDeviceFile{"an FPGA device file", "the file has no settings"};

}  // namespace

FpgaDevice parse_fpga_device(const std::string& text, const std::string& path) {
  const YamlReader r(path, YamlReader::Keys::Required);
  FpgaDevice d;
  d.name = yaml_file_stem(path);
  const auto count = [&r](int64_t& out, int lo, int hi) {
    return [&out, &r, lo, hi](auto& k, auto& v, auto& p) { out = r.integer(k, v, p, lo, hi); };
  };
  const auto words = [&r](std::string& out) {
    return [&out, &r](auto& k, auto& v, auto& p) { out = r.text(k, v, p); };
  };
  const Fields fields = {
      {"part", words(d.part)},
      {"dsp", count(d.dsp, 0, 1000000)},
      {"bram36", count(d.bram36, 0, 1000000)},
      {"uram", count(d.uram, 0, 1000000)},
      {"lut", count(d.lut, 1, 100000000)},
      {"source", words(d.source)},
  };
  const YAML::Node doc = r.load_document(text, kDeviceFile, field_names(fields));
  r.fields(doc, "", fields);
  return d;
}

FpgaDevices::FpgaDevices(const std::vector<EmbeddedFile>& files) {
  std::vector<std::pair<FpgaDevice, std::string>> read;
  for (const EmbeddedFile& f : files) {
    FpgaDevice next = parse_fpga_device(f.text, f.path);
    for (const auto& [other, other_path] : read)
      if (other.name == next.name)
        throw Error(fmt::format("{}: FPGA device '{}' is also defined by {}", f.path, next.name, other_path));
    read.emplace_back(std::move(next), f.path);
  }
  std::sort(read.begin(), read.end(), [](const auto& a, const auto& b) { return a.first.name < b.first.name; });
  for (auto& entry : read) devices_.push_back(std::move(entry.first));
}

const FpgaDevice* FpgaDevices::find(const std::string& name) const {
  for (const FpgaDevice& d : devices_)
    if (d.name == name) return &d;
  return nullptr;
}

const FpgaDevice& FpgaDevices::get(const std::string& name) const {
  if (const FpgaDevice* d = find(name)) return *d;
  throw Error(fmt::format("unknown FPGA device '{}'; known devices: {}", name, names()));
}

std::string FpgaDevices::names() const {
  std::string out;
  for (const FpgaDevice& d : devices_) out += (out.empty() ? "" : ", ") + d.name;
  return out;
}

const FpgaDevices& builtin_fpga_devices() {
  static const FpgaDevices devices(embedded_fpga_device_files());
  return devices;
}

const FpgaDevice& find_fpga_device(const std::string& name) { return builtin_fpga_devices().get(name); }

}  // namespace itera
