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
                             r.ok ? r.metrics[0] + " cycles" : "error: " + r.error)
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

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  std::string sweep_path, out_dir, trace_override, fidelity_override;
  int jobs = 1;
  po::options_description desc("itera sweep options");
  // clang-format off
  desc.add_options()
    ("sweep", po::value(&sweep_path), "required: the sweep file (YAML: trace, base, fidelity, grid)")
    ("out", po::value(&out_dir), "required: output directory (created): points/NNNN.{yaml,json,err}, results.csv")
    ("jobs,j", po::value(&jobs)->default_value(1), "worker processes at once (>= 1)")
    ("trace", po::value(&trace_override), "the trace to simulate (overrides the sweep file's 'trace')")
    ("fidelity", po::value(&fidelity_override), "fast | cycle (overrides the sweep file's; default fast)");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("sweep", kUsage, desc, args, vm)) return 0;
  if (sweep_path.empty()) throw Error("missing --sweep FILE.yaml; see 'itera sweep --help'");
  if (out_dir.empty()) throw Error("missing --out DIR; see 'itera sweep --help'");
  if (jobs < 1) throw Error(fmt::format("--jobs must be >= 1 (got {})", jobs));
  if (!fidelity_override.empty()) hw::parse_fidelity(fidelity_override);  // names the allowed values

  const SweepSpec spec = sweep::load_sweep_spec(sweep_path);
  const std::string trace_path = trace_override.empty() ? spec.trace : trace_override;
  if (trace_path.empty())
    throw Error(
        fmt::format("{}: no trace to simulate: give 'trace: FILE' in the sweep file or --trace FILE", sweep_path));
  const std::string fidelity = !fidelity_override.empty() ? fidelity_override
                               : !spec.fidelity.empty()   ? spec.fidelity
                                                          : "fast";
  // Read the trace once here, so that a bad trace is one error and not one per point.
  const std::string trace_text = read_file(trace_path);
  read_workload(trace_path);
  const std::string trace_hash = fmt::format("{:016x}", stable_hash(trace_text));

  const size_t n = spec.point_count();
  const int width = std::max(4, digits(n - 1));
  const std::string points_dir = (fs::path(out_dir) / "points").string();
  {
    std::error_code ec;
    fs::create_directories(points_dir, ec);
    if (ec) throw Error(fmt::format("cannot create the directory '{}': {}", points_dir, ec.message()));
  }

  // Write every point's config; reuse the points whose report matches an unchanged config.
  std::vector<PointFiles> files(n);
  std::vector<PointResult> results(n);
  std::vector<size_t> pending;
  size_t reused = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string stem = (fs::path(points_dir) / fmt::format("{:0{}}", i, width)).string();
    files[i] = {stem + ".yaml", stem + ".json", stem + ".err"};
    const std::string header = fmt::format(
        "# itera sweep design point: {}\n"
        "# trace FNV-1a-64 {}, fidelity {}: {} is reused only while this file is unchanged\n",
        one_line(spec.label(i)), trace_hash, fidelity, fs::path(files[i].json).filename().string());
    const std::string config = sweep::point_config_yaml(spec, i, header);
    if (exists(files[i].json) && exists(files[i].yaml)) {
      std::string stored;
      try {
        stored = read_file(files[i].yaml);
      } catch (const Error&) {
      }
      if (stored == config) {
        results[i] = read_result(files[i].json);
        if (results[i].ok) {
          ++reused;
          continue;
        }
      }
    }
    // The stale report goes first: a report is never left beside a config it did not come from.
    remove_file(files[i].json);
    remove_file(files[i].err);
    write_file_atomic(files[i].yaml, config);
    try {
      parse_accel_config(config, files[i].yaml);
    } catch (const Error& e) {
      results[i].ok = false;
      results[i].error = e.what();
      std::cout << fmt::format("point {:0{}} {}: error: {}\n", i, width, spec.label(i), results[i].error);
      continue;
    }
    pending.push_back(i);
  }

  std::string shape;
  for (const sweep::GridAxis& a : spec.grid)
    shape += fmt::format("{}{} {}", shape.empty() ? "" : " x ", a.values.size(), a.key);
  std::cout << fmt::format("sweep {}: {} point{} ({}), trace {}, fidelity {}\n", sweep_path, n, n == 1 ? "" : "s",
                           shape, trace_path, fidelity);
  std::cout << fmt::format("{} reused from {}, {} to simulate ({} worker{} at a time)\n", reused, points_dir,
                           pending.size(), jobs, jobs == 1 ? "" : "s")
            << std::flush;

  const std::vector<std::string> base_args = {"itera", "simulate", "--trace=" + trace_path, "--no-timing",
                                              "--fidelity=" + fidelity};
  run_workers(pending, files, base_args, jobs, spec, width, results);

  const std::string csv_path = (fs::path(out_dir) / "results.csv").string();
  write_file_atomic(csv_path, sweep::results_csv(spec, results));

  size_t failed = 0;
  size_t first_failed = n;
  for (size_t i = 0; i < n; ++i)
    if (!results[i].ok) {
      ++failed;
      first_failed = std::min(first_failed, i);
    }
  std::cout << fmt::format("\n{} point{}: {} simulated, {} reused, {} failed\n", n, n == 1 ? "" : "s", pending.size(),
                           reused, failed);
  const std::string best = sweep::best_points_table(spec, results);
  if (!best.empty()) std::cout << "\n" << best;
  std::cout << "\nresults: " << csv_path << "\n" << std::flush;
  if (failed == n)
    throw Error(fmt::format("all {} point{} failed; point {} ({}): {}", n, n == 1 ? "" : "s", first_failed,
                            spec.label(first_failed), results[first_failed].error));
  return 0;
}

}  // namespace itera::cli
