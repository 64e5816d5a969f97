#include "clocking.h"

#include <algorithm>
#include <cmath>

namespace itera::hw {

Clocking::Clocking(double clock_mhz)
    : period(std::max(1.0, std::round(1e6 / clock_mhz)), sc_core::SC_PS) {}

}  // namespace itera::hw
