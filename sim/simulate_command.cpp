// `itera simulate`: runs a layer trace (docs/trace-format.md) or a SCALE-Sim GEMM
// topology CSV on the SystemC accelerator model and reports cycles, utilization and
// bandwidth per layer and in total.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
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
#include "status_line.h"
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
  bool progress = false, no_progress = false;
  double progress_interval = 1.0;
};

// 1234567 -> "1,234,567".
std::string grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

// The progress display on standard error (never standard output, never a report). On
// a terminal it is one line redrawn in place and erased at the end; elsewhere (with
// --progress) one line per update.
// simulate's progress, on a status line.
class ProgressLine {
 public:
  explicit ProgressLine(bool terminal) : status_(terminal) {}

  void show(const hw::SimProgress& p) {
    const std::string op = p.current_op < 0 ? fmt::format("all {} ops done", p.ops)
                                            : fmt::format("op {}/{} ({})", p.current_op + 1, p.ops, p.current_name);
    const double percent = p.tiles > 0 ? 100.0 * static_cast<double>(p.tiles_done) / static_cast<double>(p.tiles) : 0;
    status_.show(fmt::format("itera simulate: progress: cycle {}, {}, tiles {}/{} ({:.1f}%), {:.1f} s elapsed",
                             grouped(p.cycle), op, grouped(p.tiles_done), grouped(p.tiles), percent,
                             p.elapsed_seconds));
  }
  void erase() { status_.erase(); }

 private:
  StatusLine status_;
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
  if (a.progress && a.no_progress) throw Error("--progress and --no-progress contradict each other; give one");
  if (!(a.progress_interval >= 0.01 && a.progress_interval <= 3600))
    throw Error(fmt::format("--progress-interval must be in [0.01, 3600] seconds (got {})", a.progress_interval));
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
hw::SimRun run_kernel(const Trace& trace, const AccelConfig& config, const hw::SimOptions& options,
                      ProgressLine* line) {
  try {
    hw::SimRun run = hw::simulate_trace(trace, config, options);
    if (line) line->erase();
    return run;
  } catch (const hw::SimulationAborted& e) {
    if (line) line->erase();
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
    ("progress", po::bool_switch(&a.progress), "show progress on standard error even when it is not a terminal (default: only on a terminal)")
    ("no-progress", po::bool_switch(&a.no_progress), "never show progress")
    ("progress-interval", po::value(&a.progress_interval)->default_value(1.0), "seconds between progress updates; the first comes after two")
    ("inject-fault", po::value(&a.fault), "testing aid: drop-dram-response (the DRAM never answers; the run must end in a deadlock error); with --functional, functional-corrupt-intermediate (one element of the first lr_down's intermediate is changed) or functional-drop-read-back (accumulating ops ignore what they read back): the functional check must fail");
  // clang-format on
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse_options("simulate",
                     "usage: itera simulate TRACE|TOPOLOGY.csv [--config FILE.yaml] [--fidelity cycle|fast]\n"
                     "                      [--json OUT.json] [--csv DIR] [--vcd OUT.vcd] [--no-timing]\n"
                     "                      [--progress | --no-progress] [--progress-interval S]\n"
                     "\n"
                     "A run that takes more than 2 s shows its progress on standard error (simulated\n"
                     "cycles, the op being simulated, tiles done, wall time), redrawn in place once a\n"
                     "second, when standard error is a terminal or with --progress. It never goes to\n"
                     "standard output or into a report, and it does not change the results.",
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
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  std::optional<ProgressLine> line;
  hw::ProgressHook hook;
  if (a.progress || (terminal && !a.no_progress)) {
    line.emplace(terminal);
    hook.interval_seconds = a.progress_interval;
    hook.report = [&line](const hw::SimProgress& p) { line->show(p); };
    options.progress = &hook;
  }
  const hw::SimRun run = run_kernel(trace, config, options, line ? &*line : nullptr);
  const SimReport report = build_sim_report(trace, config, run, fidelity);
  const std::string functional_line =
      a.functional ? check_functional_outputs(trace, operands, a.decomposition) : std::string();
  write_outputs(a, report);
  // With the JSON on standard output, the table goes to standard error.
  (a.json_path == "-" ? std::cerr : std::cout) << sim_table(report, !a.no_timing) << functional_line;
  return 0;
}

}  // namespace itera::cli
