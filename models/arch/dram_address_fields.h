#pragma once
// The fields of a DRAM address mapping, named in DRAMsim3's notation: a string of six
// two-letter fields listed from the most significant bit down, each exactly once:
//   ro row, ch channel, ra rank, ba bank within its group, bg bank group, co column.
// The bits below them address the bytes of one burst. A field's width is log2 of its
// count in the preset (dram_timing.h): channels, 1 rank, bank_groups, banks per group,
// rows, and row_bytes / burst bytes columns (bursts per row). With one rank, `ra` has no
// bits; so has `bg` for a device without bank groups.
//
// The default, kDefaultAddressMapping, is what a DMA engine built for bandwidth would
// use: channels interleave burst by burst, then bank groups (so that a sequential
// stream's column commands alternate bank groups and run tCCD_S apart, not tCCD_L),
// then the columns of one row, then banks and rows. DRAMsim3's own default,
// "rochrababgco", keeps a sequential stream inside one bank group for a whole row.
#include <array>
#include <string>

namespace itera {

enum class DramField { Row, Channel, Rank, Bank, BankGroup, Column };

inline constexpr const char* kDefaultAddressMapping = "rorabacobgch";

// The fields of `mapping`, least significant first. Throws itera::Error saying what is
// wrong and what is allowed (six two-letter fields ro ch ra ba bg co, each once).
std::array<DramField, 6> parse_address_mapping(const std::string& mapping);

const char* to_string(DramField f);  // "ro", "ch", ...

}  // namespace itera
