#pragma once
// Shared helpers for the test suite: where the shared data lives, a way to run the
// CLI and capture its output and exit status, temporary directories, whole-file
// reads and writes, and checks on error messages. They use only the standard
// library (not the project's own file or error helpers), so a test does not lean on
// the code it tests.
#include <sys/types.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace itera::testing {

// ../shared/data beside the project root, or $ITERA_DATA_DIR.
inline std::string data_dir() {
  if (const char* env = std::getenv("ITERA_DATA_DIR"); env && *env) return env;
  return ITERA_DEFAULT_DATA_DIR;
}

// Path of a file under the shared data directory; empty if it does not exist.
std::string shared_file(const std::string& relative);

#define ITERA_REQUIRE_SHARED(var, rel)                                                        \
  const std::string var = ::itera::testing::shared_file(rel);                                 \
  if (var.empty()) {                                                                          \
    GTEST_SKIP() << "shared data file '" << rel << "' not found under "                       \
                 << ::itera::testing::data_dir() << " (set ITERA_DATA_DIR to point at it)";   \
  }

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the built `itera` binary with the given argument string (shell-quoted by the
// caller, e.g. with shell_quote).
CliResult run_cli(const std::string& args);

// Processes other than this one whose command line, or whose standard error's file,
// contains `needle`: e.g. the workers of a sweep on DIR, found by "DIR/points/" (a
// worker is a fork of the sweep, so its command line is the sweep's; its standard
// error is DIR/points/NNNN.err).
std::vector<pid_t> processes_with(const std::string& needle);

// `s` as one shell word: in single quotes, an inner ' written as '\''.
std::string shell_quote(const std::string& s);

// A fresh, empty temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ---- files ----

// The whole file, as bytes; "" when it cannot be read (callers check what they expect).
std::string slurp(const std::string& path);

// Writes `bytes` to `path`, replacing the file; a write that fails is a test failure
// naming the path.
void write_file(const std::string& path, std::string_view bytes);
void write_file(const std::string& path, const std::vector<unsigned char>& bytes);

// ---- text and errors ----

bool contains(const std::string& hay, const std::string& needle);

// Success when `text` holds every one of `parts`; else names the first missing part.
::testing::AssertionResult contains_all(const std::string& text, const std::vector<std::string>& parts);

// The message of the itera::Error that `f` throws. When `f` throws nothing, or
// another exception, that is a test failure, and the result is "" (or the other
// exception's message), so that checks on the message fail readably too.
std::string error_of(const std::function<void()>& f);

}  // namespace itera::testing
