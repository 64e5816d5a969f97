#include "command_scheduler.h"

namespace itera::hw {

CommandScheduler::CommandScheduler(const CommandTiming& timing, size_t banks, size_t depth)
    : timing_(timing), depth_(depth), wanted_(banks, 0) {}

}  // namespace itera::hw
