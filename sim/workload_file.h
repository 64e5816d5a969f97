#pragma once
// What `itera simulate` and `itera sweep` accept as a workload: a layer trace (first line
// "itera-trace 1", docs/trace-format.md) or a SCALE-Sim GEMM topology with a .csv name.
#include <string>

#include "trace.h"

namespace itera {

// Throws itera::Error naming the file (and line) when it is neither, or is malformed.
Trace read_workload(const std::string& path);

}  // namespace itera
