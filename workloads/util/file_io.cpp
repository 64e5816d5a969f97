#include "file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>

#include "error.h"

namespace itera {

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
}  // namespace

void write_file_atomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = temp_name(path);
  write_temp(path, tmp, bytes);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err)));
  }
}

void StagedOutputs::add(std::string path, std::string bytes) {
  for (const auto& f : files_)
    if (f.first == path) throw Error(fmt::format("two outputs were given the same file '{}'", path));
  files_.emplace_back(std::move(path), std::move(bytes));
}

void StagedOutputs::commit() {
  std::vector<std::string> temps;
  try {
    for (const auto& [path, bytes] : files_) {
      const std::string tmp = temp_name(path);
      write_temp(path, tmp, bytes);
      temps.push_back(tmp);
    }
  } catch (...) {
    for (const auto& t : temps) std::remove(t.c_str());
    throw;
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (std::rename(temps[i].c_str(), files_[i].first.c_str()) != 0) {
      const int err = errno;
      for (size_t j = i; j < temps.size(); ++j) std::remove(temps[j].c_str());
      throw Error(fmt::format("cannot rename '{}' to '{}': {}", temps[i], files_[i].first, std::strerror(err)));
    }
  }
  files_.clear();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("error reading '{}'", path));
  return ss.str();
}

}  // namespace itera
