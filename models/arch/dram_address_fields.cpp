#include "dram_address_fields.h"

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace {

constexpr std::array<DramField, 6> kFields = {DramField::Row,       DramField::Channel,   DramField::Rank,
                                              DramField::Bank,      DramField::BankGroup, DramField::Column};

}  // namespace

const char* to_string(DramField f) {
  switch (f) {
    case DramField::Row:
      return "ro";
    case DramField::Channel:
      return "ch";
    case DramField::Rank:
      return "ra";
    case DramField::Bank:
      return "ba";
    case DramField::BankGroup:
      return "bg";
    case DramField::Column:
      return "co";
  }
  return "?";
}

std::array<DramField, 6> parse_address_mapping(const std::string& mapping) {
  const std::string allowed =
      "six two-letter fields from the most significant bit, each once: ro (row), ch (channel), ra (rank), "
      "ba (bank), bg (bank group), co (column); e.g. rochrababgco (DRAMsim3's default) or " +
      std::string(kDefaultAddressMapping) + " (bank groups interleaved)";
  if (mapping.size() != 12)
    throw Error(fmt::format("address mapping '{}' has {} characters; it must be {}", mapping, mapping.size(), allowed));
  std::array<DramField, 6> lsb_first{};
  std::array<bool, 6> seen{};
  for (size_t i = 0; i < 6; ++i) {
    const std::string name = mapping.substr(2 * i, 2);
    size_t k = 0;
    while (k < kFields.size() && name != to_string(kFields[k])) ++k;
    if (k == kFields.size())
      throw Error(fmt::format("address mapping '{}': unknown field '{}'; it must be {}", mapping, name, allowed));
    if (seen[k]) throw Error(fmt::format("address mapping '{}': field '{}' appears twice; it must be {}", mapping, name, allowed));
    seen[k] = true;
    lsb_first[5 - i] = kFields[k];
  }
  return lsb_first;
}

}  // namespace itera
