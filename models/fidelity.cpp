#include "fidelity.h"

#include <fmt/format.h>

#include "error.h"

namespace itera::hw {

const char* to_string(Fidelity f) { return f == Fidelity::Cycle ? "cycle" : "fast"; }

Fidelity parse_fidelity(const std::string& text) {
  if (text == "cycle") return Fidelity::Cycle;
  if (text == "fast") return Fidelity::Fast;
  throw Error(fmt::format("unknown fidelity '{}'; allowed: cycle, fast", text));
}

}  // namespace itera::hw
