#include "test_support.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace itera::testing {

std::string shared_file(const std::string& relative) {
  const std::string p = data_dir() + "/" + relative;
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? p : std::string();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "itera-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CliResult run_cli(const std::string& args) {
  TempDir tmp;
  const std::string out = tmp.file("stdout"), err = tmp.file("stderr");
  const std::string cmd = std::string("'") + ITERA_CLI_PATH + "' " + args + " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace itera::testing

// libsystemc expects the program to define sc_main; the tests never start the kernel
// in-process (simulations run the itera binary), so it is never called.
extern "C" int sc_main(int, char**) { return 0; }
