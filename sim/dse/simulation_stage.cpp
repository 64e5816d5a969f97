#include "simulation_stage.h"

#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "accel_config_reader.h"
#include "accelerator.h"
#include "dse_run.h"
#include "error.h"
#include "report_fields.h"
#include "sim_report.h"
#include "model_revision.h"
#include "stable_hash.h"
#include "trace.h"
#include "worker_tasks.h"

namespace itera::dse {

namespace {

// The simulate report's keys: a cached report of another schema (an older build) is
// not reused. A simulator whose timing model changed is told apart by the model
// revision in the key (model_revision.h).
std::string report_schema() {
  std::string keys;
  for (const LayerField& f : layer_fields()) keys += std::string(f.key) + ",";
  for (const TotalField& f : total_fields()) keys += std::string(f.key) + ",";
  return key_text(stable_hash(keys));
}

}  // namespace

SimulationStage::SimulationStage(const std::string& out_dir) : cache_(out_dir, "simulation"), schema_(report_schema()) {}

uint64_t SimulationStage::key(const std::string& trace, const std::string& config) const {
  return stable_hash(fmt::format("itera-dse simulation 1 fast model {}\n", kTimingModelRevision) + schema_ + "\n" +
                     trace + "\n--\n" + config);
}

void SimulationStage::run(const std::vector<SimJob>& jobs, const DseOptions& o, const std::string& what) const {
  std::vector<size_t> todo;  // a job standing for each missing pair
  std::set<uint64_t> queued;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const uint64_t k = key(*jobs[i].trace, *jobs[i].config);
    if (!cache_.has(k) && queued.insert(k).second) todo.push_back(i);
  }
  if (todo.empty()) return;
  if (!o.compute)
    throw Error(fmt::format("{} simulation(s) have no result (e.g. {}); was every shard run to the end?", todo.size(),
                            jobs[todo[0]].name));
  // Each distinct trace and config is parsed once, here, and the workers inherit the
  // result (parsing a YAML config costs about as much as a tenth of a simulation). A text
  // that does not parse fails each of its jobs in its worker, with the message the
  // worker's own parse would give (which names the first such job).
  struct Parsed {
    std::optional<Trace> trace;
    std::optional<AccelConfig> config;
    std::string error;
  };
  std::map<const std::string*, Parsed> traces, configs;
  for (size_t i : todo) {
    const SimJob& job = jobs[i];
    if (!traces.count(job.trace)) {
      Parsed& p = traces[job.trace];
      try {
        p.trace = parse_trace(*job.trace, fmt::format("<trace of {}>", job.name));
      } catch (const std::exception& e) {
        p.error = e.what();
      }
    }
    if (!configs.count(job.config)) {
      Parsed& p = configs[job.config];
      try {
        p.config = parse_accel_config(*job.config, fmt::format("<config of {}>", job.name));
      } catch (const std::exception& e) {
        p.error = e.what();
      }
    }
  }
  run_worker_tasks(
      what, todo.size(), o,
      [&](size_t i) {
        const SimJob& job = jobs[todo[i]];
        // A trace or config that does not parse is an error of the run (a bad grid value
        // must not pass for a design that does not fit).
        const Parsed& t = traces.at(job.trace);
        if (!t.trace) throw Error(t.error);
        const Parsed& c = configs.at(job.config);
        if (!c.config) throw Error(c.error);
        const Trace& trace = *t.trace;
        const AccelConfig& config = *c.config;
        nlohmann::json result;
        try {
          hw::SimOptions so;
          so.fidelity = hw::Fidelity::Fast;
          const hw::SimRun run = hw::simulate_trace(trace, config, so);
          result = sim_json(build_sim_report(trace, config, run, hw::Fidelity::Fast));
        } catch (const Error& e) {
          // The trace cannot run on this config (e.g. a buffer too small for an op): a
          // property of the pair, recorded as such.
          result = {{"failed", e.what()}};
        }
        cache_.store(key(*job.trace, *job.config), result);
      },
      [&](size_t i) { return jobs[todo[i]].name; });
}

std::optional<std::string> SimulationStage::failure(const std::string& trace, const std::string& config) const {
  const nlohmann::json j = cache_.load(key(trace, config));
  const auto it = j.find("failed");
  if (it == j.end()) return std::nullopt;
  return it->is_string() ? it->get<std::string>() : std::string("failed");
}

nlohmann::json SimulationStage::report(const std::string& trace, const std::string& config) const {
  return cache_.load(key(trace, config));
}

}  // namespace itera::dse
