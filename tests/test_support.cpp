#include "test_support.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "error.h"

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
  const std::string cmd =
      shell_quote(ITERA_CLI_PATH) + " " + args + " >" + shell_quote(out) + " 2>" + shell_quote(err) + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::vector<pid_t> processes_with(const std::string& needle) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    std::string cmdline = slurp(entry.path().string() + "/cmdline");  // empty for zombies
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    std::error_code link_error;  // another user's process, or gone meanwhile: no link
    const std::string err = std::filesystem::read_symlink(entry.path() / "fd" / "2", link_error).string();
    if (contains(cmdline, needle) || contains(err, needle)) found.push_back(pid);
  }
  return found;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) ADD_FAILURE() << "could not write " << path;
}

void write_file(const std::string& path, const std::vector<unsigned char>& bytes) {
  write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

::testing::AssertionResult contains_all(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts)
    if (!contains(text, p)) return ::testing::AssertionFailure() << "missing '" << p << "' in: " << text;
  return ::testing::AssertionSuccess();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected itera::Error, got another exception: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected itera::Error; none thrown";
  return {};
}

}  // namespace itera::testing

// libsystemc expects the program to define sc_main; the tests never start the kernel
// in-process (simulations run the itera binaries), so it is never called.
extern "C" int sc_main(int, char**) { return 0; }
