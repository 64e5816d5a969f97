#pragma once
// The dataflow table: one record per dataflow says how a GEMM
//   Y[M x N] = X[M x K] W^T   (M tokens, K input features, N output features)
// lies on a rows x cols systolic array. The fold timing, the tile plan, the fold work
// and the PE array's functional multiply all derive from these records; adding a
// dataflow is adding its name to enum Dataflow (accel_config.h) and its record to
// dataflow.cpp (and its tests).
//
//   dataflow  array rows  array cols  streamed  stationary operand (buffer)  preload
//   ws        K           N           M         W (weight)                   yes
//   os        M           N           K         Y (output: accumulators)     no
//   is        K           M           N         X (input)                    yes
//
// MAC packing: a PE with native_bits-wide multipliers does p = floor(native / wbits)
// MACs per cycle on narrower weights (subword parallelism, as in Bit Fusion, Sharma
// et al. ISCA 2018), on p output features that share the PE's input value: N is
// the packed dimension, so wherever N lies (columns or stream) it counts ceil(N / p).
#include <cstdint>
#include <vector>

#include "accel_config.h"
#include "units.h"

namespace itera {

// A GEMM dimension.
enum class Dim { M = 0, K = 1, N = 2 };
const char* to_string(Dim d);  // "M", "K", "N"

// An operand of the GEMM.
enum class Operand { Weight, Input, Output };

struct DataflowRecord {
  Dataflow id;
  const char* name;      // the config spelling
  Dim rows, cols, stream;
  Operand stationary;    // held in the PEs while the others stream
  Buffer stationary_buffer;
  bool preload;          // the stationary operand is loaded into the PEs before a fold streams
  Dim packed = Dim::N;   // the dimension p-packed MACs share
};

// Every dataflow, in spelling order (ws, os, is).
const std::vector<DataflowRecord>& dataflow_table();
const DataflowRecord& dataflow_record(Dataflow d);

// The buffer an operand lives in.
constexpr Buffer buffer_of(Operand o) {
  return o == Operand::Weight ? Buffer::Weight : o == Operand::Input ? Buffer::Input : Buffer::Output;
}

// Sizes along M, K, N, indexed by Dim.
struct GemmDims {
  int64_t v[3] = {0, 0, 0};
  int64_t& operator[](Dim d) { return v[static_cast<int>(d)]; }
  int64_t operator[](Dim d) const { return v[static_cast<int>(d)]; }
};
inline GemmDims gemm_dims(int64_t m, int64_t k, int64_t n) {
  GemmDims g;
  g[Dim::M] = m;
  g[Dim::K] = k;
  g[Dim::N] = n;
  return g;
}

// How far one array step reaches along `d`: for the row dimension the array's rows, for
// the column dimension its columns, for the stream 1; times `pack` when d is packed.
int64_t array_unit(const DataflowRecord& r, Dim d, int rows, int cols, int pack);
// `size` along `d` in array slots: ceil(size / pack) for the packed dimension.
int64_t slots(const DataflowRecord& r, Dim d, int64_t size, int pack);
// Whether the contraction (K) is split across folds of the array, so that partial sums
// are read back and rewritten: K lies on the rows (or columns) and there are several
// row (column) folds.
bool splits_reduction(const DataflowRecord& r, int64_t row_folds, int64_t col_folds);

}  // namespace itera
