#include "result_cache.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "error.h"
#include "file_io.h"

namespace itera::dse {

namespace fs = std::filesystem;

std::string key_text(uint64_t key) { return fmt::format("{:016x}", key); }

ResultCache::ResultCache(const std::string& dir, const std::string& kind) : dir_((fs::path(dir) / "cache" / kind).string()) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error(fmt::format("cannot create the cache directory '{}': {}", dir_, ec.message()));
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) fs::remove(entry.path(), ec);
  }
}

std::string ResultCache::path(uint64_t key) const { return (fs::path(dir_) / (key_text(key) + ".json")).string(); }

bool ResultCache::has(uint64_t key) const {
  std::error_code ec;
  return fs::is_regular_file(path(key), ec);
}

nlohmann::json ResultCache::load(uint64_t key) const {
  const std::string p = path(key);
  try {
    return nlohmann::json::parse(read_file(p));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("cached result '{}' is not valid JSON ({}); delete it to recompute", p, e.what()));
  }
}

void ResultCache::store(uint64_t key, const nlohmann::json& value) const {
  const std::string p = path(key);
  const std::string tmp = fmt::format("{}.tmp.{}", p, static_cast<long>(::getpid()));
  const std::string text = value.dump(1) + "\n";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    throw Error(fmt::format("cannot write '{}'", tmp));
  }
  if (std::rename(tmp.c_str(), p.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(fmt::format("cannot rename '{}' to '{}': {}", tmp, p, std::strerror(err)));
  }
}

}  // namespace itera::dse
