#include "command_scheduler.h"

namespace itera::hw {

namespace {

size_t ring_size(size_t depth) {
  size_t n = 1;
  while (n < depth) n *= 2;
  return n;
}

}  // namespace

CommandScheduler::CommandScheduler(const CommandTiming& timing, const AddressMapping& mapping, uint32_t channel,
                                   size_t banks, size_t depth)
    : timing_(timing),
      mapping_(mapping),
      channel_(channel),
      rank_(timing, static_cast<uint32_t>(banks / mapping.banks_per_group())),
      depth_(depth),
      ring_(ring_size(depth)),
      mask_(ring_.size() - 1),
      groups_(static_cast<uint32_t>(banks / mapping.banks_per_group())),
      per_group_(mapping.banks_per_group()),
      groups_cycle_(mapping.groups_cycle_in_blocks()),
      jump_ok_(mapping.groups_cycle_in_blocks() && depth >= groups_ &&
               groups_ * timing.col_to_col_s >= timing.col_to_col_l),
      wanted_(banks, 0),
      noted_(banks, 0),
      noted_row_(banks, 0),
      noted_seen_(banks, 0),
      waiting_banks_(banks) {
  candidates_.reserve(depth);
  waiting_banks_.set_banks_per_group(mapping.banks_per_group());
}

}  // namespace itera::hw
