#pragma once
// `itera simulate --functional`: binds a trace to the integer codes of a saved
// decomposition (`itera decompose --save`), gives every op seeded activation codes,
// and after the simulation compares each op's accumulators with an Eigen integer
// product X W^T, bit for bit.
#include <cstdint>
#include <string>

#include "functional_data.h"
#include "trace.h"

namespace itera {

// Weight codes per op from the saved layers (op L: L's dense codes; L.lr_down: B;
// L.lr_up: A), activation codes uniform over the signed abits range from `seed`.
// Throws itera::Error when an op has no saved layer, the shapes or bits disagree, or
// its weights are 16-bit floats (no integer codes).
hw::FunctionalData functional_operands(const Trace& trace, const std::string& decomposition_path, uint64_t seed);

// "" when every op's accumulators equal the reference; else the first difference.
std::string check_functional(const Trace& trace, const hw::FunctionalData& data);

}  // namespace itera
