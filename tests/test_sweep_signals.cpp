// `itera sweep` started as a child process and stopped by signals mid-run, and on a
// grid too large to prepare up front. What is checked is what is left behind: which
// processes still run (found in /proc by the sweep's unique output directory: the
// workers' standard error is a file in it), which files exist, and that a resume gives results byte-identical
// to a sweep that was never interrupted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

extern char** environ;

namespace itera {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::processes_with;
using testing::run_cli;
using testing::shell_quote;
using testing::slurp;
using testing::TempDir;

// One GEMM that takes a while in the cycle fidelity (0.45 to 0.7 s of CPU per point on
// the benchmark machine), so that a sweep is stopped mid-point. Under the sanitizers
// every point runs several times slower: a quarter of the GEMM is then as long.
const char* const kSlowTrace =
    "itera-trace 1\n"
#if defined(__SANITIZE_ADDRESS__)
    "fc dense 512 2048 2048 8 8 0 0 1 - -\n";
#else
    "fc dense 1024 2048 4096 8 8 0 0 1 - -\n";
#endif
const char* const kSlowGrid =
    "trace: t.trace\n"
    "fidelity: cycle\n"
    "grid:\n"
    "  array.dataflow: [ws, os, is]\n"
    "  array.rows: [16, 32]\n";
constexpr int kSlowPoints = 6;

bool eventually(const std::function<bool()>& condition, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// `itera ARGS` as a child of this process, with standard output and error going to
// files and the stop signals at their defaults; its pid.
pid_t start_itera(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> all = {ITERA_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, ITERA_CLI_PATH, &files, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  EXPECT_EQ(rc, 0) << "could not start " << ITERA_CLI_PATH;
  return rc == 0 ? pid : -1;
}

// The child's wait status once it has exited (up to `seconds`; then it is killed and
// the test fails).
int wait_exit(pid_t pid, double seconds) {
  int status = 0;
  const bool exited = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, seconds);
  if (!exited) {
    ADD_FAILURE() << "pid " << pid << " did not exit within " << seconds << " s";
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  return status;
}

struct Files {
  std::vector<std::string> names;  // sorted
  size_t count(const std::string& suffix) const {
    return static_cast<size_t>(std::count_if(names.begin(), names.end(), [&](const std::string& n) {
      return n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    }));
  }
  bool has(const std::string& name) const { return std::binary_search(names.begin(), names.end(), name); }
};

Files files_in(const std::string& dir) {
  Files f;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) f.names.push_back(e.path().filename().string());
  std::sort(f.names.begin(), f.names.end());
  return f;
}

// Every file under `dir` whose name holds ".tmp." (a temp file of a write cut short).
std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (contains(e.path().filename().string(), ".tmp.")) found.push_back(e.path().string());
  return found;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "SIGKILL";
  }
}

class SweepStopped : public ::testing::TestWithParam<int> {};

// The sweep is stopped by the signal while workers run. Afterwards no worker is left;
// after SIGTERM, SIGINT and SIGHUP the sweep has ended its workers, removed their
// files and kept every finished point; after SIGKILL the workers end by themselves.
// Either way a rerun finishes the sweep with exactly the files and results of a sweep
// that was never stopped.
TEST_P(SweepStopped, NoWorkerSurvivesAndAResumeMatchesAnUninterruptedSweep) {
  const int sig = GetParam();
  TempDir dir;
  testing::write_file(dir.file("t.trace"), kSlowTrace);
  testing::write_file(dir.file("sweep.yaml"), kSlowGrid);
  const std::string sweep_file = dir.file("sweep.yaml");

  // The reference: the same sweep, never stopped.
  const auto reference = run_cli("sweep --sweep " + shell_quote(sweep_file) + " --out " +
                                 shell_quote(dir.file("reference")) + " --jobs 2");
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const Files reference_points = files_in(dir.file("reference/points"));
  ASSERT_EQ(reference_points.count(".json"), static_cast<size_t>(kSlowPoints));

  const std::string out = dir.file("out");
  const std::string points = out + "/points";
  const std::vector<std::string> args = {"sweep", "--sweep", sweep_file, "--out", out, "--jobs", "2"};
  const pid_t pid = start_itera(args, dir.file("stdout"), dir.file("stderr"));
  ASSERT_GT(pid, 0);
  // Mid-run: a point is finished and workers are running.
  const bool mid_run = eventually(
      [&] { return files_in(points).count(".json") >= 1 && !processes_with(points + "/").empty(); }, 300);
  if (!mid_run) {
    ::kill(pid, SIGKILL);
    wait_exit(pid, 60);
    FAIL() << "the sweep never had a finished point and a running worker at once; stdout:\n"
           << slurp(dir.file("stdout")) << "\nstderr:\n"
           << slurp(dir.file("stderr"));
  }
  // A second sweep may not use the directory meanwhile.
  const auto second = run_cli("sweep --sweep " + shell_quote(sweep_file) + " --out " + shell_quote(out));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_TRUE(contains(second.err, "another itera sweep")) << second.err;

  ASSERT_EQ(::kill(pid, sig), 0);
  const int status = wait_exit(pid, 120);
  const std::string err = slurp(dir.file("stderr"));
  if (sig == SIGKILL) {
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  } else {
    EXPECT_TRUE(WIFEXITED(status)) << "the sweep must exit, not die by the signal";
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig) << err;
    EXPECT_TRUE(testing::contains_all(err, {"interrupted by " + signal_name(sig), "Run the same command again"}));
  }

  // No worker outlives its sweep (a killed worker may take a moment to go).
  std::vector<pid_t> survivors;
  const bool none_left = eventually(
      [&] {
        survivors = processes_with(points + "/");
        return survivors.empty();
      },
      30);
  EXPECT_TRUE(none_left) << survivors.size() << " worker(s) still running, e.g. pid " << survivors.front();

  const Files after = files_in(points);
  const size_t finished = after.count(".json");
  EXPECT_GE(finished, 1u);
  EXPECT_LE(finished, static_cast<size_t>(kSlowPoints));
  EXPECT_FALSE(fs::exists(out + "/results.csv"));
  if (sig != SIGKILL) {
    // Cleaned up: only finished points, each a config and its report; no temp files.
    EXPECT_EQ(temp_files(out), std::vector<std::string>{});
    EXPECT_EQ(after.count(".err"), 0u);
    EXPECT_EQ(after.count(".yaml"), finished);
    for (const std::string& name : after.names)
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") {
        EXPECT_TRUE(after.has(name.substr(0, name.size() - 5) + ".yaml")) << name;
        EXPECT_EQ(slurp(points + "/" + name), slurp(dir.file("reference/points/" + name))) << name;
      }
  }

  // The resume keeps every finished point and runs the rest.
  const auto resumed = run_cli("sweep --sweep " + shell_quote(sweep_file) + " --out " + shell_quote(out) + " --jobs 2");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.out, std::to_string(kSlowPoints - finished) + " simulated, " +
                                        std::to_string(finished) + " reused, 0 failed"))
      << resumed.out;
  EXPECT_EQ(slurp(out + "/results.csv"), slurp(dir.file("reference/results.csv")));
  EXPECT_EQ(files_in(points).names, reference_points.names) << "no litter";
  for (const std::string& name : reference_points.names)
    EXPECT_EQ(slurp(points + "/" + name), slurp(dir.file("reference/points/" + name))) << name;
  EXPECT_EQ(files_in(out).names, (std::vector<std::string>{"points", "results.csv"}));
}

INSTANTIATE_TEST_SUITE_P(Signals, SweepStopped, ::testing::Values(SIGTERM, SIGINT, SIGHUP, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& param) { return signal_name(param.param); });

// A 100,000-point grid on a trivial trace: configs are written as points start, so the
// first result comes while almost no config exists; a stop then leaves no temp file.
TEST(SweepLargeGrid, StartsAtOnceAndWritesConfigsOnlyForStartedPoints) {
  TempDir dir;
  testing::write_file(dir.file("t.trace"), "itera-trace 1\nfc dense 1 16 16 8 8 0 0 1 - -\n");
  std::string clocks, kbs;
  for (int i = 1; i <= 1000; ++i) clocks += (i > 1 ? ", " : "") + std::to_string(i);
  for (int i = 1; i <= 100; ++i) kbs += (i > 1 ? ", " : "") + std::to_string(i);
  testing::write_file(dir.file("sweep.yaml"),
                      "trace: t.trace\ngrid:\n  clock_mhz: [" + clocks + "]\n  buffers.input.kb: [" + kbs + "]\n");
  const std::string out = dir.file("out");
  const std::string points = out + "/points";
  const int jobs = 2;
  const pid_t pid = start_itera({"sweep", "--sweep", dir.file("sweep.yaml"), "--out", out, "--jobs",
                                 std::to_string(jobs)},
                                dir.file("stdout"), dir.file("stderr"));
  ASSERT_GT(pid, 0);
  // The first result is reported (the generous bound only keeps a broken build from
  // hanging the suite).
  const bool first = eventually([&] { return contains(slurp(dir.file("stdout")), "\n[1/100000] "); }, 300);
  const Files at_first = files_in(points);
  ::kill(pid, SIGTERM);
  const int status = wait_exit(pid, 120);
  ASSERT_TRUE(first) << "no point finished; stderr:\n" << slurp(dir.file("stderr"));

  // Configs exist for finished points and the ones running: not for the whole grid.
  // (The listing is not atomic: a point may finish and the next start while it is read.)
  const size_t settled = at_first.count(".json") + at_first.count(".err");
  EXPECT_LE(at_first.count(".yaml"), settled + 2 * jobs + 2) << at_first.names.size() << " files";
  EXPECT_LT(at_first.count(".yaml"), 1000u);
  EXPECT_GE(at_first.count(".json") + at_first.count(".err"), 1u);
  const std::string stdout_text = slurp(dir.file("stdout"));
  EXPECT_TRUE(contains(stdout_text, "sweep " + dir.file("sweep.yaml") + ": 100000 points")) << stdout_text;
  EXPECT_TRUE(std::regex_search(stdout_text, std::regex(R"(\n\[1/100000\] point 0000[01] clock_mhz=1 )")))
      << stdout_text.substr(0, 2000);

  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM) << slurp(dir.file("stderr"));
  EXPECT_EQ(temp_files(out), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(out + "/results.csv"));
  const Files after = files_in(points);
  EXPECT_EQ(after.count(".yaml"), after.count(".json") + after.count(".err"));
  EXPECT_TRUE(eventually([&] { return processes_with(points + "/").empty(); }, 30));
}

}  // namespace
}  // namespace itera
