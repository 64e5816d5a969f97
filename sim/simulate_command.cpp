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

struct SimulateArgs {
  std::string trace_path, config_path, fidelity_name = "fast", json_path, csv_dir, vcd_path;
  bool no_timing = false;
  std::string fault, decomposition;
  bool functional = false;
  uint64_t seed = 0;
};

// Output files are written only after the simulation; a bad location is caught before it.
void require_output_dir(const std::string& path, const char* option) {
  if (path.empty() || path == "-") return;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw Error(fmt::format("{} {}: the directory '{}' does not exist", option, path, dir.string()));
}

// Checks the options against each other and the file system before anything runs.
void check_simulate_args(const SimulateArgs& a) {
  if (a.trace_path.empty()) throw Error("missing the trace: itera simulate TRACE (a layer trace or a SCALE-Sim .csv)");
  if (a.functional && a.decomposition.empty())
    throw Error("--functional needs --decomposition FILE.safetensors (the saved layers whose codes the array multiplies)");
  if (!a.functional && !a.decomposition.empty()) throw Error("--decomposition applies only with --functional");
  if (a.vcd_path == "-") throw Error("--vcd needs a file name; a waveform is not written to standard output");
  require_output_dir(a.json_path, "--json");
  require_output_dir(a.vcd_path, "--vcd");
  // No output may overwrite an input.
  const std::pair<std::string, const char*> inputs[] = {
      {a.trace_path, "trace"}, {a.config_path, "--config"}, {a.decomposition, "--decomposition"}};
  const std::pair<std::string, const char*> outputs[] = {
      {a.json_path, "--json"},
      {a.vcd_path, "--vcd"},
      {a.csv_dir.empty() ? "" : a.csv_dir + "/COMPUTE_REPORT.csv", "--csv"},
      {a.csv_dir.empty() ? "" : a.csv_dir + "/BANDWIDTH_REPORT.csv", "--csv"}};
  for (const auto& [out, option] : outputs)
    for (const auto& [in, what] : inputs) refuse_overwriting_input(out, option, in, what);
}

// Runs the kernel; a deadlock ends the process here (see below).
hw::SimRun run_kernel(const Trace& trace, const AccelConfig& config, const hw::SimOptions& options) {
  try {
    return hw::simulate_trace(trace, config, options);
  } catch (const hw::SimulationAborted& e) {
    // Blocked SystemC threads still hold their stacks; end here, as after any error,
    // but without tearing the kernel down.
    // (A raw exit_group rather than _Exit: sanitizers mistake the switched coroutine
    // stacks for corruption when a noreturn call is made from here.)
    std::cerr << "itera simulate: error: " << e.what() << std::endl;
    std::cout.flush();
    std::fflush(nullptr);
    ::syscall(SYS_exit_group, 1);
    throw;  // not reached
  }
}

// The functional check's line for the report, or an error when an output differs.
std::string check_functional_outputs(const Trace& trace, const hw::FunctionalData& operands,
                                     const std::string& decomposition) {
  FunctionalSummary summary;
  const std::string mismatch = check_functional(trace, operands, &summary);
  if (!mismatch.empty()) throw Error("functional check failed: " + mismatch);
  const std::string gathered =
      summary.gathered == 0
          ? std::string()
          : fmt::format("; {} accumulating ops tile the output unlike the op they add into, so their read-backs and "
                        "writes were moved element by element at that op's tile addresses (the timed transfers "
                        "use their own; see docs/simulator-design.md)",
                        summary.gathered);
  return fmt::format(
      "functional: {} ops, {} outputs computed by the array from the codes in {} equal the Eigen integer "
      "reference bit for bit, each op on its real input (the layer input X, or the rank-r intermediate on chip), "
      "with the intermediates and read-backs; so do the final outputs of {} layers ({} codes read from DRAM "
      "after every accumulation){}\n",
      trace.ops.size(), summary.op_outputs, decomposition, summary.layers, summary.final_outputs, gathered);
}

void write_outputs(const SimulateArgs& a, const SimReport& report) {
  StagedOutputs outputs;
  if (!a.json_path.empty()) outputs.add(a.json_path, sim_json(report).dump(2) + "\n");
  if (!a.csv_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.csv_dir, ec);
    if (ec) throw Error(fmt::format("cannot create the --csv directory '{}': {}", a.csv_dir, ec.message()));
    outputs.add(a.csv_dir + "/COMPUTE_REPORT.csv", compute_report_csv(report));
    outputs.add(a.csv_dir + "/BANDWIDTH_REPORT.csv", bandwidth_report_csv(report));
  }
  outputs.commit();
}

}  // namespace

int run_simulate(const std::vector<std::string>& args) {
  SimulateArgs a;
  po::options_description desc("itera simulate options");
  // clang-format off
  desc.add_options()
    ("trace", po::value(&a.trace_path), "required: a layer trace ('itera trace -o') or a SCALE-Sim GEMM topology .csv")
    ("config", po::value(&a.config_path), "accelerator config YAML (default: the built-in configs/default.yaml)")
    ("fidelity", po::value(&a.fidelity_name)->default_value("fast"), "cycle (every block clocked) | fast (per-tile exact latencies)")
    ("json", po::value(&a.json_path), "also write the report as JSON to this file ('-' = standard output; the table then goes to standard error)")
    ("csv", po::value(&a.csv_dir), "also write COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv (SCALE-Sim columns first) into this directory")
    ("vcd", po::value(&a.vcd_path), "write a waveform (SystemC VCD trace: clock, array states, DRAM busy) to this file")
    ("no-timing", po::bool_switch(&a.no_timing), "leave the wall-clock line out of the printed report")
    ("functional", po::bool_switch(&a.functional), "functional mode (small layers): the array multiplies the integer codes of --decomposition and the outputs are checked bit for bit against Eigen")
    ("decomposition", po::value(&a.decomposition), "with --functional: the layers saved by 'itera decompose --save' that the trace was made from")
    ("seed", po::value(&a.seed)->default_value(0), "with --functional: seed of the activation codes")
    ("inject-fault", po::value(&a.fault), "testing aid: drop-dram-response (the DRAM never answers; the run must end in a deadlock error); with --functional, functional-corrupt-intermediate (one element of the first lr_down's intermediate is changed) or functional-drop-read-back (accumulating ops ignore what they read back): the functional check must fail");
  // clang-format on
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse_options("simulate",
                     "usage: itera simulate TRACE|TOPOLOGY.csv [--config FILE.yaml] [--fidelity cycle|fast]\n"
                     "                      [--json OUT.json] [--csv DIR] [--vcd OUT.vcd] [--no-timing]",
                     desc, args, vm, &pos))
    return 0;
  check_simulate_args(a);
  const hw::Fidelity fidelity = hw::parse_fidelity(a.fidelity_name);
  const AccelConfig config = a.config_path.empty() ? default_accel_config() : load_accel_config(a.config_path);
  const Trace trace = read_workload(a.trace_path);
  hw::FunctionalData operands;
  if (a.functional) operands = functional_operands(trace, a.decomposition, a.seed);

  hw::SimOptions options;
  if (a.functional) options.functional = &operands;
  options.fidelity = fidelity;
  options.vcd_path = a.vcd_path;
  options.fault = a.fault;
  const hw::SimRun run = run_kernel(trace, config, options);
  const SimReport report = build_sim_report(trace, config, run, fidelity);
  const std::string functional_line =
      a.functional ? check_functional_outputs(trace, operands, a.decomposition) : std::string();
  write_outputs(a, report);
  // With the JSON on standard output, the table goes to standard error.
  (a.json_path == "-" ? std::cerr : std::cout) << sim_table(report, !a.no_timing) << functional_line;
  return 0;
}

}  // namespace itera::cli
