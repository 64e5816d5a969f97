// The two executables: `itera` (no SystemC: it starts in about the time of a program
// with no libraries of note) and `itera-simulator` beside it, which `itera` execs for
// the commands that run the SystemC model; and the sweep's workers, forks of the sweep
// that run `itera simulate` without exec.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "command.h"
#include "test_support.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::contains;
using testing::processes_with;
using testing::shell_quote;
using testing::slurp;
using testing::TempDir;
using testing::write_file;

// `PROGRAM ARGS` (ARGS shell-quoted by the caller), with its output captured.
CliResult run_program(const std::string& program, const std::string& args, const std::string& env = "") {
  TempDir tmp;
  const std::string out = tmp.file("stdout"), err = tmp.file("stderr");
  const std::string cmd = env + (env.empty() ? "" : " ") + shell_quote(program) + " " + args + " >" +
                          shell_quote(out) + " 2>" + shell_quote(err) + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// The shared objects the dynamic loader loads for `PROGRAM ARGS` (its LD_DEBUG=libs
// trace: "calling init: /path/lib.so" for every library it initialises).
std::string loaded_libraries(const std::string& program, const std::string& args) {
  const CliResult r = run_program(program, args, "LD_DEBUG=libs");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string inits;
  size_t at = 0;
  while ((at = r.err.find("calling init: ", at)) != std::string::npos) {
    const size_t end = r.err.find('\n', at);
    inits += r.err.substr(at + 14, end - at - 14) + "\n";
    at = end;
  }
  return inits;
}

const char* const kTrace =
    "itera-trace 1\n"
    "fc dense 64 256 256 8 8 0 0 1 - -\n";

// ---- the two binaries ------------------------------------------------------------------

TEST(SimulatorSplit, IteraLoadsNoSystemCAndTheSimulatorDoes) {
  // The probe sees libraries at all (the C++ runtime) and sees libsystemc where it is.
  const std::string simulator = loaded_libraries(ITERA_SIMULATOR_PATH, "--version");
  ASSERT_TRUE(contains(simulator, "libstdc++")) << simulator;
  EXPECT_TRUE(contains(simulator, "libsystemc")) << simulator;
  for (const std::string args : {"--version", "shapes", "decompose --help", "dram --help"}) {
    SCOPED_TRACE(args);
    const std::string itera = loaded_libraries(ITERA_CLI_PATH, args);
    EXPECT_TRUE(contains(itera, "libstdc++")) << itera;
    EXPECT_FALSE(contains(itera, "libsystemc")) << itera;
  }
  // Nor is SystemC linked in statically: no symbol of its namespace is in the binary.
  EXPECT_FALSE(contains(slurp(ITERA_CLI_PATH), "sc_core")) << ITERA_CLI_PATH << " refers to SystemC (sc_core)";
  EXPECT_TRUE(contains(slurp(ITERA_SIMULATOR_PATH), "sc_core"));
}

TEST(SimulatorSplit, TheSimulatorIsBesideItera) {
  EXPECT_EQ(fs::path(ITERA_SIMULATOR_PATH).parent_path(), fs::path(ITERA_CLI_PATH).parent_path());
  EXPECT_EQ(fs::path(ITERA_SIMULATOR_PATH).filename(), "itera-simulator");
}

TEST(SimulatorSplit, EveryCommandRunsInOneOfTheBinaries) {
  size_t in_simulator = 0;
  for (const cli::Command& c : cli::commands()) {
    SCOPED_TRACE(c.name);
    // A command itera leaves to the simulator is one the simulator has; no other is.
    EXPECT_NE(static_cast<bool>(c.run), static_cast<bool>(cli::simulator_command(c.name)));
    in_simulator += c.run ? 0 : 1;
  }
  EXPECT_EQ(in_simulator, 3u);
  for (const std::string name : {"simulate", "sweep", "dse"}) EXPECT_TRUE(cli::simulator_command(name)) << name;
  // Both list every command, the same way.
  const CliResult itera = run_program(ITERA_CLI_PATH, "--help");
  const CliResult simulator = run_program(ITERA_SIMULATOR_PATH, "--help");
  EXPECT_EQ(itera.exit_code, 0);
  for (const cli::Command& c : cli::commands()) EXPECT_TRUE(contains(itera.out, "  " + c.name + " ")) << c.name;
  EXPECT_EQ(itera.out, simulator.out);
}

// `itera simulate` (through the exec) and `itera-simulator simulate` give the same
// report, files, messages and exit status, for a good run, a bad one and --help.
TEST(SimulatorSplit, SimulateThroughIteraIsTheSimulatorsRun) {
  TempDir dir;
  write_file(dir.file("t.trace"), kTrace);
  const std::string trace = shell_quote(dir.file("t.trace"));
  const CliResult via = run_program(ITERA_CLI_PATH, "simulate " + trace + " --no-timing --json " +
                                                        shell_quote(dir.file("via.json")) + " --csv " +
                                                        shell_quote(dir.file("via-csv")));
  const CliResult direct = run_program(ITERA_SIMULATOR_PATH, "simulate " + trace + " --no-timing --json " +
                                                                 shell_quote(dir.file("direct.json")) + " --csv " +
                                                                 shell_quote(dir.file("direct-csv")));
  ASSERT_EQ(via.exit_code, 0) << via.err;
  EXPECT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_TRUE(contains(via.out, "total cycles")) << via.out;
  EXPECT_EQ(via.out, direct.out);
  EXPECT_EQ(via.err, direct.err);
  EXPECT_FALSE(slurp(dir.file("via.json")).empty());
  EXPECT_EQ(slurp(dir.file("via.json")), slurp(dir.file("direct.json")));
  for (const std::string csv : {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv"})
    EXPECT_EQ(slurp(dir.file("via-csv/" + csv)), slurp(dir.file("direct-csv/" + csv))) << csv;

  for (const std::string& args : {"simulate " + shell_quote(dir.file("missing.trace")), std::string("simulate --help"),
                                 std::string("simulate --bogus"), std::string("sweep"),
                                 std::string("dse --help")}) {
    SCOPED_TRACE(args);
    const CliResult a = run_program(ITERA_CLI_PATH, args);
    const CliResult b = run_program(ITERA_SIMULATOR_PATH, args);
    EXPECT_EQ(a.exit_code, b.exit_code);
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.err, b.err);
    EXPECT_TRUE(contains(a.out + a.err, "itera")) << a.out << a.err;
  }
  EXPECT_EQ(run_program(ITERA_CLI_PATH, "simulate " + shell_quote(dir.file("missing.trace"))).exit_code, 1);
  EXPECT_EQ(run_program(ITERA_CLI_PATH, "sweep").exit_code, 1);
}

// An itera without its simulator still runs what simulates nothing, and says where it
// looked for the simulator.
TEST(SimulatorSplit, AMissingSimulatorIsAnErrorNamingWhereItWasExpected) {
  TempDir dir;
  const std::string alone = dir.file("itera");
  fs::copy_file(ITERA_CLI_PATH, alone);
  fs::permissions(alone, fs::perms::owner_all);
  const CliResult shapes = run_program(alone, "shapes");
  EXPECT_EQ(shapes.exit_code, 0) << shapes.err;
  EXPECT_TRUE(contains(shapes.out, "llama2-7b")) << shapes.out;
  for (const std::string command : {"simulate", "sweep", "dse"}) {
    SCOPED_TRACE(command);
    const CliResult r = run_program(alone, command + " --help");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(testing::contains_all(
        r.err, {"itera " + command + ": error: cannot run '" + dir.file("itera-simulator") + "'",
                "No such file or directory", "itera-simulator"}))
        << r.err;
  }
}

// ---- the sweep's workers: forks of the sweep, without exec ------------------------------

// A point's report and a failing point's stderr are byte for byte those of `itera
// simulate` run alone with the same arguments.
TEST(SimulatorSplit, ASweepPointIsByteIdenticalToSimulateRunAlone) {
  TempDir dir;
  write_file(dir.file("t.trace"), kTrace);
  // Point 0's weight buffer is too small for the trace: it fails in its worker.
  write_file(dir.file("sweep.yaml"), "trace: t.trace\ngrid:\n  buffers.weight.kb: [1, 64]\n  array.rows: [16]\n");
  const CliResult sweep = testing::run_cli("sweep --sweep " + shell_quote(dir.file("sweep.yaml")) + " --out " +
                                           shell_quote(dir.file("out")) + " --jobs 2");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  EXPECT_TRUE(contains(sweep.out, "2 simulated, 0 reused, 1 failed")) << sweep.out;
  for (const std::string point : {"0000", "0001"}) {
    SCOPED_TRACE(point);
    const std::string config = dir.file("out/points/" + point + ".yaml");
    const std::string json = dir.file("alone-" + point + ".json");
    const CliResult alone = run_program(
        ITERA_CLI_PATH, "simulate --trace=" + shell_quote(dir.file("t.trace")) +
                            " --no-timing --no-progress --fidelity=fast --config=" + shell_quote(config) +
                            " --json=" + shell_quote(json));
    if (point == "0000") {
      EXPECT_EQ(alone.exit_code, 1);
      EXPECT_TRUE(contains(alone.err, "itera simulate: error: ")) << alone.err;
      EXPECT_EQ(slurp(dir.file("out/points/0000.err")), alone.err);
      EXPECT_FALSE(fs::exists(dir.file("out/points/0000.json")));
    } else {
      EXPECT_EQ(alone.exit_code, 0) << alone.err;
      EXPECT_EQ(slurp(dir.file("out/points/0001.json")), slurp(json));
      EXPECT_FALSE(fs::exists(dir.file("out/points/0001.err"))) << "an empty stderr file is removed";
    }
  }
}

// One GEMM that simulates for seconds in the cycle fidelity (its workers are killed long
// before they finish).
const char* const kSlowTrace =
    "itera-trace 1\n"
    "fc dense 1024 2048 4096 8 8 0 0 1 - -\n";

bool eventually(const std::function<bool()>& condition, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Workers killed from outside are failed points that say so, and the sweep goes on to
// the next point. While it runs, a worker holds the files a worker started by exec held
// (standard streams, the lock on DIR/points), not the sweep's staged results.csv.
TEST(SimulatorSplit, KilledWorkersAreRecordedAndHoldNoneOfTheSweepsFiles) {
  TempDir dir;
  write_file(dir.file("t.trace"), kSlowTrace);
  write_file(dir.file("sweep.yaml"), "trace: t.trace\nfidelity: cycle\ngrid:\n  array.rows: [16, 32]\n");
  const std::string points = dir.file("out/points");
  const std::string command = "exec " + shell_quote(ITERA_CLI_PATH) + " sweep --sweep " +
                              shell_quote(dir.file("sweep.yaml")) + " --out " + shell_quote(dir.file("out")) +
                              " --jobs 1 >" + shell_quote(dir.file("stdout")) + " 2>" +
                              shell_quote(dir.file("stderr")) + " </dev/null";
  const pid_t sweep = ::fork();  // the sweep itself (the shell execs it)
  ASSERT_GE(sweep, 0);
  if (sweep == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Point NNNN's worker, found by its stderr file, inspected (`inspect`) and killed.
  const auto kill_worker = [&](const std::string& point, bool inspect) {
    std::vector<pid_t> workers;
    const bool seen = eventually(
        [&] {
          workers = processes_with(points + "/" + point + ".err");
          return !workers.empty();
        },
        120);
    if (!seen) return false;
    EXPECT_EQ(workers.size(), 1u);
    if (inspect) {
      const std::string fd_dir = "/proc/" + std::to_string(workers[0]) + "/fd";
      EXPECT_EQ(fs::read_symlink(fd_dir + "/0"), "/dev/null");
      EXPECT_EQ(fs::read_symlink(fd_dir + "/1"), "/dev/null");
      bool holds_lock = false;
      std::error_code ec;
      for (const auto& fd : fs::directory_iterator(fd_dir, ec)) {
        std::error_code link_error;
        const std::string target = fs::read_symlink(fd.path(), link_error).string();
        EXPECT_FALSE(contains(target, "results.csv")) << fd.path() << " -> " << target;
        holds_lock = holds_lock || target == points;
      }
      EXPECT_TRUE(holds_lock) << "the worker holds the lock on " << points << " as an exec'd worker did";
    }
    return ::kill(workers[0], SIGKILL) == 0;
  };
  const bool killed_first = kill_worker("0000", true);
  const bool killed_second = killed_first && kill_worker("0001", false);
  int status = 0;
  const bool ended = eventually([&] { return ::waitpid(sweep, &status, WNOHANG) == sweep; }, 120);
  if (!ended) {
    ::kill(sweep, SIGKILL);
    ::waitpid(sweep, &status, 0);
  }
  ASSERT_TRUE(killed_first && killed_second) << "a worker was not seen; stdout:\n"
                                             << slurp(dir.file("stdout")) << "\nstderr:\n"
                                             << slurp(dir.file("stderr"));
  ASSERT_TRUE(ended) << "the sweep did not end";
  const std::string out = slurp(dir.file("stdout")), err = slurp(dir.file("stderr"));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << err;
  EXPECT_TRUE(contains(err, "all 2 points failed; point 0 (array.rows=16): the worker was killed by signal 9")) << err;
  for (const std::string line : {"point 0000 array.rows=16: error: the worker was killed by signal 9",
                                 "point 0001 array.rows=32: error: the worker was killed by signal 9",
                                 "2 simulated, 0 reused, 2 failed"})
    EXPECT_TRUE(contains(out, line)) << line << "\n" << out;
  const std::string csv = slurp(dir.file("out/results.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;  // the header and two rows
  size_t reasons = 0;
  for (size_t at = csv.find("the worker was killed by signal 9"); at != std::string::npos;
       at = csv.find("the worker was killed by signal 9", at + 1))
    ++reasons;
  EXPECT_EQ(reasons, 2u) << csv;
}

}  // namespace
}  // namespace itera
