#include "tile_plan.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "dataflow.h"
#include "error.h"
#include "int_math.h"

namespace itera {

namespace {

// The tile sizes worth trying along one dimension: unit, 2 unit, 4 unit, ... below
// the dimension, and the whole dimension.
std::vector<int64_t> candidates(int64_t dim, int64_t unit) {
  std::vector<int64_t> out;
  for (int64_t t = std::max<int64_t>(1, unit); t < dim; t *= 2) out.push_back(t);
  out.push_back(dim);
  return out;
}

// A dimension cut into tiles of size t: (count, size) pairs, the full tiles and a ragged one.
struct Split {
  int64_t full_count, full, ragged;
};
Split split(int64_t dim, int64_t t) { return {dim / t, t, dim % t}; }

// Sum of f(a, b) over every tile of a x b tiling (at most four distinct shapes).
template <class F>
int64_t sum_tiles(Split a, Split b, F f) {
  int64_t total = 0;
  const int64_t a_sizes[2] = {a.full, a.ragged}, a_counts[2] = {a.full_count, a.ragged > 0 ? 1 : 0};
  const int64_t b_sizes[2] = {b.full, b.ragged}, b_counts[2] = {b.full_count, b.ragged > 0 ? 1 : 0};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      if (a_counts[i] > 0 && b_counts[j] > 0) total += a_counts[i] * b_counts[j] * f(a_sizes[i], b_sizes[j]);
  return total;
}

// Array units each GEMM dimension maps to (the dataflow table's rows, columns or stream).
struct Units {
  int64_t m, k, n;
};
Units units_for(const ArrayDesc& a, int pack) {
  const DataflowRecord& r = dataflow_record(a.dataflow);
  return {array_unit(r, Dim::M, a.rows, a.cols, pack), array_unit(r, Dim::K, a.rows, a.cols, pack),
          array_unit(r, Dim::N, a.rows, a.cols, pack)};
}

void fill_traffic(TilePlan& p, const TraceOp& op) {
  const Split ms = split(op.m, p.tile.mt), ks = split(op.k, p.tile.kt), ns = split(op.n, p.tile.nt);
  const int64_t w_once = sum_tiles(ks, ns, [&](int64_t kt, int64_t nt) { return weight_tile_bytes(op, kt, nt); });
  const int64_t x_once = sum_tiles(ms, ks, [&](int64_t mt, int64_t kt) { return act_tile_bytes(op.abits, mt, kt); });
  const int64_t y_once = sum_tiles(ms, ns, [&](int64_t mt, int64_t nt) { return act_tile_bytes(op.abits, mt, nt); });
  p.weight_read_bytes = w_once * (p.k_tiles > 1 ? p.m_tiles : 1);
  p.input_read_bytes = p.load_x ? x_once * ((p.m_tiles == 1 && p.k_tiles == 1) ? 1 : p.n_tiles) : 0;
  p.output_read_bytes = p.accumulate ? y_once : 0;
  p.dram_read_bytes = p.weight_read_bytes + p.input_read_bytes + p.output_read_bytes;
  p.dram_write_bytes = p.write_y ? y_once : 0;
  p.compulsory_bytes = op.weight_bytes() + (p.load_x ? act_tile_bytes(op.abits, op.m, op.k) : 0) +
                       (p.write_y ? act_tile_bytes(op.abits, op.m, op.n) * (p.accumulate ? 2 : 1) : 0);
}

std::string kib(int64_t bytes) { return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0); }

[[noreturn]] void does_not_fit(const TraceOp& op, const char* buffer, const BufferConfig& b, int64_t need,
                               const std::string& what) {
  const int64_t min_kb = ceil_div(need * (b.double_buffer ? 2 : 1), 1024);
  throw Error(fmt::format(
      "op '{}' (M {} K {} N {}): the smallest {} needs {} bytes but buffers.{} holds {} per tile ({} KiB{}); "
      "set buffers.{}.kb to at least {}",
      op.name, op.m, op.k, op.n, what, need, buffer, kib(buffer_tile_capacity(b)), b.kb,
      b.double_buffer ? ", double-buffered" : "", buffer, min_kb));
}

}  // namespace

int64_t weight_tile_bytes(const TraceOp& op, int64_t kt, int64_t nt) {
  const int64_t codes = ceil_div(kt * nt * op.wbits, 8);
  if (op.wbits >= 16) return codes;  // F16 values carry no scales
  const int64_t groups = op.group > 0 ? ceil_div(kt, op.group) : 1;
  return codes + 2 * nt * groups;
}

int64_t act_tile_bytes(int bits, int64_t rows, int64_t cols) { return ceil_div(rows * cols * bits, 8); }

FullTileBytes full_tile_bytes(const TilePlan& p, const TraceOp& op) {
  return {weight_tile_bytes(op, p.tile.kt, p.tile.nt), act_tile_bytes(op.abits, p.tile.mt, p.tile.kt),
          act_tile_bytes(op.abits, p.tile.mt, p.tile.nt)};
}

OpFlow op_flow(const TraceOp& op) {
  return {op.kind == OpKind::LowRankUp, op.kind == OpKind::LowRankDown, !op.accumulate.empty()};
}

namespace {

// What a tile of each buffer may occupy.
struct Capacities {
  int64_t w, x, y;
};

// Throws the error that names the buffer when even the smallest tile does not fit it.
void check_smallest_tile(const TraceOp& op, const BuffersConfig& buffers, const Capacities& cap, const Units& u,
                         bool load_x) {
  const int64_t m0 = std::min<int64_t>(op.m, u.m), k0 = std::min<int64_t>(op.k, u.k),
                n0 = std::min<int64_t>(op.n, u.n);
  if (weight_tile_bytes(op, k0, n0) > cap.w)
    does_not_fit(op, "weight", buffers.weight, weight_tile_bytes(op, k0, n0),
                 fmt::format("weight tile ({} x {}, {}-bit, with scales)", k0, n0, op.wbits));
  if (load_x && act_tile_bytes(op.abits, m0, k0) > cap.x)
    does_not_fit(op, "input", buffers.input, act_tile_bytes(op.abits, m0, k0),
                 fmt::format("input tile ({} x {}, {}-bit)", m0, k0, op.abits));
  if (m0 * n0 * kAccumulatorBytes > cap.y)
    does_not_fit(op, "output", buffers.output, m0 * n0 * kAccumulatorBytes,
                 fmt::format("output tile ({} x {} 32-bit accumulators)", m0, n0));
}

// The rank-r intermediate of an lr_down stays on chip, whole, for the lr_up.
void check_intermediate(const TraceOp& op, const BuffersConfig& buffers) {
  const int64_t need = act_tile_bytes(op.abits, op.m, op.n);
  if (need > int64_t{buffers.input.kb} * 1024)
    throw Error(fmt::format(
        "op '{}': the low-rank intermediate (M {} x rank {}, {}-bit) needs {} bytes on chip but buffers.input "
        "holds {} KiB; set buffers.input.kb to at least {}",
        op.name, op.m, op.n, op.abits, need, buffers.input.kb, ceil_div(need, 1024)));
}

// Among every tiling of candidate sizes that fits, the one with the least DRAM traffic
// (ties: fewer steps, then larger Kt, Nt, Mt). `base` carries the flow flags.
TilePlan search_tiles(const TraceOp& op, const TilePlan& base, const Capacities& cap, const Units& u) {
  TilePlan best = base;
  bool found = false;
  std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t> best_key;  // traffic, steps, -kt, -nt, -mt
  for (int64_t kt : candidates(op.k, u.k)) {
    for (int64_t nt : candidates(op.n, u.n)) {
      if (weight_tile_bytes(op, kt, nt) > cap.w) continue;
      for (int64_t mt : candidates(op.m, u.m)) {
        if (base.load_x && act_tile_bytes(op.abits, mt, kt) > cap.x) continue;
        if (mt * nt * kAccumulatorBytes > cap.y) continue;
        TilePlan p = base;
        p.tile = {mt, kt, nt};
        p.m_tiles = ceil_div(op.m, mt);
        p.k_tiles = ceil_div(op.k, kt);
        p.n_tiles = ceil_div(op.n, nt);
        fill_traffic(p, op);
        const auto key = std::make_tuple(p.dram_read_bytes + p.dram_write_bytes, p.steps(), -kt, -nt, -mt);
        if (!found || key < best_key) {
          best_key = key;
          best = p;
          found = true;
        }
      }
    }
  }
  if (!found) throw Error(fmt::format("op '{}': no tile fits the buffers", op.name));  // unreachable after the check
  return best;
}

}  // namespace

TilePlan plan_tiles(const TraceOp& op, const ArrayDesc& array, const BuffersConfig& buffers, bool ideal,
                    const OpFlow& flow) {
  TilePlan base;
  base.pack = array.pack_for(op.wbits);
  base.load_x = !flow.input_on_chip;
  base.write_y = !flow.output_on_chip;
  base.accumulate = flow.accumulate && !flow.output_on_chip;
  if (ideal) {
    base.ideal = true;
    base.tile = {op.m, op.k, op.n};
    base.m_tiles = base.k_tiles = base.n_tiles = 1;
    base.compulsory_bytes = 0;
    return base;
  }
  if (flow.output_on_chip) check_intermediate(op, buffers);
  const Units u = units_for(array, base.pack);
  const Capacities cap{buffer_tile_capacity(buffers.weight), buffer_tile_capacity(buffers.input),
                       buffer_tile_capacity(buffers.output)};
  check_smallest_tile(op, buffers, cap, u, base.load_x);
  return search_tiles(op, base, cap, u);
}

TileStep tile_step(const TilePlan& p, const TraceOp& op, int64_t index) {
  TileStep s;
  s.ki = index % p.k_tiles;
  s.mi = (index / p.k_tiles) % p.m_tiles;
  s.ni = index / (p.k_tiles * p.m_tiles);
  s.dims.mt = std::min(p.tile.mt, op.m - s.mi * p.tile.mt);
  s.dims.kt = std::min(p.tile.kt, op.k - s.ki * p.tile.kt);
  s.dims.nt = std::min(p.tile.nt, op.n - s.ni * p.tile.nt);
  if (p.ideal) return s;
  s.load_w = p.k_tiles > 1 || s.mi == 0;
  s.load_x = p.load_x && ((p.m_tiles == 1 && p.k_tiles == 1) ? index == 0 : true);
  s.write_y = p.write_y && s.ki == p.k_tiles - 1;
  if (s.load_w) s.w_bytes = weight_tile_bytes(op, s.dims.kt, s.dims.nt);
  if (s.load_x) s.x_bytes = act_tile_bytes(op.abits, s.dims.mt, s.dims.kt);
  if (s.write_y) s.y_bytes = act_tile_bytes(op.abits, s.dims.mt, s.dims.nt);
  return s;
}

}  // namespace itera
