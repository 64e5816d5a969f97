#pragma once
// What one tile asks of a PE array, fold by fold: for each class of fold (full or
// ragged along the array's rows and columns) how many there are, the PEs they use,
// their MACs, and the SRAM port accesses of their preload and stream phases. Both
// fidelities of the SystemC array use this, so they agree on every count.
//
// Everything follows the dataflow table (dataflow.h). A fold covers a slice of the
// tile: `r` along the dimension on the array rows, `c` along the one on the columns,
// and the whole streamed dimension. Its operand bytes are those of the slice: W is
// K x N at wbits, X is M x K at abits, Y is M x N 32-bit accumulators (read back and
// rewritten, x2, when the tile continues an earlier k-tile or the array splits K
// across folds). The stationary operand is preloaded (when the dataflow preloads);
// the others stream.
//
// Phases of a fold (T = streamed length, R x C = array):
//   preload  (when the dataflow preloads): >= R cycles, longer when the stationary
//            buffer's banks x ports cannot deliver the slice in R cycles;
//   stream   >= T cycles, longer when the streamed buffers cannot keep up;
//   fill/drain R + C - 2 cycles (classic timing only; overlapped timing hides it under
//            the next fold and pays it once at the end of the op).
// The cycle counts are fold_timing.h's formulas; port shortfalls add bank stalls.
#include <cstdint>
#include <vector>

#include "accel_config.h"
#include "tile_plan.h"
#include "units.h"

namespace itera {

struct FoldClass {
  int64_t count = 0;
  int64_t used_rows = 0, used_cols = 0;  // PEs
  int64_t t = 0;                         // streamed length (array slots)
  int64_t macs = 0;                      // per fold
  // Port accesses and bytes per fold: the preload on the stationary buffer, the stream
  // on each buffer.
  int64_t preload_acc = 0;
  int64_t preload_bytes = 0;
  PerBuffer<int64_t> stream_acc, stream_bytes;
  int64_t preload_cycles = 0;  // R (or more, port-limited); 0 without preload
  int64_t stream_cycles = 0;   // T (or more, port-limited)
  // What the ports alone need: the preload's on the stationary buffer, and the stream's
  // on its busiest buffer.
  int64_t preload_ports = 0, stream_ports = 0;
};

struct TileWork {
  Dataflow dataflow = Dataflow::WeightStationary;
  ArrayTiming timing = ArrayTiming::Overlapped;
  int rows = 0, cols = 0;
  bool preload = true;                  // the dataflow preloads its stationary operand
  Buffer preload_buffer = Buffer::Weight;
  std::vector<FoldClass> classes;  // in fold order: row-fold major, full before ragged
  int64_t folds() const;
  int64_t macs() const;
  int64_t pe_active() const;       // sum over folds of used_rows x used_cols x t
};

// One tile of an op as the array receives it.
struct TileShape {
  TileDims dims;
  int wbits = 8, abits = 8;
  int pack = 1;
  bool accumulate_psums = false;  // partial sums of an earlier k-tile are in the output buffer
};

TileWork plan_tile_work(const TileShape& tile, const ArrayDesc& array, const BuffersConfig& buffers);

// Cycles of one fold (not counting the op's first preload and final drain), and how
// many of them are port stalls rather than compute.
struct FoldCycles {
  int64_t compute = 0, bank_stall = 0;
  int64_t total() const { return compute + bank_stall; }
};
FoldCycles fold_cycles(const TileWork& w, const FoldClass& f);
// The exposed preload before the first fold when the pipeline is empty (overlapped
// timing with preload): R cycles, or more when port-limited.
FoldCycles exposed_preload(const TileWork& w, const FoldClass& first);
// The final drain of an op with overlapped timing: R + C - 2.
int64_t final_drain(const TileWork& w);
// The cycles the SRAM ports alone need for the tile's accesses, as if the array computed
// in no time: each buffer moves banks x ports words per cycle, the buffers in parallel;
// a fold's preload and stream follow each other with classic timing and overlap with
// overlapped timing, where `pipeline_empty` adds the exposed first preload (the array
// starts the tile with its pipeline empty, as at an op's start or after a wait).
int64_t sram_port_cycles(const TileWork& w, bool pipeline_empty);

}  // namespace itera
