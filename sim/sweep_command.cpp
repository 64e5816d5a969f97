// `itera sweep`: simulates one trace over a grid of accelerator configs. SystemC
// allows one simulation per process, so every design point runs in a worker process (a
// fork of the sweep that runs `itera simulate`, without exec), up to --jobs at a time.
// Points are resumable: a point whose JSON report exists and whose config file is
// unchanged is not run again.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
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
#include "command.h"
#include "fidelity.h"
#include "rng.h"
#include "stable_hash.h"
#include "options_util.h"
#include "sweep_report.h"
#include "sweep_spec.h"
#include "trace.h"

namespace itera::cli {

int run_simulate(const std::vector<std::string>& args);

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
    "(each is checked alone); errors name the sweep file, line and key. A\n"
    "value listed twice (also as another spelling of the same number: 100, 100.0, 1e2)\n"
    "is an error; numbers may not start with a zero (016). At most 1000000 points.\n"
    "\n"
    "Point i's config is written to DIR/points/NNNN.yaml when its worker starts, and the\n"
    "point is simulated by a worker process (a fork of the sweep that runs 'itera simulate\n"
    "... --json DIR/points/NNNN.json'), up to --jobs at a time; a worker's stderr goes to\n"
    "DIR/points/NNNN.err. A line is printed as each point finishes. Rerunning a sweep\n"
    "reuses every point whose JSON exists and whose config file (which records the trace's\n"
    "hash and the fidelity) is unchanged, so an interrupted sweep resumes and a changed\n"
    "grid reruns only the points that changed. A point that fails (e.g. a buffer too small\n"
    "for the trace) or whose worker dies is recorded as an error and the sweep goes on;\n"
    "failed points have no report, so a rerun tries them again.\n"
    "\n"
    "SIGTERM, SIGINT (Ctrl-C) or SIGHUP stop the sweep: the signal goes to the running\n"
    "workers, their unfinished files are removed, every finished point is kept, and the\n"
    "sweep exits with 128 + the signal number. Workers also end when the sweep is killed\n"
    "outright (SIGKILL). One sweep at a time may use a DIR.\n"
    "\n"
    "DIR/results.csv has one row per point in grid order: point, the grid values, status\n"
    "(ok | error), total_cycles, compute_cycles, stall_cycles, macs, pe_utilization,\n"
    "latency_us, dram_read_bytes, dram_write_bytes, dram_bandwidth_percent, pes, error.\n"
    "It does not depend on --jobs. The best points (fewest total cycles) are printed.\n"
    "Exit status: 0 if at least one point succeeded, 1 otherwise, 128 + N after signal N.";

int digits(size_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

void remove_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) throw Error(fmt::format("cannot remove '{}': {}", path, ec.message()));
}

// A worker's stderr file is kept only when it says something.
void remove_if_empty(const std::string& path) {
  std::error_code ec;
  if (fs::file_size(path, ec) == 0 && !ec) fs::remove(path, ec);
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

// ---- signals and workers ----------------------------------------------------------------

// The signals that stop a sweep: forwarded to the running workers, whose unfinished
// files are then removed; the sweep exits with 128 + the signal's number.
constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

bool is_stop_signal(int sig) {
  return std::find(std::begin(kStopSignals), std::end(kStopSignals), sig) != std::end(kStopSignals);
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGKILL: return "SIGKILL";
    default: break;
  }
  const char* name = strsignal(sig);
  return fmt::format("signal {} ({})", sig, name ? name : "unknown");
}

// While it lives, SIGCHLD and the stop signals are blocked and taken by wait(), between
// steps of the run: no signal cuts a write short. A stop signal that is ignored when
// the sweep starts (nohup) stays ignored. The sweep is single-threaded.
class SignalGate {
 public:
  SignalGate() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGCHLD);
    for (const int sig : kStopSignals) {
      struct sigaction current {};
      if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
      sigaddset(&set_, sig);
    }
    // An inherited 'ignore' for SIGCHLD would reap the workers before they are waited for.
    ::signal(SIGCHLD, SIG_DFL);
    ::sigprocmask(SIG_BLOCK, &set_, &original_);
  }
  ~SignalGate() {
    // A signal that came after the last step is dropped, not acted on at the exit.
    const timespec zero{0, 0};
    while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    ::sigprocmask(SIG_SETMASK, &original_, nullptr);
  }
  SignalGate(const SignalGate&) = delete;
  SignalGate& operator=(const SignalGate&) = delete;

  // The signal mask workers start with: the sweep's before the gate.
  const sigset_t& original_mask() const { return original_; }

  // Waits up to `ms` milliseconds for a signal. Returns the stop signal taken, or 0 (a
  // worker changed state, or the time ran out).
  int wait(int ms) {
    const timespec t{ms / 1000, (ms % 1000) * 1000000L};
    const int sig = ::sigtimedwait(&set_, nullptr, &t);
    return sig > 0 && sig != SIGCHLD ? sig : 0;
  }

 private:
  sigset_t set_{}, original_{};
};

// What exec would have done with the file descriptors above 2 that the sweep opened
// close-on-exec (results.csv's staged file): they are released. Each is pointed at
// /dev/null rather than closed, so that its number is not reused by a file the worker
// opens, and a stdio stream of the sweep's that is flushed in the worker writes nowhere.
// The others (the lock on DIR/points) stay open, as across exec; so do `null_fd` and
// `keep`, the worker's own.
void release_close_on_exec_fds(int null_fd, int keep) {
  std::vector<int> fds;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      if (fd > 2 && fd != ::dirfd(dir)) fds.push_back(fd);
    }
    ::closedir(dir);
  } else {
    const long max = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
    for (int fd = 3; fd < max; ++fd) fds.push_back(fd);
  }
  for (const int fd : fds) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (fd != null_fd && fd != keep && flags >= 0 && (flags & FD_CLOEXEC) != 0) ::dup3(null_fd, fd, O_CLOEXEC);
  }
}

// The worker's body: `itera simulate ARGS` as a process of its own would run it, and its
// exit status. It never returns into the sweep's stack; no destructor or exit handler
// of the sweep runs in it.
[[noreturn]] void run_worker(const std::vector<std::string>& args) {
  int status = 0;
  try {
    status = run_command("simulate", run_simulate, args);
  } catch (...) {
    std::terminate();  // what an exception that escapes main() does: abort, with its type on stderr
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(status);
}

// Starts the worker of one point: a fork of this process (already initialised: no
// process start-up, no SystemC static initialisation) that runs `itera simulate` with
// `args` (without the program and command names), standard input and output on
// /dev/null and standard error to `err_path`. Returns its pid, or -1 with `error` set.
// The sweep is single-threaded, so the child may do anything a new process may.
//
// The worker gets SIGTERM when the sweep dies, however it dies (SIGKILL included), so
// that no worker outlives its sweep; it starts with signal mask `mask`.
pid_t start_worker(const std::vector<std::string>& args, const std::string& err_path, const sigset_t& mask,
                   std::string& error) {
  const char* err = err_path.c_str();
  const pid_t parent = ::getpid();
  std::cout.flush();  // nothing of the sweep's own output is left in a buffer the child copies
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = fmt::format("could not start a worker: {}", std::strerror(errno));
    return -1;
  }
  if (pid > 0) return pid;
  // The child. If the sweep died before the death signal was set, the child has been
  // handed to another parent already: it must not run.
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) ::_exit(127);
  // Copies above 2 first, so that dup2 cannot overwrite one with the other.
  const int err0 = ::open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null0 = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  const int err_fd = err0 < 0 ? -1 : ::fcntl(err0, F_DUPFD_CLOEXEC, 3);
  const int null_fd = null0 < 0 ? -1 : ::fcntl(null0, F_DUPFD_CLOEXEC, 3);
  if (err_fd < 0 || null_fd < 0) ::_exit(127);
  ::close(err0);
  ::close(null0);
  // Before the standard streams move: once standard error is the point's file, the
  // worker holds no file of the sweep's but the lock.
  release_close_on_exec_fds(null_fd, err_fd);
  if (::dup2(null_fd, 0) < 0 || ::dup2(null_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
  ::close(err_fd);
  ::close(null_fd);
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
  run_worker(args);
}

// The result of a finished worker from its wait status, report and stderr.
PointResult worker_result(int status, const PointFiles& files) {
  PointResult r;
  const std::string message = first_line(files.err);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    r = read_result(files.json);
    if (r.ok) remove_if_empty(files.err);
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

// Reads and checks the options; false when --help was printed.
bool parse_sweep_options(const std::vector<std::string>& args, SweepOptions& o) {
  po::options_description desc("itera sweep options");
  // clang-format off
  desc.add_options()
    ("sweep", po::value(&o.sweep_path), "required: the sweep file (YAML: trace, base, fidelity, grid)")
    ("out", po::value(&o.out_dir), "required: output directory (created): points/NNNN.{yaml,json,err}, results.csv")
    ("jobs,j", po::value(&o.jobs)->default_value(1), fmt::format("worker processes at once (1..{})", kMaxJobs).c_str())
    ("trace", po::value(&o.trace_override), "the trace to simulate (overrides the sweep file's 'trace')")
    ("fidelity", po::value(&o.fidelity_override), "fast | cycle (overrides the sweep file's; default fast)");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("sweep", kUsage, desc, args, vm)) return false;
  if (o.sweep_path.empty()) throw Error("missing --sweep FILE.yaml; see 'itera sweep --help'");
  if (o.out_dir.empty()) throw Error("missing --out DIR; see 'itera sweep --help'");
  check_jobs("--jobs", o.jobs);
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

// ---- the points directory ---------------------------------------------------------------

// What the scan of DIR/points found for a point (bit flags).
enum : uint8_t { kHasYaml = 1, kHasJson = 2, kHasErr = 4 };

bool all_digits(const std::string& s, size_t from, size_t to) {
  if (from >= to) return false;
  for (size_t i = from; i < to; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// "0012.json.tmp.4711", "results.csv.tmp.4711": a temp file of a sweep or worker that
// was killed while writing (file_io.h names them "<file>.tmp.<pid>").
bool is_temp_of(const std::string& name, const std::string& file) {
  const std::string infix = file + ".tmp.";
  return name.size() > infix.size() && name.compare(0, infix.size(), infix) == 0 &&
         all_digits(name, infix.size(), name.size());
}

bool is_point_temp(const std::string& name) {
  const size_t dot = name.find('.');
  return dot != std::string::npos && all_digits(name, 0, dot) &&
         (is_temp_of(name, name.substr(0, dot) + ".yaml") || is_temp_of(name, name.substr(0, dot) + ".json"));
}

// DIR/points for the life of the sweep: created, locked, cleared of the temp files a
// killed sweep or worker left, and scanned once for the points' files.
//
// The lock (flock on the directory) is inherited by the workers, so it is free again
// only when the sweep and every one of its workers are gone: a second sweep on the same
// directory, or a resume while a killed sweep's workers are still dying, is refused.
class PointsDir {
 public:
  explicit PointsDir(const SweepPlan& plan) : found(plan.points, 0) {
    std::error_code ec;
    fs::create_directories(plan.points_dir, ec);
    if (ec) throw Error(fmt::format("cannot create the directory '{}': {}", plan.points_dir, ec.message()));
    fd_ = ::open(plan.points_dir.c_str(), O_RDONLY | O_DIRECTORY);  // not O_CLOEXEC: the workers hold it too
    if (fd_ < 0) throw Error(fmt::format("cannot open the directory '{}': {}", plan.points_dir, std::strerror(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd_);
      fd_ = -1;
      if (err == EWOULDBLOCK)
        throw Error(fmt::format("--out {}: another itera sweep (or a worker of one) is using this directory; wait "
                                "for it to end, or give another --out",
                                plan.out_dir));
      throw Error(fmt::format("cannot lock the directory '{}': {}", plan.points_dir, std::strerror(err)));
    }
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(plan.out_dir, ignored))
      if (is_temp_of(entry.path().filename().string(), "results.csv")) fs::remove(entry.path(), ignored);
    const size_t width = static_cast<size_t>(plan.width);
    for (const auto& entry : fs::directory_iterator(plan.points_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (is_point_temp(name)) {
        fs::remove(entry.path(), ignored);
        continue;
      }
      if (name.size() <= width || name[width] != '.' || !all_digits(name, 0, width)) continue;
      const std::string ext = name.substr(width);
      const uint8_t kind = ext == ".yaml" ? kHasYaml : ext == ".json" ? kHasJson : ext == ".err" ? kHasErr : 0;
      const size_t index = static_cast<size_t>(std::stoull(name.substr(0, width)));
      if (kind == 0 || index >= plan.points) continue;
      found[index] |= kind;
      if (kind == kHasJson) ++reports;
    }
    if (ec) {
      ::close(fd_);
      fd_ = -1;
      throw Error(fmt::format("cannot read the directory '{}': {}", plan.points_dir, ec.message()));
    }
  }
  ~PointsDir() {
    if (fd_ >= 0) ::close(fd_);
  }
  PointsDir(const PointsDir&) = delete;
  PointsDir& operator=(const PointsDir&) = delete;

  std::vector<uint8_t> found;  // per point: kHasYaml | kHasJson | kHasErr
  size_t reports = 0;          // NNNN.json files of this grid's points

 private:
  int fd_ = -1;
};

// ---- results.csv ------------------------------------------------------------------------

// results.csv, written a row at a time in point order while points finish in any order,
// to a temp file that is moved into place only when every row is in (file_io.h).
class ResultsFile {
 public:
  ResultsFile(std::string path, const std::string& header) : path_(std::move(path)), staged_(staging_path(path_)) {
    file_ = std::fopen(staged_.c_str(), "wbe");
    if (!file_) throw Error(fmt::format("cannot write '{}': {}", path_, std::strerror(errno)));
    put(header);
  }
  ~ResultsFile() { discard(); }
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  const std::string& path() const { return path_; }

  // Point `index`'s row; rows are written once every point before it has one.
  void add(size_t index, std::string row) {
    waiting_.emplace(index, std::move(row));
    for (auto it = waiting_.begin(); it != waiting_.end() && it->first == next_; it = waiting_.erase(it), ++next_)
      put(it->second);
  }

  // Every row is in: the file goes into place. Throws naming the file on failure.
  void commit() {
    const bool ok = error_ == 0 && std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    const int err = error_ ? error_ : errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok || !closed) {
      std::remove(staged_.c_str());
      throw Error(fmt::format("cannot write '{}': {}", path_, std::strerror(err ? err : EIO)));
    }
    install_file(staged_, path_);
  }

  // The run ended early: no results.csv, and no temp file.
  void discard() {
    if (!file_) return;
    std::fclose(file_);
    file_ = nullptr;
    std::remove(staged_.c_str());
  }

 private:
  void put(const std::string& text) {
    if (error_ == 0 && std::fwrite(text.data(), 1, text.size(), file_) != text.size()) error_ = errno ? errno : EIO;
  }

  std::string path_, staged_;
  std::FILE* file_ = nullptr;
  int error_ = 0;
  std::map<size_t, std::string> waiting_;  // rows that came before an earlier point's
  size_t next_ = 0;
};

// ---- the run ----------------------------------------------------------------------------

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

// Settles the points in grid order, `jobs` workers at a time: a point whose report can
// be reused is taken as it is; any other gets its config written (only now, when its
// worker starts) and a worker. Results go to results.csv and the best-points table as
// they come, so memory and start-up time do not grow with the number of points.
class SweepRun {
 public:
  SweepRun(const SweepPlan& plan, SignalGate& gate, const std::vector<uint8_t>& found)
      : plan_(plan),
        gate_(gate),
        found_(found),
        configs_(plan.spec),
        csv_((fs::path(plan.out_dir) / "results.csv").string(), sweep::results_csv_header(plan.spec)),
        base_args_{"--trace=" + plan.trace_path, "--no-timing", "--no-progress", "--fidelity=" + plan.fidelity},
        last_line_(std::chrono::steady_clock::now()) {}

  // Runs every point. Returns 0, or the stop signal that ended the run early (the
  // workers still run: stop() ends them).
  int run() {
    const size_t jobs = static_cast<size_t>(plan_.jobs);
    for (;;) {
      if (stop_ != 0) return stop_;
      reap();
      if (stop_ != 0) return stop_;
      // A batch at most between looks at signals and workers (reused points are quick).
      for (int batch = 0; batch < 256 && running_.size() < jobs && next_ < plan_.points; ++batch) settle(next_++);
      if (next_ == plan_.points && running_.empty()) return 0;
      const bool only_waiting = running_.size() >= jobs || next_ == plan_.points;
      stop_ = gate_.wait(only_waiting ? 1000 : 0);
    }
  }

  // After an early end: sends `sig` to the running workers (SIGKILL to any still there
  // 10 s later), waits for them, keeps the report of any that finished and removes the
  // files of the others; no results.csv is written. Returns how many were stopped.
  size_t stop(int sig) noexcept {
    const size_t stopped = running_.size();
    for (const auto& [pid, index] : running_) ::kill(pid, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool killed = false;
    while (!running_.empty()) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid > 0) {
        const auto it = running_.find(pid);
        if (it == running_.end()) continue;
        const size_t index = it->second;
        running_.erase(it);
        interrupted(index, pid, status);
        continue;
      }
      if (pid < 0 && errno != EINTR) break;  // no children left
      if (!killed && std::chrono::steady_clock::now() >= deadline) {
        for (const auto& [p, index] : running_) ::kill(p, SIGKILL);
        killed = true;
      }
      gate_.wait(100);
    }
    running_.clear();
    csv_.discard();
    return stopped;
  }

  // Every point is settled: writes results.csv, prints the summary and the best points;
  // throws when every point failed.
  void finish() {
    csv_.commit();
    const size_t n = plan_.points;
    std::cout << fmt::format("\n{} point{}: {} simulated, {} reused, {} failed\n", n, n == 1 ? "" : "s", simulated_,
                             reused_, failed_);
    const std::string best = best_.table(plan_.spec);
    if (!best.empty()) std::cout << "\n" << best;
    std::cout << "\nresults: " << csv_.path() << "\n" << std::flush;
    if (failed_ == n)
      throw Error(fmt::format("all {} point{} failed; point {} ({}): {}", n, n == 1 ? "" : "s", first_failed_,
                              plan_.spec.label(first_failed_), first_error_));
  }

  size_t settled() const { return settled_; }
  size_t failed() const { return failed_; }

 private:
  enum class How { Reused, Simulated, NotRun };

  PointFiles files(size_t i) const {
    const std::string stem = (fs::path(plan_.points_dir) / fmt::format("{:0{}}", i, plan_.width)).string();
    return {stem + ".yaml", stem + ".json", stem + ".err"};
  }

  std::string config(size_t i, const PointFiles& f) const {
    const std::string header = fmt::format(
        "# itera sweep design point: {}\n"
        "# trace FNV-1a-64 {}, fidelity {}: {} is reused only while this file is unchanged\n",
        one_line(plan_.spec.label(i)), plan_.trace_hash, plan_.fidelity, fs::path(f.json).filename().string());
    return configs_.yaml(i, header);
  }

  // The report of point i when it was made from exactly `config`; !ok otherwise.
  PointResult reusable(size_t i, const PointFiles& f, const std::string& config) const {
    if ((found_[i] & kHasJson) == 0 || (found_[i] & kHasYaml) == 0) return {};
    std::string stored;
    try {
      stored = read_file(f.yaml);
    } catch (const Error&) {
      return {};
    }
    return stored == config ? read_result(f.json) : PointResult();
  }

  void settle(size_t i) {
    const PointFiles f = files(i);
    const std::string text = config(i, f);
    PointResult reused = reusable(i, f, text);
    if (reused.ok) {
      if (found_[i] & kHasErr) remove_if_empty(f.err);
      return finish_point(i, reused, How::Reused);
    }
    // The stale report goes first: a report is never left beside a config it did not come from.
    remove_file(f.json);
    remove_file(f.err);
    write_file_atomic(f.yaml, text);
    PointResult r;
    try {
      parse_accel_config(text, f.yaml);
    } catch (const Error& e) {
      r.error = e.what();
      write_file_atomic(f.err, r.error + "\n");  // as a worker would have: a failed point has its reason on disk
      return finish_point(i, r, How::NotRun);
    }
    std::vector<std::string> args = base_args_;
    args.push_back("--config=" + f.yaml);
    args.push_back("--json=" + f.json);
    ++simulated_;
    const pid_t pid = start_worker(args, f.err, gate_.original_mask(), r.error);
    if (pid < 0) return finish_point(i, r, How::Simulated);
    running_.emplace(pid, i);
  }

  // Takes the results of the workers that have ended.
  void reap() {
    while (!running_.empty()) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid == 0) return;
      if (pid < 0) {
        if (errno == EINTR) continue;
        // No children left to wait for: the workers are lost.
        const std::string why = fmt::format("lost track of the worker: {}", std::strerror(errno));
        const auto lost = running_;
        running_.clear();
        for (const auto& [lost_pid, index] : lost) {
          PointResult r;
          r.error = why;
          finish_point(index, r, How::Simulated);
        }
        return;
      }
      const auto it = running_.find(pid);
      if (it == running_.end()) continue;  // not one of ours
      const size_t index = it->second;
      running_.erase(it);
      // A worker ended by a stop signal (Ctrl-C reaches the whole process group) is not
      // a failed point when the sweep has been told to stop too.
      if (WIFSIGNALED(status) && is_stop_signal(WTERMSIG(status)) && stop_ == 0) stop_ = gate_.wait(0);
      if (stop_ != 0) {
        interrupted(index, pid, status);
        continue;
      }
      const PointFiles f = files(index);
      remove_quietly(fmt::format("{}.tmp.{}", f.json, static_cast<long>(pid)));  // a worker killed mid-write
      finish_point(index, worker_result(status, f), How::Simulated);
    }
  }

  // A worker that ended after a stop signal: its report is kept if it finished one,
  // otherwise every file of its point goes.
  void interrupted(size_t index, pid_t pid, int status) noexcept {
    const PointFiles f = files(index);
    remove_quietly(fmt::format("{}.tmp.{}", f.json, static_cast<long>(pid)));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      try {
        if (read_result(f.json).ok) {
          remove_if_empty(f.err);
          ++settled_;
          return;
        }
      } catch (...) {
      }
    }
    for (const std::string* path : {&f.json, &f.err, &f.yaml}) remove_quietly(*path);
  }

  void finish_point(size_t i, const PointResult& r, How how) {
    ++settled_;
    if (how == How::Reused) ++reused_;
    if (!r.ok) {
      ++failed_;
      if (i < first_failed_) {
        first_failed_ = i;
        first_error_ = r.error;
      }
    }
    best_.add(i, r);
    csv_.add(i, sweep::results_csv_row(plan_.spec, i, r));
    const auto now = std::chrono::steady_clock::now();
    if (how == How::Reused) {
      // Reused points are counted, with a line at most every second while many are checked.
      if (now - last_line_ < std::chrono::seconds(1)) return;
      std::cout << fmt::format("[{}/{}] {} reused so far\n", settled_, plan_.points, reused_) << std::flush;
    } else {
      std::cout << fmt::format("[{}/{}] point {:0{}} {}: {}\n", settled_, plan_.points, i, plan_.width,
                               plan_.spec.label(i),
                               r.ok ? fmt::format("{} cycles", r.report.total_cycles) : "error: " + r.error)
                << std::flush;
    }
    last_line_ = now;
  }

  const SweepPlan& plan_;
  SignalGate& gate_;
  const std::vector<uint8_t>& found_;
  sweep::PointConfigs configs_;
  ResultsFile csv_;
  sweep::BestPoints best_;
  const std::vector<std::string> base_args_;
  std::map<pid_t, size_t> running_;  // worker pid -> point
  size_t next_ = 0;                  // the next point to settle
  size_t settled_ = 0, simulated_ = 0, reused_ = 0, failed_ = 0;
  size_t first_failed_ = SIZE_MAX;
  std::string first_error_;
  int stop_ = 0;
  std::chrono::steady_clock::time_point last_line_;
};

void print_plan(const SweepPlan& plan, const PointsDir& dir) {
  const size_t n = plan.points;
  std::string shape;
  for (const sweep::GridAxis& a : plan.spec.grid)
    shape += fmt::format("{}{} {}", shape.empty() ? "" : " x ", a.values.size(), a.key);
  std::cout << fmt::format("sweep {}: {} point{} ({}), trace {}, fidelity {}\n", plan.sweep_path, n,
                           n == 1 ? "" : "s", shape, plan.trace_path, plan.fidelity);
  std::cout << fmt::format("{} worker{} at a time; {} earlier report{} in {} (reused where the point's config is "
                           "unchanged)\n",
                           plan.jobs, plan.jobs == 1 ? "" : "s", dir.reports, dir.reports == 1 ? "" : "s",
                           plan.points_dir)
            << std::flush;
}

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  SweepOptions options;
  if (!parse_sweep_options(args, options)) return 0;
  const SweepPlan plan = resolve_sweep(options);
  // From here on, stop signals are taken between steps (SignalGate).
  SignalGate gate;
  const PointsDir dir(plan);
  print_plan(plan, dir);
  SweepRun run(plan, gate, dir.found);
  int sig = 0;
  try {
    sig = run.run();
  } catch (...) {
    run.stop(SIGTERM);
    throw;
  }
  if (sig == 0) {
    run.finish();
    return 0;
  }
  const size_t stopped = run.stop(sig);
  std::cout << std::flush;
  std::cerr << fmt::format(
      "itera sweep: interrupted by {}: stopped {} running worker{} and removed their unfinished files; {} of {} "
      "point{} done ({} failed), kept in {}; results.csv was not written. Run the same command again to "
      "resume.\n",
      signal_name(sig), stopped, stopped == 1 ? "" : "s", run.settled(), plan.points, plan.points == 1 ? "" : "s",
      run.failed(), plan.points_dir);
  return 128 + sig;
}

}  // namespace itera::cli
