#include "dram_layout.h"

#include <map>
#include <string>

#include "int_math.h"

namespace itera::hw {

DramLayout lay_out_ops(const Trace& trace, const std::vector<ArrayDesc>& arrays, const BuffersConfig& buffers,
                       bool ideal) {
  std::map<std::string, int> op_index;
  for (size_t i = 0; i < trace.ops.size(); ++i) op_index[trace.ops[i].name] = static_cast<int>(i);
  DramLayout layout;
  uint64_t next = 0;
  const auto region = [&](int64_t tiles, int64_t tile_bytes) {
    const uint64_t base = next;
    next = align_up(next + static_cast<uint64_t>(tiles * tile_bytes), 4096);
    return base;
  };
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    const TraceOp& op = trace.ops[i];
    OpTask t;
    t.index = static_cast<int>(i);
    t.op = &op;
    t.unit = unit_for(arrays, op.kind);
    if (!op.accumulate.empty()) t.accumulate_target = op_index.at(op.accumulate);
    t.plan = plan_tiles(op, array_of(arrays, t.unit), buffers, ideal, op_flow(op));
    const TilePlan& p = t.plan;
    t.tile_bytes = full_tile_bytes(p, op);
    t.base_w = region(p.k_tiles * p.n_tiles, t.tile_bytes.w);
    t.base_x = region(p.m_tiles * p.k_tiles, t.tile_bytes.x);
    t.base_y = op.accumulate.empty() ? region(p.m_tiles * p.n_tiles, t.tile_bytes.y) : 0;
    layout.tasks.push_back(t);
  }
  for (OpTask& t : layout.tasks)
    if (t.accumulate_target >= 0) t.base_y = layout.tasks[static_cast<size_t>(t.accumulate_target)].base_y;
  layout.end = next;
  return layout;
}

}  // namespace itera::hw
