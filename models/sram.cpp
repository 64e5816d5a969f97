#include "sram.h"

namespace itera::hw {

Sram::Sram(const sc_core::sc_module_name& name, const BufferConfig& config) : sc_module(name), config_(config) {}

SramCounters& Sram::of_op(int op) {
  if (static_cast<size_t>(op) >= per_op_.size()) per_op_.resize(static_cast<size_t>(op) + 1);
  return per_op_[static_cast<size_t>(op)];
}

SramCounters Sram::op_counters(int op) const {
  return op >= 0 && static_cast<size_t>(op) < per_op_.size() ? per_op_[static_cast<size_t>(op)] : SramCounters{};
}

void Sram::count_array_read(int64_t bytes, int op) {
  for (SramCounters* c : {&counters_, op >= 0 ? &of_op(op) : nullptr}) {
    if (c == nullptr) continue;
    c->read_bytes += bytes;
    c->reads += accesses_for(config_, bytes);
  }
}

void Sram::count_array_write(int64_t bytes, int op) {
  for (SramCounters* c : {&counters_, op >= 0 ? &of_op(op) : nullptr}) {
    if (c == nullptr) continue;
    c->write_bytes += bytes;
    c->writes += accesses_for(config_, bytes);
  }
}

void Sram::count_dma_fill(int64_t bytes, int op) { count_array_write(bytes, op); }

void Sram::count_dma_drain(int64_t bytes, int op) { count_array_read(bytes, op); }

}  // namespace itera::hw
