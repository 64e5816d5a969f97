#include "address_mapping.h"

#include <fmt/format.h>

#include "error.h"

namespace itera::hw {

namespace {

int log2_exact(uint64_t v, const char* what, const DramTiming& t) {
  if (v == 0 || (v & (v - 1)) != 0)
    throw Error(fmt::format("DRAM preset '{}': {} = {} must be a power of two (address bits are fields)", t.name,
                            what, v));
  int w = 0;
  while ((uint64_t{1} << w) < v) ++w;
  return w;
}

}  // namespace

AddressMapping::AddressMapping(const DramTiming& t, const std::string& mapping)
    : text_(mapping), burst_bytes_(static_cast<uint64_t>(t.bus_bits / 8 * t.burst_length)) {
  const std::array<DramField, 6> lsb_first = parse_address_mapping(mapping);
  if (burst_bytes_ == 0 || t.bank_groups <= 0 || t.banks % t.bank_groups != 0 || t.row_bytes <= 0)
    throw Error(fmt::format("DRAM preset '{}': inconsistent geometry", t.name));
  const auto u = [](int v) { return static_cast<uint64_t>(v); };
  count_[index(DramField::Row)] = u(t.rows);
  count_[index(DramField::Channel)] = u(t.channels);
  count_[index(DramField::Rank)] = 1;
  count_[index(DramField::Bank)] = u(t.banks / t.bank_groups);
  count_[index(DramField::BankGroup)] = u(t.bank_groups);
  count_[index(DramField::Column)] = u(t.row_bytes) / burst_bytes_;
  const char* names[6] = {"rows", "channels", "ranks", "banks per bank group", "bank_groups",
                          "columns (row_bytes / burst bytes)"};
  for (size_t i = 0; i < 6; ++i) width_[i] = log2_exact(count_[i], names[i], t);
  int shift = 0;
  for (DramField f : lsb_first) {
    shift_[index(f)] = shift;
    shift += width_[index(f)];
  }
  top_row_ = lsb_first[5] == DramField::Row;
  block_shift_ = shift_[index(DramField::Column)] + width_[index(DramField::Column)];
  // Below the column only channel and bank-group bits, and the bank-group bits (if any)
  // below the column too.
  groups_cycle_ = width_[index(DramField::BankGroup)] == 0 ||
                  shift_[index(DramField::BankGroup)] < shift_[index(DramField::Column)];
  for (DramField f : lsb_first) {
    if (f == DramField::Column) break;
    if (width_[index(f)] > 0 && f != DramField::Channel && f != DramField::BankGroup) groups_cycle_ = false;
  }
}

}  // namespace itera::hw
