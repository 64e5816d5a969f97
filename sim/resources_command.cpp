// `itera resources`: the FPGA resources (DSP48E2, BRAM36, URAM288, LUTs) an accelerator
// config takes at the operand widths it runs, optionally against a device preset
// (configs/fpga/*.yaml). The model is models/arch/fpga_resources.h, explained in
// docs/fpga-resources.md.
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "accel_config_reader.h"
#include "error.h"
#include "file_io.h"
#include "fpga_device_files.h"
#include "fpga_resources.h"
#include "options_util.h"
#include "resources_report.h"
#include "workload_file.h"

namespace itera::cli {

namespace {

struct ResourcesArgs {
  std::string config_path, device_name, trace_path, json_path, multipliers = "dsp";
  std::vector<int> wbits, abits;
  double max_utilization = 1.0;
};

MultiplierStyle parse_multipliers(const std::string& name) {
  std::string names;
  for (const auto& s : multiplier_spellings()) {
    if (name == s.name) return s.value;
    names += (names.empty() ? "" : ", ") + std::string(s.name);
  }
  throw Error(fmt::format("--multipliers '{}' is not allowed; allowed: {}", name, names));
}

// The (wbits, abits) pairs of --wbits/--abits, by position; a single value of one pairs
// with every value of the other.
std::vector<Precision> option_pairs(const ResourcesArgs& a) {
  const std::vector<int>& w = a.wbits;
  const std::vector<int>& x = a.abits;
  if (w.empty() != x.empty()) throw Error("--wbits and --abits go together: give both (or neither)");
  if (w.size() != x.size() && w.size() != 1 && x.size() != 1)
    throw Error(fmt::format("{} --wbits and {} --abits: give them in pairs, or one of them once", w.size(), x.size()));
  std::vector<Precision> pairs;
  for (size_t i = 0; i < std::max(w.size(), x.size()); ++i) {
    const Precision p{w[w.size() == 1 ? 0 : i], x[x.size() == 1 ? 0 : i]};
    if (p.wbits < 1 || p.wbits > 64 || p.abits < 1 || p.abits > 64)
      throw Error(fmt::format("--wbits and --abits must be in 1..64; got {} and {}", p.wbits, p.abits));
    pairs.push_back(p);
  }
  return pairs;
}

UnitPrecisions unit_pairs(const ResourcesArgs& a, const AccelConfig& config) {
  const std::vector<ArrayDesc> arrays = unit_arrays(config);
  if (!a.trace_path.empty()) {
    if (!a.wbits.empty() || !a.abits.empty()) throw Error("--trace takes the operand widths from the trace; "
                                                          "leave out --wbits and --abits");
    return trace_precisions(read_workload(a.trace_path), arrays);
  }
  if (!a.wbits.empty() || !a.abits.empty()) return same_precisions(arrays, option_pairs(a));
  UnitPrecisions native;
  for (const ArrayDesc& d : arrays) native.push_back({{d.native_bits, d.native_bits}});
  return native;
}

}  // namespace

int run_resources(const std::vector<std::string>& args) {
  ResourcesArgs a;
  po::options_description desc("itera resources options");
  // clang-format off
  desc.add_options()
    ("config", po::value(&a.config_path), "accelerator config YAML (default: the built-in configs/default.yaml)")
    ("device", po::value(&a.device_name), "an FPGA device preset (a file in configs/fpga/): report utilization and whether the design fits")
    ("wbits", po::value(&a.wbits), "weight bits the arrays must run (repeatable, paired by position with --abits; default: the PEs' native_bits)")
    ("abits", po::value(&a.abits), "activation bits (repeatable; one value pairs with every --wbits)")
    ("trace", po::value(&a.trace_path), "take the (wbits, abits) pairs from the ops of this layer trace, per unit, instead of --wbits/--abits")
    ("multipliers", po::value(&a.multipliers)->default_value("dsp"), "dsp (DSP48E2 slices) | lut (LUT multipliers)")
    ("max-utilization", po::value(&a.max_utilization)->default_value(1.0), "with --device: the design fits when every resource is at most this fraction of the device's, in (0, 1]")
    ("json", po::value(&a.json_path), "also write the estimate as JSON to this file ('-' = standard output; the table then goes to standard error)");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("resources",
                     "usage: itera resources [--config FILE.yaml] [--device NAME] [--wbits B --abits A ...]\n"
                     "                       [--trace TRACE] [--multipliers dsp|lut] [--max-utilization F]\n"
                     "                       [--json OUT.json|-]",
                     desc, args, vm))
    return 0;
  const MultiplierStyle multipliers = parse_multipliers(a.multipliers);
  if (!(a.max_utilization > 0 && a.max_utilization <= 1))
    throw Error(fmt::format("--max-utilization must be in (0, 1]; got {}", a.max_utilization));
  if (vm.count("max-utilization") && !vm["max-utilization"].defaulted() && a.device_name.empty())
    throw Error("--max-utilization needs --device");
  refuse_overwriting_input(a.json_path, "--json", a.config_path, "--config");
  refuse_overwriting_input(a.json_path, "--json", a.trace_path, "--trace");
  const FpgaDevice* device = a.device_name.empty() ? nullptr : &find_fpga_device(a.device_name);

  const AccelConfig config = a.config_path.empty() ? default_accel_config() : load_accel_config(a.config_path);
  const std::string config_name = a.config_path.empty() ? "the built-in default config" : a.config_path;
  const UnitPrecisions pairs = unit_pairs(a, config);
  EstimateOptions options;
  options.multipliers = multipliers;
  options.use_uram = device != nullptr && device->uram > 0;
  const ResourceEstimate estimate = estimate_resources(config, pairs, options);
  const DeviceCheck check{device, a.max_utilization};

  if (!a.json_path.empty()) {
    StagedOutputs outputs;
    outputs.add(a.json_path, resources_json(estimate, config_name, check).dump(2) + "\n");
    outputs.commit();
  }
  (a.json_path == "-" ? std::cerr : std::cout) << resources_table(estimate, config_name, check);
  return 0;
}

}  // namespace itera::cli
