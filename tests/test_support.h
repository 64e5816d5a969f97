#pragma once
// Shared helpers for the test suite: where the shared data lives, and a way to
// run the CLI and capture its output and exit status.
#include <cstdlib>
#include <string>

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

// Runs the built `itera` binary with the given argument string (shell-quoted by the caller).
CliResult run_cli(const std::string& args);

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

}  // namespace itera::testing
