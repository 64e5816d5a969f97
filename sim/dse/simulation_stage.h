#pragma once
// The DSE's latency stage: simulated cycles of (trace, config) pairs at fast
// fidelity, each distinct pair simulated once and its `itera simulate --json` report
// cached by the hash of the trace text, the config text and the report schema.
// Simulations run in forked workers (fork_pool.h); a killed run keeps every finished
// result and a rerun simulates only what is missing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "result_cache.h"

namespace itera::dse {

struct DseOptions;

// One simulation to have: the texts of a trace (trace-format.md) and of an accelerator
// config (YAML), and a name for messages ("point 12 (rtn w4 g0 on hardware point 3)").
struct SimJob {
  const std::string* trace = nullptr;
  const std::string* config = nullptr;
  std::string name;
};

class SimulationStage {
 public:
  explicit SimulationStage(const std::string& out_dir);

  // The cache key of a (trace, config) pair.
  uint64_t key(const std::string& trace, const std::string& config) const;
  bool has(const std::string& trace, const std::string& config) const { return cache_.has(key(trace, config)); }

  // Simulates every job whose result is not cached (each distinct pair once), with a
  // progress line titled `what`. With o.compute false (merge), a missing result is an
  // error. Throws itera::Error naming the failed jobs (after all ended; finished ones
  // are kept) or Interrupted.
  void run(const std::vector<SimJob>& jobs, const DseOptions& o, const std::string& what = "simulations") const;

  // Why the pair does not run (the simulator's error, e.g. a buffer too small for an
  // op), or nothing when it ran. Such a result is cached like a report: it is a
  // property of the pair.
  std::optional<std::string> failure(const std::string& trace, const std::string& config) const;
  // The cached report of a pair (run() must have produced it; check failure() first).
  nlohmann::json report(const std::string& trace, const std::string& config) const;
  std::string path(const std::string& trace, const std::string& config) const { return cache_.path(key(trace, config)); }

 private:
  ResultCache cache_;
  std::string schema_;
};

}  // namespace itera::dse
