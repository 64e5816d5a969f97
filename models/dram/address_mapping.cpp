#include "address_mapping.h"

namespace itera::hw {

AddressMapping::AddressMapping(const DramTiming& t)
    : channels_(static_cast<uint64_t>(t.channels)),
      banks_(static_cast<uint64_t>(t.banks)),
      burst_bytes_(static_cast<uint64_t>(t.bus_bits / 8 * t.burst_length)),
      columns_(burst_bytes_ == 0 ? 0 : static_cast<uint64_t>(t.row_bytes) / burst_bytes_) {}

DramAddress AddressMapping::decode(uint64_t addr) const {
  const uint64_t burst = addr / burst_bytes_;
  const uint64_t local = burst / channels_;  // burst index within its channel
  const uint64_t slot = local / columns_;    // (row, bank)
  DramAddress a;
  a.channel = static_cast<uint32_t>(burst % channels_);
  a.column = local % columns_;
  a.bank = static_cast<uint32_t>(slot % banks_);
  a.row = slot / banks_;
  return a;
}

uint64_t AddressMapping::bursts(uint64_t addr, uint64_t bytes) const {
  return (addr + bytes - 1) / burst_bytes_ - addr / burst_bytes_ + 1;
}

}  // namespace itera::hw
