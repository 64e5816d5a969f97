#include "memory_core.h"

#include "dram_core.h"
#include "simple_memory_core.h"

namespace itera::hw {

std::unique_ptr<MemoryCore> make_memory_core(const DramConfig& config) {
  if (config.is_simple()) return std::make_unique<SimpleMemoryCore>(config.simple);
  return std::make_unique<DramCore>(config.timing(), config.address_mapping);
}

}  // namespace itera::hw
