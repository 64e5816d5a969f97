#pragma once
// Where a byte address lives in the DRAM (as DRAMsim3's address mapping): the address's
// bits above the byte-within-a-burst offset are split into bit fields, row, channel,
// rank, bank, bank group and column, in the order a mapping string names them
// (dram_address_fields.h; the default interleaves channels, then bank groups, burst by
// burst). Field widths are log2 of the preset's counts; a field's value is its bits
// masked, except a most significant row field, which takes every bit above it (so
// addresses beyond the device's capacity stay distinct rows).
//
// Work is done in burst indices (address / burst bytes): a transfer touches a range of
// bursts; each channel serves the bursts of the range whose channel field is its own.
#include <array>
#include <cstdint>
#include <string>

#include "dram_address_fields.h"
#include "dram_timing.h"

namespace itera::hw {

struct DramAddress {
  uint32_t channel = 0;
  uint32_t bank = 0;   // within the channel: bank_group * banks_per_group + bank within the group
  uint32_t group = 0;  // bank group
  uint64_t row = 0;
  uint64_t column = 0;  // burst within the row
};

class AddressMapping {
 public:
  // Throws itera::Error for a bad mapping string or a preset whose counts are not
  // powers of two (they are bit fields).
  AddressMapping(const DramTiming& t, const std::string& mapping);

  uint64_t burst_bytes() const { return burst_bytes_; }
  uint64_t columns() const { return count_[index(DramField::Column)]; }  // bursts per row
  uint64_t channels() const { return count_[index(DramField::Channel)]; }
  uint32_t banks_per_group() const { return static_cast<uint32_t>(count_[index(DramField::Bank)]); }
  const std::string& text() const { return text_; }

  DramAddress decode(uint64_t addr) const { return decode_burst(addr / burst_bytes_); }
  DramAddress decode_burst(uint64_t burst) const {
    DramAddress a;
    a.channel = static_cast<uint32_t>(field(burst, DramField::Channel));
    a.group = static_cast<uint32_t>(field(burst, DramField::BankGroup));
    a.bank = a.group * banks_per_group() + static_cast<uint32_t>(field(burst, DramField::Bank));
    a.row = field(burst, DramField::Row);
    a.column = field(burst, DramField::Column);
    return a;
  }
  // Bursts a transfer of `bytes` >= 1 at `addr` touches: first() .. last() inclusive.
  uint64_t first_burst(uint64_t addr) const { return addr / burst_bytes_; }
  uint64_t last_burst(uint64_t addr, uint64_t bytes) const { return (addr + bytes - 1) / burst_bytes_; }
  // The smallest burst index >= b whose channel is `channel`.
  uint64_t next_in_channel(uint64_t b, uint64_t channel) const {
    const int s = shift_[index(DramField::Channel)], w = width_[index(DramField::Channel)];
    if (w == 0) return b;
    const uint64_t mask = (uint64_t{1} << w) - 1, v = (b >> s) & mask;
    if (v == channel) return b;
    const uint64_t above = (b >> (s + w)) + (v > channel ? 1 : 0);
    return ((above << w) | channel) << s;
  }
  // The burst index `n` bursts of b's channel after b (b belongs to `channel`).
  uint64_t advance_in_channel(uint64_t b, uint64_t n, uint64_t channel) const {
    return from_local(to_local(b) + n, channel);
  }
  // The burst index `n` bursts of b's channel before b (b belongs to `channel`, and
  // has at least n before it).
  uint64_t retreat_in_channel(uint64_t b, uint64_t n, uint64_t channel) const {
    return from_local(to_local(b) - n, channel);
  }
  // A block: the burst indices that share every field above the column (so one row of
  // each bank they touch). True when only the channel and bank-group fields lie below
  // the column: then a channel's bursts in a block cycle through the bank groups, one
  // burst each, in the same bank of each group.
  bool groups_cycle_in_blocks() const { return groups_cycle_; }
  // One past the last burst index of b's block.
  uint64_t block_end(uint64_t b) const { return ((b >> block_shift_) + 1) << block_shift_; }
  // How many burst indices in [first, last] belong to `channel`.
  uint64_t count_in_channel(uint64_t first, uint64_t last, uint64_t channel) const {
    return below_in_channel(last + 1, channel) - below_in_channel(first, channel);
  }

 private:
  static constexpr size_t index(DramField f) { return static_cast<size_t>(f); }
  uint64_t field(uint64_t burst, DramField f) const {
    const size_t i = index(f);
    const uint64_t v = burst >> shift_[i];
    return top_row_ && f == DramField::Row ? v : v & (count_[i] - 1);
  }
  // A burst index of a channel <-> its place among that channel's burst indices (the
  // index without its channel bits).
  uint64_t to_local(uint64_t b) const {
    const int s = shift_[index(DramField::Channel)], w = width_[index(DramField::Channel)];
    const uint64_t low = (uint64_t{1} << s) - 1;
    return ((b >> (s + w)) << s) | (b & low);
  }
  uint64_t from_local(uint64_t local, uint64_t channel) const {
    const int s = shift_[index(DramField::Channel)], w = width_[index(DramField::Channel)];
    const uint64_t low = (uint64_t{1} << s) - 1;
    return ((((local >> s) << w) | channel) << s) | (local & low);
  }
  // Burst indices in [0, n) of `channel`.
  uint64_t below_in_channel(uint64_t n, uint64_t channel) const {
    const int s = shift_[index(DramField::Channel)], w = width_[index(DramField::Channel)];
    if (w == 0) return n;
    const uint64_t run = uint64_t{1} << s, start = channel << s;
    const uint64_t rest = n & ((uint64_t{1} << (s + w)) - 1);  // shifts: this runs per jump
    return ((n >> (s + w)) << s) + (rest > start ? std::min(rest - start, run) : 0);
  }

  std::string text_;
  uint64_t burst_bytes_;
  std::array<uint64_t, 6> count_{};  // by DramField
  std::array<int, 6> width_{}, shift_{};
  bool top_row_ = false;  // the row field is the most significant
  bool groups_cycle_ = false;
  int block_shift_ = 0;  // bits of the fields up to and including the column
};

}  // namespace itera::hw
