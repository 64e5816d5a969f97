#pragma once
// The two simulation fidelities (plain C++: reports and sweeps name them without
// SystemC).
#include <string>

namespace itera::hw {

enum class Fidelity {
  Cycle,  // every block is clocked: the array advances its wavefront each cycle, SRAM ports are
          // arbitrated each cycle, the DRAM controller issues commands each of its own cycles
  Fast,   // the same blocks advance a whole tile (or DRAM transfer) at a time, by its exact latency
};
const char* to_string(Fidelity f);
Fidelity parse_fidelity(const std::string& text);  // cycle | fast; throws itera::Error listing both

}  // namespace itera::hw
