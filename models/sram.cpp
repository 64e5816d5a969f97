#include "sram.h"

#include <fmt/format.h>

#include "error.h"

namespace itera::hw {

Sram::Sram(const sc_core::sc_module_name& name, const BufferConfig& config) : sc_module(name), config_(config) {}

void Sram::count_array_read(int64_t bytes) {
  counters_.read_bytes += bytes;
  counters_.reads += accesses_for(bytes);
}

void Sram::count_array_write(int64_t bytes) {
  counters_.write_bytes += bytes;
  counters_.writes += accesses_for(bytes);
}

void Sram::count_dma_fill(int64_t bytes) { count_array_write(bytes); }

const std::vector<uint8_t>& Sram::load(uint64_t key) const {
  const auto it = tiles_.find(key);
  if (it == tiles_.end())
    throw Error(fmt::format("functional mode: {} was asked for a tile (key {:#x}) that the DMA never delivered",
                            name(), key));
  return it->second;
}

void Sram::count_dma_drain(int64_t bytes) { count_array_read(bytes); }

}  // namespace itera::hw
