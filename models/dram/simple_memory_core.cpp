#include "simple_memory_core.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace itera::hw {

SimpleMemoryCore::SimpleMemoryCore(const SimpleDram& config) : config_(config) {}

void SimpleMemoryCore::submit(uint64_t /*addr*/, uint64_t bytes, bool write) {
  const double start = std::max(static_cast<double>(now_), link_free_);
  const double stream = static_cast<double>(bytes) / config_.bandwidth_gbps;
  link_free_ = start + stream;
  const auto done = static_cast<uint64_t>(std::ceil(start + config_.latency_ns + stream - 1e-9));
  last_done_ = std::max(last_done_, done);
  (write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  stats_.bursts += 1;
  stats_.data_bus_busy_cycles += static_cast<uint64_t>(std::ceil(stream - 1e-9));
}

void SimpleMemoryCore::run_until_idle() { now_ = std::max(now_, last_done_); }

void SimpleMemoryCore::skip_to(uint64_t t) { now_ = std::max(now_, t); }

std::string SimpleMemoryCore::describe() const {
  return fmt::format("simple: {} GB/s, {} ns latency", config_.bandwidth_gbps, config_.latency_ns);
}

}  // namespace itera::hw
