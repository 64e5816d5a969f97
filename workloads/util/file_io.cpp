#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace fs = std::filesystem;

namespace {

std::string temp_name(const std::string& path) { return fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid())); }

// Writes and fsyncs bytes to tmp; throws naming `path` on failure (tmp removed).
void write_temp(const std::string& path, const std::string& tmp, std::string_view bytes) {
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  const size_t n = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool ok = n == bytes.size() && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    throw Error(fmt::format("cannot write '{}': {}", path, std::strerror(err ? err : EIO)));
  }
}

// Writes all of `bytes` to an open descriptor; false (errno set) on failure.
bool write_all(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Standard output or a device / FIFO, written where it is.
void write_direct(const OutputTarget& t, const std::string& shown, std::string_view bytes) {
  if (t.kind == OutputTarget::Stdout) {
    std::fflush(stdout);
    if (!write_all(STDOUT_FILENO, bytes))
      throw Error(fmt::format("cannot write '{}' (standard output): {}", shown, std::strerror(errno)));
    return;
  }
  const int fd = ::open(t.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("cannot write '{}': {}", shown, std::strerror(errno)));
  const bool ok = write_all(fd, bytes);
  const int err = errno;
  if (::close(fd) != 0 || !ok) throw Error(fmt::format("cannot write '{}': {}", shown, std::strerror(err ? err : EIO)));
}

void rename_into_place(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err)));
  }
}

}  // namespace

OutputTarget resolve_output(const std::string& path) {
  if (path == "-") return {OutputTarget::Stdout, path};
  if (path.empty()) throw Error("an output file name is empty");
  fs::path p = path;
  for (int depth = 0;; ++depth) {
    std::error_code ec;
    const fs::file_status link = fs::symlink_status(p, ec);
    if (ec || !fs::is_symlink(link)) break;
    if (depth == 40) throw Error(fmt::format("cannot write '{}': too many levels of symbolic links", path));
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) throw Error(fmt::format("cannot write '{}': {}", path, ec.message()));
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  if (ec || !fs::exists(st)) return {OutputTarget::Replace, p.string()};
  if (fs::is_directory(st)) throw Error(fmt::format("cannot write '{}': it is a directory", path));
  if (fs::is_regular_file(st)) return {OutputTarget::Replace, p.string()};
  return {OutputTarget::InPlace, p.string()};
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  const OutputTarget t = resolve_output(path);
  if (t.kind != OutputTarget::Replace) return write_direct(t, path, bytes);
  const std::string tmp = temp_name(t.path);
  write_temp(path, tmp, bytes);
  rename_into_place(tmp, t.path);
}

std::string staging_path(const std::string& path) {
  const OutputTarget t = resolve_output(path);
  if (t.kind == OutputTarget::Replace) return temp_name(t.path);
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec);
  return temp_name(((ec ? fs::path("/tmp") : dir) / "itera-output").string());
}

void install_file(const std::string& staged, const std::string& path) {
  const OutputTarget t = resolve_output(path);
  if (t.kind == OutputTarget::Replace) return rename_into_place(staged, t.path);
  std::string bytes;
  try {
    bytes = read_file(staged);
  } catch (...) {
    std::remove(staged.c_str());
    throw;
  }
  std::remove(staged.c_str());
  write_direct(t, path, bytes);
}

void StagedOutputs::add(std::string path, std::string bytes) {
  for (const auto& f : files_)
    if (f.first == path || (path != "-" && same_file(f.first, path)))
      throw Error(fmt::format("two outputs were given the same file '{}'", path));
  files_.emplace_back(std::move(path), std::move(bytes));
}

void StagedOutputs::commit() {
  std::vector<OutputTarget> targets;
  for (const auto& f : files_) targets.push_back(resolve_output(f.first));
  std::vector<std::string> temps(files_.size());
  const auto discard = [&] {
    for (const auto& t : temps)
      if (!t.empty()) std::remove(t.c_str());
  };
  try {
    for (size_t i = 0; i < files_.size(); ++i) {
      if (targets[i].kind != OutputTarget::Replace) continue;
      const std::string tmp = temp_name(targets[i].path);
      write_temp(files_[i].first, tmp, files_[i].second);
      temps[i] = tmp;
    }
    for (size_t i = 0; i < files_.size(); ++i)
      if (targets[i].kind != OutputTarget::Replace) write_direct(targets[i], files_[i].first, files_[i].second);
  } catch (...) {
    discard();
    throw;
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (temps[i].empty()) continue;
    try {
      rename_into_place(temps[i], targets[i].path);
      temps[i].clear();
    } catch (...) {
      discard();
      throw;
    }
  }
  files_.clear();
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(fmt::format("cannot read '{}': it is a directory, not a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("error reading '{}'", path));
  return ss.str();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void refuse_overwriting_input(const std::string& out, const std::string& out_option, const std::string& in,
                              const std::string& in_what) {
  if (out.empty() || in.empty() || out == "-") return;
  if (same_file(out, in))
    throw Error(fmt::format("{} '{}' is the same file as the {} '{}'; refusing to overwrite an input", out_option, out,
                            in_what, in));
}

}  // namespace itera
