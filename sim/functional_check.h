#pragma once
// `itera simulate --functional`: binds a trace to the integer codes of a saved
// decomposition (`itera decompose --save`), gives each layer a seeded input X, and
// after the simulation checks the whole chain bit for bit against an independent
// Eigen integer computation: for a compensated layer, the final output (read from
// DRAM after every accumulation) against D x + A requant(B x), with the integer rules
// of models/functional_data.h, and every stage on the way (each op's accumulators, the
// rank-r intermediate, the read-back, the codes written).
#include <cstdint>
#include <string>

#include "functional_data.h"
#include "trace.h"

namespace itera {

// Weight codes per op from the saved layers (op L: L's dense codes; L.lr_down: B;
// L.lr_up: A); one layer input X per layer, uniform over the signed abits range,
// seeded by `seed` and the name of the op that owns the layer's output, shared by
// every op of the layer that reads the layer input (the dense op and its lr_down);
// the links, layers, output bits and shifts of the integer rules.
// Throws itera::Error when an op has no saved layer, the shapes or bits disagree, its
// weights are 16-bit floats (no integer codes), or the trace links ops in a way the
// data cannot follow (a dense or lr_down op reading another op's output: the timing
// model loads it from the op's own input region, which no op writes).
hw::FunctionalData functional_operands(const Trace& trace, const std::string& decomposition_path, uint64_t seed);

// What check_functional() compared.
struct FunctionalSummary {
  int64_t layers = 0;         // output regions (layers) whose final contents were compared
  int64_t final_outputs = 0;  // their elements
  int64_t op_outputs = 0;     // accumulators compared, over all ops
  int64_t gathered = 0;       // accumulating ops whose output tiles differ from their region's (FunctionalOp::gathered)
};

// "" when the final output of every layer and every stage of every op equal the
// reference; else names the first layer whose final output differs (its op names, the
// element and both values) and the first op stage that differs.
std::string check_functional(const Trace& trace, const hw::FunctionalData& data, FunctionalSummary* summary = nullptr);

}  // namespace itera
