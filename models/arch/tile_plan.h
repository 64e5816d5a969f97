#pragma once
// How the controller tiles one GEMM op of a trace into the on-chip buffers: the tile
// sizes, the loop nest, and the DRAM traffic it causes, in closed form. The SystemC
// DMA controller (models/dma_controller.h) walks exactly this loop nest, so the bytes
// the DRAM model serves equal `dram_*_bytes` here (a test checks it).
//
// Op: Y[M x N] = X[M x K] W^T, weights wbits, activations abits.
//
// Tiles: W tile Kt x Nt, X tile Mt x Kt, Y tile Mt x Nt. Each dimension's tile is a
// power-of-two multiple of the array unit it maps to in the dataflow table (rows,
// columns or 1 for the stream, times the packing for N: ws K on rows, N on cols x pack;
// os M on rows, N on cols x pack; is K on rows, M on cols, N streamed in packs), or
// the whole dimension. Ragged last tiles are allowed.
//
// Capacities (double buffering halves a buffer, so the next tile loads under compute):
//   weight buffer: a W tile's codes, ceil(Kt Nt wbits / 8), plus its F16 scales
//                  (2 bytes per output channel per group; per-channel scales travel
//                  with every W tile; 16-bit weights have none);
//   input buffer:  an X tile, ceil(Mt Kt abits / 8);
//   output buffer: Mt Nt 32-bit accumulators (results leave at abits).
//
// Loop nest (k innermost, so accumulators never spill):
//   for n-tile: for m-tile: for k-tile: [load W(k,n)] [load X(m,k)] compute
//                                       after the last k-tile: write Y(m,n)
// A W tile is loaded again for every m-tile unless there is one k-tile (then it stays
// resident across m); an X tile is loaded once per n-tile unless X is a single tile.
// Among all tile sizes that fit, the plan with the least DRAM traffic wins; ties go to
// fewer steps, then larger Kt, Nt, Mt.
//
// Low-rank chains keep the rank-r intermediate on chip: an lr_down writes no Y (its
// M x r result stays in the input buffer, which must hold it whole) and an lr_up loads
// no X. An op that accumulates into an earlier op's output (the compensated form) reads
// that Y tile back and writes the sum: 2 x Y bytes.
//
// With memory.ideal the buffers are unbounded: one tile, no DRAM traffic.
#include <cstdint>
#include <string>
#include <vector>

#include "accel_config.h"
#include "fold_timing.h"
#include "sram_ports.h"
#include "trace.h"
#include "units.h"

namespace itera {

struct TileDims {
  int64_t mt = 0, kt = 0, nt = 0;
};

struct TilePlan {
  TileDims tile;          // full-size tile
  int64_t m_tiles = 0, k_tiles = 0, n_tiles = 0;
  int pack = 1;           // MACs per PE per cycle (mac_packing)
  bool load_x = true;     // false: input comes from the on-chip intermediate (lr_up)
  bool write_y = true;    // false: output stays on chip (lr_down)
  bool accumulate = false;  // read Y back and add (compensated form)
  bool ideal = false;

  int64_t steps() const { return m_tiles * k_tiles * n_tiles; }
  int64_t dram_read_bytes = 0;   // W + X (+ Y read-back) over the whole loop nest
  int64_t dram_write_bytes = 0;  // Y
  int64_t weight_read_bytes = 0, input_read_bytes = 0, output_read_bytes = 0;
  // Bytes of every weight, input and output moved exactly once (compulsory traffic).
  int64_t compulsory_bytes = 0;
};

// One step of the loop nest (k innermost).
struct TileStep {
  int64_t mi = 0, ki = 0, ni = 0;  // tile indices
  TileDims dims;                   // this tile's (possibly ragged) sizes
  bool load_w = false, load_x = false, write_y = false;
  int64_t w_bytes = 0, x_bytes = 0, y_bytes = 0;  // bytes of this step's loads / write-back
};

// Where an op's operands come from and go to.
struct OpFlow {
  bool input_on_chip = false;   // lr_up: X is the on-chip intermediate
  bool output_on_chip = false;  // lr_down: Y stays on chip
  bool accumulate = false;      // Y is added onto an earlier op's output
};
OpFlow op_flow(const TraceOp& op);

// The plan for `op` on `array` with `buffers` (unbounded and with no DRAM traffic when
// `ideal`). Throws itera::Error when even the smallest tile does not fit a buffer,
// naming the buffer, the op and the minimum capacity needed in KiB.
TilePlan plan_tiles(const TraceOp& op, const ArrayDesc& array, const BuffersConfig& buffers, bool ideal,
                    const OpFlow& flow);

// Step `index` (0 <= index < plan.steps()) in loop-nest order.
TileStep tile_step(const TilePlan& plan, const TraceOp& op, int64_t index);

// Bytes of a W tile (codes + scales), an X tile and a Y tile of the given sizes.
int64_t weight_tile_bytes(const TraceOp& op, int64_t kt, int64_t nt);
int64_t act_tile_bytes(int bits, int64_t rows, int64_t cols);

// Bytes of one full-size tile of the plan: W (Kt x Nt), X (Mt x Kt), Y (Mt x Nt).
struct FullTileBytes {
  int64_t w = 0, x = 0, y = 0;
};
FullTileBytes full_tile_bytes(const TilePlan& plan, const TraceOp& op);

// An output accumulator's width in the output buffer (32-bit partial sums).
constexpr int64_t kAccumulatorBytes = 4;

}  // namespace itera
