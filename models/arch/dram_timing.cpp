#include "dram_timing.h"

namespace itera {

double DramTiming::peak_gbps() const {
  return channels * (bus_bits / 8.0) * data_rate_mts / 1000.0;
}

}  // namespace itera
