#pragma once
// A seeded, platform-independent random source. std::normal_distribution is
// implementation-defined, so normals come from our own Box-Muller transform on
// a splitmix64/xoshiro256** stream: the same seed gives the same numbers with
// any compiler and standard library.
#include <cstdint>

namespace itera {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next_u64();
  double uniform();        // in [0, 1)
  double normal();         // standard normal
  uint64_t below(uint64_t n);  // uniform integer in [0, n)

 private:
  uint64_t s_[4];
  bool have_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace itera
