#include "sram.h"

namespace itera::hw {

namespace {

void add(SramCounters& c, const BufferConfig& config, int64_t bytes, bool write) {
  (write ? c.write_bytes : c.read_bytes) += bytes;
  (write ? c.writes : c.reads) += accesses_for(config, bytes);
}

}  // namespace

Sram::Sram(const sc_core::sc_module_name& name, const BufferConfig& config) : sc_module(name), config_(config) {}

SramCounters Sram::op_counters(int op) const {
  return op >= 0 && static_cast<size_t>(op) < per_op_.size() ? per_op_[static_cast<size_t>(op)] : SramCounters{};
}

void Sram::count(int64_t bytes, int op, bool write) {
  add(counters_, config_, bytes, write);
  if (op < 0) return;
  if (static_cast<size_t>(op) >= per_op_.size()) per_op_.resize(static_cast<size_t>(op) + 1);
  add(per_op_[static_cast<size_t>(op)], config_, bytes, write);
}

void Sram::count_array_read(int64_t bytes, int op) { count(bytes, op, false); }

void Sram::count_array_write(int64_t bytes, int op) { count(bytes, op, true); }

void Sram::count_dma_fill(int64_t bytes, int op) { count(bytes, op, true); }

void Sram::count_dma_drain(int64_t bytes, int op) { count(bytes, op, false); }

}  // namespace itera::hw
