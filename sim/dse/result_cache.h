#pragma once
// The DSE's results cache: one JSON file per finished unit of work, named by the hash
// of everything the result depends on (DIR/cache/KIND/HASH.json). A file appears whole
// or not at all (written beside, then renamed), so a run killed at any moment loses no
// finished result, and a rerun with the same inputs finds and reuses it.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace itera::dse {

class ResultCache {
 public:
  // Creates DIR/cache/KIND and removes temp files a killed run left there.
  ResultCache(const std::string& dir, const std::string& kind);

  const std::string& dir() const { return dir_; }
  std::string path(uint64_t key) const;
  bool has(uint64_t key) const;
  // The cached JSON; throws itera::Error naming the file when it is unreadable.
  nlohmann::json load(uint64_t key) const;
  // Writes atomically (temp file + rename; no fsync: a killed process loses nothing).
  void store(uint64_t key, const nlohmann::json& value) const;

 private:
  std::string dir_;
};

// "0123456789abcdef": a key as file names and reports show it.
std::string key_text(uint64_t key);

}  // namespace itera::dse
