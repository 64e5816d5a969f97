#pragma once
// What one tile asks of the PE array, fold by fold: for each class of fold (full or
// ragged along the array's rows and columns) how many there are, the PEs they use,
// their MACs, and the SRAM port accesses of their preload and stream phases. Both
// fidelities of the array use this, so they agree on every count.
//
// Phases of a fold (T = streamed length, R x C = array):
//   preload  (ws: weights, is: inputs; none for os): >= R cycles, longer when the
//            preloaded buffer's banks x ports cannot deliver R x C operands in R cycles;
//   stream   >= T cycles, longer when the streamed buffers cannot keep up;
//   fill/drain R + C - 2 cycles (classic timing only; overlapped timing hides it under
//            the next fold and pays it once at the end of the op).
// classic:    per fold  preload + (R + C - 2) + stream   (os: no preload)
// overlapped: per fold  max(stream, preload)  (os: max(stream, R)), the next fold's
//             preload running under this fold's stream.
// With no port shortfall these are exactly sim/systolic_timing.h's formulas.
//
// SRAM traffic per fold (bytes; accumulators are 32-bit; psums are read back and
// rewritten when the tile continues an earlier k-tile or the array has several row folds):
//   ws: preload weights r'n'wbits/8; stream inputs T r' abits/8, outputs T n' 4 (x2)
//   os: stream inputs T r' abits/8 and weights T n' wbits/8; outputs r' n' 4 (x2)
//   is: preload inputs r'c' abits/8; stream weights r' n wbits/8; outputs c' n 4 (x2)
// where r', c' are the used PE rows and columns and n' the output features of the fold.
#include <cstdint>
#include <vector>

#include "accel_config.h"
#include "tile_job.h"

namespace itera::hw {

class Sram;

struct FoldClass {
  int64_t count = 0;
  int64_t used_rows = 0, used_cols = 0;  // PEs
  int64_t t = 0;                         // streamed length
  int64_t macs = 0;                      // per fold
  // Port accesses per fold, per buffer (weight, input, output), split by phase.
  int64_t preload_acc = 0;               // on the preloaded buffer (ws: weight, is: input)
  int64_t stream_acc[3] = {0, 0, 0};     // weight, input, output
  int64_t preload_bytes = 0;
  int64_t stream_bytes[3] = {0, 0, 0};
  int64_t preload_cycles = 0;            // R (or more, port-limited); 0 for os
  int64_t stream_cycles = 0;             // T (or more, port-limited)
};

struct TileWork {
  Dataflow dataflow = Dataflow::WeightStationary;
  ArrayTiming timing = ArrayTiming::Overlapped;
  int rows = 0, cols = 0;
  std::vector<FoldClass> classes;  // in fold order: row-fold major, full before ragged
  int64_t folds() const;
  int64_t macs() const;
  int64_t pe_active() const;       // sum over folds of used_rows x used_cols x t
};

enum Buf { kWeight = 0, kInput = 1, kOutput = 2 };

TileWork plan_tile_work(const TileJob& job, const AccelConfig& config, int rows, int cols, Sram* const buffers[3]);

// Cycles of one fold (not counting the op's first preload and final drain), and how
// many of them are port stalls rather than compute.
struct FoldCycles {
  int64_t compute = 0, bank_stall = 0;
  int64_t total() const { return compute + bank_stall; }
};
FoldCycles fold_cycles(const TileWork& w, const FoldClass& f);
// The exposed preload before the first fold when the pipeline is empty (ws, is with
// overlapped timing): R cycles, or more when port-limited.
FoldCycles exposed_preload(const TileWork& w, const FoldClass& first);
// The final drain of an op with overlapped timing: R + C - 2.
int64_t final_drain(const TileWork& w);

}  // namespace itera::hw
