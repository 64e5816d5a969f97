// `itera sweep`: simulates one trace over a grid of accelerator configs. SystemC
// allows one simulation per process, so every design point runs in a worker process
// (this binary, `itera simulate`), up to --jobs at a time. Points are resumable: a
// point whose JSON report exists and whose config file is unchanged is not run again.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accel_config_reader.h"
#include "file_io.h"
#include "error.h"
#include "workload_file.h"
#include "clocking.h"
#include "rng.h"
#include "stable_hash.h"
#include "options_util.h"
#include "sweep_report.h"
#include "sweep_spec.h"
#include "trace.h"

extern char** environ;

namespace itera::cli {


namespace {

namespace fs = std::filesystem;
using sweep::PointResult;
using sweep::SweepSpec;

const char* const kUsage =
    "usage: itera sweep --sweep FILE.yaml --out DIR [--jobs N] [--trace TRACE] [--fidelity fast|cycle]\n"
    "\n"
    "Simulates one trace on every design point of a grid of accelerator configs and\n"
    "writes DIR/results.csv. The sweep file (see configs/README.md, 'Design-space sweeps'):\n"
    "\n"
    "  trace: ../decode.trace   # relative to the sweep file; --trace (relative to the\n"
    "                           # working directory) wins\n"
    "  base: my-accel.yaml      # optional config the points start from (relative to the\n"
    "                           # sweep file); default: the built-in default config\n"
    "  fidelity: fast           # optional: fast | cycle; --fidelity wins; default fast\n"
    "  grid:                    # config keys -> values; the points are the cartesian\n"
    "    array.rows: [16, 32]   # product in this order, the last key varying fastest\n"
    "    array.dataflow: [ws, os]\n"
    "\n"
    "Every grid key must be a config value path and every value one the config accepts\n"
    "(each is checked alone on the base); errors name the sweep file, line and key.\n"
    "At most 100000 points.\n"
    "\n"
    "Point i's config is written to DIR/points/NNNN.yaml and simulated by a worker\n"
    "process ('itera simulate ... --json DIR/points/NNNN.json'), up to --jobs at a time;\n"
    "a worker's stderr goes to DIR/points/NNNN.err. Rerunning a sweep reuses every point\n"
    "whose JSON exists and whose config file (which records the trace's hash and the\n"
    "fidelity) is unchanged, so an interrupted sweep resumes and a changed grid reruns\n"
    "only the points that changed. A point that fails (e.g. a buffer too small for the\n"
    "trace) or whose worker dies is recorded as an error and the sweep goes on;\n"
    "failed points have no report, so a rerun tries them again.\n"
    "\n"
    "DIR/results.csv has one row per point in grid order: point, the grid values, status\n"
    "(ok | error), total_cycles, compute_cycles, stall_cycles, macs, pe_utilization,\n"
    "latency_us, dram_read_bytes, dram_write_bytes, dram_bandwidth_percent, pes, error.\n"
    "It does not depend on --jobs. The best points (fewest total cycles) are printed.\n"
    "Exit status: 0 if at least one point succeeded, 1 otherwise.";

int digits(size_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

void remove_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) throw Error(fmt::format("cannot remove '{}': {}", path, ec.message()));
}

std::string first_line(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error&) {
    return "";
  }
  size_t start = 0;
  while (start < text.size()) {  // the first non-blank line
    const size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// Comment lines can hold any text but newlines.
std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return s;
}

struct PointFiles {
  std::string yaml, json, err;
};

// The point's result from its JSON report; !ok with a reason when it cannot be read.
PointResult read_result(const std::string& json_path) {
  PointResult r;
  try {
    r = sweep::result_from_report(nlohmann::json::parse(read_file(json_path)));
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = fmt::format("cannot read the report '{}': {}", json_path, e.what());
  }
  return r;
}

// Starts `itera simulate` for one point; returns its pid, or -1 with `error` set.
pid_t spawn_worker(const std::vector<std::string>& args, const std::string& err_path, std::string& error) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) {
    error = fmt::format("could not start a worker: {}", std::strerror(rc));
    return -1;
  }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  // /proc/self/exe is this very binary, even if the file was replaced since it started.
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error = fmt::format("could not start a worker (/proc/self/exe): {}", std::strerror(rc));
    return -1;
  }
  return pid;
}

// The result of a finished worker from its wait status, report and stderr.
PointResult worker_result(int status, const PointFiles& files) {
  PointResult r;
  const std::string message = first_line(files.err);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    r = read_result(files.json);
    if (r.ok) {
      std::error_code ec;
      if (fs::file_size(files.err, ec) == 0 && !ec) fs::remove(files.err, ec);
    }
    return r;
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    r.error = fmt::format("the worker was killed by signal {} ({}){}", sig, name ? name : "unknown",
                          message.empty() ? "" : "; its stderr: " + message);
  } else if (!message.empty()) {
    r.error = message;
  } else {
    r.error = fmt::format("the worker exited with status {} and no message", WEXITSTATUS(status));
  }
  return r;
}

// Runs `pending` points, at most `jobs` at once; stores each result in `results`.
void run_workers(const std::vector<size_t>& pending, const std::vector<PointFiles>& files,
                 const std::vector<std::string>& base_args, int jobs, const SweepSpec& spec, int width,
                 std::vector<PointResult>& results) {
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0;
  auto report = [&](size_t index) {
    ++done;
    const PointResult& r = results[index];
    std::cout << fmt::format("[{}/{}] point {:0{}} {}: {}\n", done, pending.size(), index, width, spec.label(index),
                             r.ok ? fmt::format("{} cycles", r.report.total_cycles) : "error: " + r.error)
              << std::flush;
  };
  try {
    while (next < pending.size() || !running.empty()) {
      while (running.size() < static_cast<size_t>(jobs) && next < pending.size()) {
        const size_t index = pending[next++];
        std::vector<std::string> args = base_args;
        args.push_back("--config=" + files[index].yaml);
        args.push_back("--json=" + files[index].json);
        std::string error;
        const pid_t pid = spawn_worker(args, files[index].err, error);
        if (pid < 0) {
          results[index].ok = false;
          results[index].error = error;
          report(index);
        } else {
          running.emplace(pid, index);
        }
      }
      if (running.empty()) continue;
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, 0);
      if (pid < 0) {
        if (errno == EINTR) continue;
        // No children left to wait for (e.g. SIGCHLD is ignored): the workers are lost.
        const std::string why = fmt::format("lost track of the worker: {}", std::strerror(errno));
        for (const auto& [lost_pid, index] : running) {
          results[index].ok = false;
          results[index].error = why;
          report(index);
        }
        running.clear();
        continue;
      }
      const auto it = running.find(pid);
      if (it == running.end()) continue;  // not one of ours
      const size_t index = it->second;
      running.erase(it);
      results[index] = worker_result(status, files[index]);
      report(index);
    }
  } catch (...) {
    // Do not leave workers behind unreaped; they finish their point and exit.
    for (const auto& [pid, index] : running) {
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    throw;
  }
}

// The command line.
struct SweepOptions {
  std::string sweep_path, out_dir, trace_override, fidelity_override;
  int jobs = 1;
};

// A sweep resolved from its options and file: nothing written yet.
struct SweepPlan {
  SweepSpec spec;
  std::string sweep_path, out_dir, points_dir, trace_path, fidelity;
  std::string trace_hash;  // FNV-1a-64 of the trace file, in each point's config header
  int jobs = 1;
  size_t points = 0;
  int width = 4;  // digits of a point's file name
};

// The design points: their files, results so far, and which still need a worker.
struct PointSet {
  std::vector<PointFiles> files;
  std::vector<PointResult> results;
  std::vector<size_t> pending;
  size_t reused = 0;
};

// Reads and checks the options; false when --help was printed.
bool parse_sweep_options(const std::vector<std::string>& args, SweepOptions& o) {
  po::options_description desc("itera sweep options");
  // clang-format off
  desc.add_options()
    ("sweep", po::value(&o.sweep_path), "required: the sweep file (YAML: trace, base, fidelity, grid)")
    ("out", po::value(&o.out_dir), "required: output directory (created): points/NNNN.{yaml,json,err}, results.csv")
    ("jobs,j", po::value(&o.jobs)->default_value(1), "worker processes at once (>= 1)")
    ("trace", po::value(&o.trace_override), "the trace to simulate (overrides the sweep file's 'trace')")
    ("fidelity", po::value(&o.fidelity_override), "fast | cycle (overrides the sweep file's; default fast)");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("sweep", kUsage, desc, args, vm)) return false;
  if (o.sweep_path.empty()) throw Error("missing --sweep FILE.yaml; see 'itera sweep --help'");
  if (o.out_dir.empty()) throw Error("missing --out DIR; see 'itera sweep --help'");
  if (o.jobs < 1) throw Error(fmt::format("--jobs must be >= 1 (got {})", o.jobs));
  if (!o.fidelity_override.empty()) hw::parse_fidelity(o.fidelity_override);  // names the allowed values
  return true;
}

// The sweep file, trace and fidelity; every error in them is raised here.
SweepPlan resolve_sweep(const SweepOptions& o) {
  SweepPlan plan;
  plan.spec = sweep::load_sweep_spec(o.sweep_path);
  plan.sweep_path = o.sweep_path;
  plan.out_dir = o.out_dir;
  plan.jobs = o.jobs;
  plan.trace_path = o.trace_override.empty() ? plan.spec.trace : o.trace_override;
  if (plan.trace_path.empty())
    throw Error(
        fmt::format("{}: no trace to simulate: give 'trace: FILE' in the sweep file or --trace FILE", o.sweep_path));
  plan.fidelity = !o.fidelity_override.empty() ? o.fidelity_override
                  : !plan.spec.fidelity.empty() ? plan.spec.fidelity
                                                : "fast";
  // Read the trace once here, so that a bad trace is one error and not one per point.
  const std::string trace_text = read_file(plan.trace_path);
  read_workload(plan.trace_path);
  plan.trace_hash = fmt::format("{:016x}", stable_hash(trace_text));
  plan.points = plan.spec.point_count();
  plan.width = std::max(4, digits(plan.points - 1));
  plan.points_dir = (fs::path(o.out_dir) / "points").string();
  return plan;
}

// The point's result when its report was made from exactly `config`; !ok otherwise.
PointResult reusable_result(const PointFiles& files, const std::string& config) {
  if (exists(files.json) && exists(files.yaml)) {
    std::string stored;
    try {
      stored = read_file(files.yaml);
    } catch (const Error&) {
    }
    if (stored == config) return read_result(files.json);
  }
  return PointResult();
}

// Writes point i's config (unless its report can be reused) and queues it for a worker.
void prepare_point(const SweepPlan& plan, size_t i, PointSet& points) {
  const std::string stem = (fs::path(plan.points_dir) / fmt::format("{:0{}}", i, plan.width)).string();
  const PointFiles& files = points.files[i] = {stem + ".yaml", stem + ".json", stem + ".err"};
  const std::string header = fmt::format(
      "# itera sweep design point: {}\n"
      "# trace FNV-1a-64 {}, fidelity {}: {} is reused only while this file is unchanged\n",
      one_line(plan.spec.label(i)), plan.trace_hash, plan.fidelity, fs::path(files.json).filename().string());
  const std::string config = sweep::point_config_yaml(plan.spec, i, header);
  PointResult& result = points.results[i] = reusable_result(files, config);
  if (result.ok) {
    ++points.reused;
    return;
  }
  // The stale report goes first: a report is never left beside a config it did not come from.
  remove_file(files.json);
  remove_file(files.err);
  write_file_atomic(files.yaml, config);
  try {
    parse_accel_config(config, files.yaml);
  } catch (const Error& e) {
    result.ok = false;
    result.error = e.what();
    std::cout << fmt::format("point {:0{}} {}: error: {}\n", i, plan.width, plan.spec.label(i), result.error);
    return;
  }
  points.pending.push_back(i);
}

// Creates DIR/points and writes every point's config; reuses the points whose report
// matches an unchanged config.
PointSet prepare_points(const SweepPlan& plan) {
  std::error_code ec;
  fs::create_directories(plan.points_dir, ec);
  if (ec) throw Error(fmt::format("cannot create the directory '{}': {}", plan.points_dir, ec.message()));
  PointSet points;
  points.files.resize(plan.points);
  points.results.resize(plan.points);
  for (size_t i = 0; i < plan.points; ++i) prepare_point(plan, i, points);
  return points;
}

void print_plan(const SweepPlan& plan, const PointSet& points) {
  const size_t n = plan.points;
  std::string shape;
  for (const sweep::GridAxis& a : plan.spec.grid)
    shape += fmt::format("{}{} {}", shape.empty() ? "" : " x ", a.values.size(), a.key);
  std::cout << fmt::format("sweep {}: {} point{} ({}), trace {}, fidelity {}\n", plan.sweep_path, n,
                           n == 1 ? "" : "s", shape, plan.trace_path, plan.fidelity);
  std::cout << fmt::format("{} reused from {}, {} to simulate ({} worker{} at a time)\n", points.reused,
                           plan.points_dir, points.pending.size(), plan.jobs, plan.jobs == 1 ? "" : "s")
            << std::flush;
}

// Writes results.csv and prints the summary and the best points; throws when every
// point failed.
void write_outputs(const SweepPlan& plan, const PointSet& points) {
  const size_t n = plan.points;
  const std::vector<PointResult>& results = points.results;
  const std::string csv_path = (fs::path(plan.out_dir) / "results.csv").string();
  write_file_atomic(csv_path, sweep::results_csv(plan.spec, results));

  size_t failed = 0;
  size_t first_failed = n;
  for (size_t i = 0; i < n; ++i)
    if (!results[i].ok) {
      ++failed;
      first_failed = std::min(first_failed, i);
    }
  std::cout << fmt::format("\n{} point{}: {} simulated, {} reused, {} failed\n", n, n == 1 ? "" : "s",
                           points.pending.size(), points.reused, failed);
  const std::string best = sweep::best_points_table(plan.spec, results);
  if (!best.empty()) std::cout << "\n" << best;
  std::cout << "\nresults: " << csv_path << "\n" << std::flush;
  if (failed == n)
    throw Error(fmt::format("all {} point{} failed; point {} ({}): {}", n, n == 1 ? "" : "s", first_failed,
                            plan.spec.label(first_failed), results[first_failed].error));
}

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  SweepOptions options;
  if (!parse_sweep_options(args, options)) return 0;
  const SweepPlan plan = resolve_sweep(options);
  PointSet points = prepare_points(plan);
  print_plan(plan, points);
  const std::vector<std::string> base_args = {"itera", "simulate", "--trace=" + plan.trace_path, "--no-timing",
                                              "--fidelity=" + plan.fidelity};
  run_workers(points.pending, points.files, base_args, plan.jobs, plan.spec, plan.width, points.results);
  write_outputs(plan, points);
  return 0;
}

}  // namespace itera::cli
