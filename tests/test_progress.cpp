// `itera simulate`'s progress display: on standard error only, when it is a terminal or
// with --progress, and without any effect on the results (the kernel then runs in
// slices of simulated time; the reports must stay byte-identical).
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace itera {
namespace {

using testing::contains;
using testing::run_cli;
using testing::shell_quote;
using testing::slurp;
using testing::TempDir;

// Two GEMMs, the second fed by the first: long enough in the cycle fidelity (the kernel
// runs about 0.25 s on an idle core of the benchmark machine) for several progress lines
// at the test's 0.02 s interval.
const char* const kTrace =
    "itera-trace 1\n"
    "a dense 512 2048 2048 8 8 0 0 1 - -\n"
    "b dense 512 2048 1024 8 8 0 0 1 a -\n";

struct SimRun {
  testing::CliResult cli;
  std::string json;
};

SimRun simulate(const TempDir& dir, const std::string& trace, const std::string& name, const std::string& options) {
  SimRun r;
  const std::string json = dir.file(name + ".json");
  r.cli = run_cli("simulate " + shell_quote(trace) + " --no-timing --json " + shell_quote(json) + " " + options);
  EXPECT_EQ(r.cli.exit_code, 0) << r.cli.err;
  r.json = slurp(json);
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

long long number(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  return std::stoll(s);
}

TEST(SimulateProgress, LinesGoToStandardErrorAndTheReportsStayByteIdentical) {
  TempDir dir;
  testing::write_file(dir.file("t.trace"), kTrace);
  const std::string trace = dir.file("t.trace");
  // Standard error is a file here, so progress is off unless asked for.
  const SimRun plain = simulate(dir, trace, "plain", "--fidelity cycle");
  const SimRun shown = simulate(dir, trace, "shown", "--fidelity cycle --progress --progress-interval 0.02");
  EXPECT_EQ(plain.cli.err, "");
  EXPECT_EQ(shown.cli.out, plain.cli.out);
  ASSERT_FALSE(plain.json.empty());
  EXPECT_EQ(shown.json, plain.json);

  const long long total_cycles = nlohmann::json::parse(plain.json)["total_cycles"].get<long long>();
  const std::regex line_format(
      R"(itera simulate: progress: cycle ([0-9,]+), (?:op ([0-9]+)/2 \((a|b)\)|all 2 ops done), )"
      R"(tiles ([0-9,]+)/([0-9,]+) \(([0-9.]+)%\), ([0-9.]+) s elapsed)");
  const std::vector<std::string> progress = lines(shown.cli.err);
  ASSERT_GE(progress.size(), 1u) << "no progress line; the run was too short?";
  EXPECT_EQ(shown.cli.err.find('\r'), std::string::npos) << "no terminal, so no redrawing";
  long long last_cycle = 0, last_tiles = 0, tiles = -1;
  double last_elapsed = 0;
  for (const std::string& line : progress) {
    SCOPED_TRACE(line);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_format));
    const long long cycle = number(m[1]), tiles_done = number(m[4]), all_tiles = number(m[5]);
    const double elapsed = std::stod(m[7]);
    EXPECT_GE(cycle, last_cycle);
    EXPECT_LE(cycle, total_cycles);
    EXPECT_GE(tiles_done, last_tiles);
    EXPECT_LE(tiles_done, all_tiles);
    if (tiles >= 0) {
      EXPECT_EQ(all_tiles, tiles);
    }
    EXPECT_GE(elapsed, last_elapsed);
    EXPECT_GE(elapsed, 0.0);
    if (m[2].matched) {
      EXPECT_EQ(m[3].str(), m[2].str() == "1" ? "a" : "b");
    }
    last_cycle = cycle;
    last_tiles = tiles_done;
    last_elapsed = elapsed;
    tiles = all_tiles;
  }

  const SimRun off = simulate(dir, trace, "off", "--fidelity cycle --no-progress");
  EXPECT_EQ(off.cli.err, "");
  EXPECT_EQ(off.json, plain.json);
}

// A compensated low-rank trace on a dedicated low-rank array: two arrays run at once and
// ops wait for each other. Slicing the kernel's run changes none of it, in either fidelity.
TEST(SimulateProgress, SlicedRunsGiveTheSameReportsInBothFidelities) {
  TempDir dir;
  const std::string trace = dir.file("t.trace");
  const auto made = run_cli("trace --shape stories260k --method itera --form compensated --bits 4 --factor-bits 4 "
                            "--rank 8 --phase prefill --seq-len 64 -o " +
                            shell_quote(trace));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  testing::write_file(dir.file("dedicated.yaml"), "low_rank: {datapath: dedicated}\narray: {rows: 8, cols: 8}\n");
  for (const std::string fidelity : {"fast", "cycle"}) {
    SCOPED_TRACE(fidelity);
    const std::string options = "--fidelity " + fidelity + " --config " + shell_quote(dir.file("dedicated.yaml"));
    const SimRun plain = simulate(dir, trace, "plain-" + fidelity, options);
    // The shortest interval: slices of the least wall time.
    const SimRun sliced = simulate(dir, trace, "sliced-" + fidelity, options + " --progress --progress-interval 0.01");
    ASSERT_FALSE(plain.json.empty());
    EXPECT_EQ(sliced.json, plain.json);
    EXPECT_EQ(sliced.cli.out, plain.cli.out);
  }
}

// On a terminal the line is redrawn in place and erased at the end: nothing of it is
// left before what comes next, and no newline is added.
TEST(SimulateProgress, OnATerminalTheLineIsRedrawnInPlaceAndErased) {
  TempDir dir;
  testing::write_file(dir.file("t.trace"), kTrace);
  const SimRun plain = simulate(dir, dir.file("t.trace"), "plain", "--fidelity cycle");
  const std::string command = shell_quote(ITERA_CLI_PATH) + " simulate " + shell_quote(dir.file("t.trace")) +
                              " --fidelity cycle --no-timing --progress-interval 0.02 >" +
                              shell_quote(dir.file("stdout"));
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0) << "forkpty: " << std::strerror(errno);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string terminal;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      terminal.append(buffer, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child side is closed
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << terminal;
  EXPECT_EQ(slurp(dir.file("stdout")), plain.cli.out);
  EXPECT_TRUE(contains(terminal, "\ritera simulate: progress: cycle ")) << terminal;
  EXPECT_TRUE(contains(terminal, " s elapsed\x1b[K")) << terminal;
  EXPECT_EQ(terminal.find('\n'), std::string::npos) << terminal;
  ASSERT_GE(terminal.size(), 4u);
  EXPECT_EQ(terminal.substr(terminal.size() - 4), "\r\x1b[K") << "the line is erased at the end";
}

TEST(SimulateProgress, OptionErrorsNameTheOptions) {
  TempDir dir;
  testing::write_file(dir.file("t.trace"), kTrace);
  const std::string trace = shell_quote(dir.file("t.trace"));
  const auto both = run_cli("simulate " + trace + " --progress --no-progress");
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_TRUE(testing::contains_all(both.err, {"--progress", "--no-progress", "contradict"}));
  for (const std::string bad : {"0", "-1", "nan", "4000"}) {
    const auto r = run_cli("simulate " + trace + " --progress-interval=" + bad);
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_TRUE(contains(r.err, "--progress-interval")) << r.err;
  }
}

}  // namespace
}  // namespace itera
