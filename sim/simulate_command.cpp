// `itera simulate`: runs a layer trace (docs/trace-format.md) or a SCALE-Sim GEMM
// topology CSV on the SystemC accelerator model and reports cycles, utilization and
// bandwidth per layer and in total.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "accel_config_reader.h"
#include "accelerator.h"
#include "file_io.h"
#include "error.h"
#include "functional_check.h"
#include "options_util.h"
#include "sim_report.h"
#include "trace.h"
#include "workload_file.h"

namespace itera::cli {

namespace {

// Output files are written only after the simulation; a bad location is caught before it.
void require_output_dir(const std::string& path, const char* option) {
  if (path.empty()) return;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw Error(fmt::format("{} {}: the directory '{}' does not exist", option, path, dir.string()));
}

}  // namespace

int run_simulate(const std::vector<std::string>& args) {
  std::string trace_path, config_path, fidelity_name = "fast", json_path, csv_dir, vcd_path;
  bool no_timing = false;
  std::string fault, decomposition;
  bool functional = false;
  uint64_t seed = 0;
  po::options_description desc("itera simulate options");
  // clang-format off
  desc.add_options()
    ("trace", po::value(&trace_path), "required: a layer trace ('itera trace -o') or a SCALE-Sim GEMM topology .csv")
    ("config", po::value(&config_path), "accelerator config YAML (default: the built-in configs/default.yaml)")
    ("fidelity", po::value(&fidelity_name)->default_value("fast"), "cycle (every block clocked) | fast (per-tile exact latencies)")
    ("json", po::value(&json_path), "also write the report as JSON to this file")
    ("csv", po::value(&csv_dir), "also write COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv (SCALE-Sim columns first) into this directory")
    ("vcd", po::value(&vcd_path), "write a waveform (SystemC VCD trace: clock, array states, DRAM busy) to this file")
    ("no-timing", po::bool_switch(&no_timing), "leave the wall-clock line out of the printed report")
    ("functional", po::bool_switch(&functional), "functional mode (small layers): the array multiplies the integer codes of --decomposition and the outputs are checked bit for bit against Eigen")
    ("decomposition", po::value(&decomposition), "with --functional: the layers saved by 'itera decompose --save' that the trace was made from")
    ("seed", po::value(&seed)->default_value(0), "with --functional: seed of the activation codes")
    ("inject-fault", po::value(&fault), "testing aid: drop-dram-response (the DRAM never answers; the run must end in a deadlock error)");
  // clang-format on
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse_options("simulate",
                     "usage: itera simulate TRACE|TOPOLOGY.csv [--config FILE.yaml] [--fidelity cycle|fast]\n"
                     "                      [--json OUT.json] [--csv DIR] [--vcd OUT.vcd] [--no-timing]",
                     desc, args, vm, &pos))
    return 0;
  if (trace_path.empty()) throw Error("missing the trace: itera simulate TRACE (a layer trace or a SCALE-Sim .csv)");
  const hw::Fidelity fidelity = hw::parse_fidelity(fidelity_name);
  const AccelConfig config = config_path.empty() ? default_accel_config() : load_accel_config(config_path);
  const Trace trace = read_workload(trace_path);
  require_output_dir(json_path, "--json");
  require_output_dir(vcd_path, "--vcd");

  if (functional && decomposition.empty())
    throw Error("--functional needs --decomposition FILE.safetensors (the saved layers whose codes the array multiplies)");
  if (!functional && !decomposition.empty())
    throw Error("--decomposition applies only with --functional");
  hw::FunctionalData operands;
  if (functional) operands = functional_operands(trace, decomposition, seed);

  hw::SimOptions options;
  if (functional) options.functional = &operands;
  options.fidelity = fidelity;
  options.vcd_path = vcd_path;
  options.fault = fault;
  hw::SimRun run;
  try {
    run = hw::simulate_trace(trace, config, options);
  } catch (const hw::SimulationAborted& e) {
    // Blocked SystemC threads still hold their stacks; end here, as after any error,
    // but without tearing the kernel down.
    // (A raw exit_group rather than _Exit: sanitizers mistake the switched coroutine
    // stacks for corruption when a noreturn call is made from here.)
    std::cerr << "itera simulate: error: " << e.what() << std::endl;
    std::cout.flush();
    std::fflush(nullptr);
    ::syscall(SYS_exit_group, 1);
    return 1;
  }
  const SimReport report = build_sim_report(trace, config, run, fidelity);
  std::string functional_line;
  if (functional) {
    const std::string mismatch = check_functional(trace, operands);
    if (!mismatch.empty()) throw Error("functional check failed: " + mismatch);
    int64_t outputs = 0;
    for (const auto& f : operands.ops) outputs += static_cast<int64_t>(f.y.size());
    functional_line = fmt::format(
        "functional: {} ops, {} outputs computed by the array from the codes in {} equal the Eigen integer "
        "reference bit for bit\n",
        trace.ops.size(), outputs, decomposition);
  }

  StagedOutputs outputs;
  if (!json_path.empty()) outputs.add(json_path, sim_json(report).dump(2) + "\n");
  if (!csv_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(csv_dir, ec);
    if (ec) throw Error(fmt::format("cannot create the --csv directory '{}': {}", csv_dir, ec.message()));
    outputs.add(csv_dir + "/COMPUTE_REPORT.csv", compute_report_csv(report));
    outputs.add(csv_dir + "/BANDWIDTH_REPORT.csv", bandwidth_report_csv(report));
  }
  outputs.commit();
  std::cout << sim_table(report, !no_timing) << functional_line;
  return 0;
}

}  // namespace itera::cli
