#pragma once
// Where the ops' tensors live in DRAM, and the tasks the controllers run: each op's
// tile plan on its unit, and its weight, input and output regions. Regions are laid
// out in trace order, each 4 KiB-aligned, tiles stored tile-major. An op that
// accumulates onto an earlier op's output (compensated form) shares that op's output
// region but addresses it in its own tiles, which hold other elements when its tile
// sizes differ from the region owner's (functional_model.h says how functional mode
// moves the data then).
#include <cstdint>
#include <vector>

#include "accel_config.h"
#include "op_task.h"
#include "trace.h"

namespace itera::hw {

struct DramLayout {
  std::vector<OpTask> tasks;  // indexed like the trace's ops
  uint64_t end = 0;           // bytes of DRAM the layout occupies
};

// The ops of `trace` on the units `arrays` with `buffers` (no DRAM traffic when
// `ideal`). Throws itera::Error when a tile does not fit its buffer (see plan_tiles()).
DramLayout lay_out_ops(const Trace& trace, const std::vector<ArrayDesc>& arrays, const BuffersConfig& buffers,
                       bool ideal);

}  // namespace itera::hw
