#include "sram.h"

namespace itera::hw {

Sram::Sram(const sc_core::sc_module_name& name, const BufferConfig& config) : sc_module(name), config_(config) {}

void Sram::count_array_read(int64_t bytes) {
  counters_.read_bytes += bytes;
  counters_.reads += accesses_for(config_, bytes);
}

void Sram::count_array_write(int64_t bytes) {
  counters_.write_bytes += bytes;
  counters_.writes += accesses_for(config_, bytes);
}

void Sram::count_dma_fill(int64_t bytes) { count_array_write(bytes); }

void Sram::count_dma_drain(int64_t bytes) { count_array_read(bytes); }

}  // namespace itera::hw
