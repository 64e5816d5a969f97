#include "fold_work.h"

#include <algorithm>

#include "dataflow.h"
#include "fold_timing.h"
#include "int_math.h"
#include "sram_ports.h"

namespace itera {

namespace {

// A dimension of `size` laid over `unit`-wide folds: the full folds and the ragged last one.
struct Folds {
  int64_t full_count, full, ragged;
  int64_t count() const { return full_count + (ragged > 0 ? 1 : 0); }
};
Folds folds_of(int64_t size, int64_t unit) { return {size / unit, unit, size % unit}; }

// The bytes of each operand's slice for a fold covering `s` (M, K, N sizes).
int64_t operand_bytes(Operand o, const GemmDims& s, int wbits, int abits, int64_t psum_factor) {
  switch (o) {
    case Operand::Weight: return ceil_div(s[Dim::K] * s[Dim::N] * wbits, 8);
    case Operand::Input: return ceil_div(s[Dim::M] * s[Dim::K] * abits, 8);
    case Operand::Output: return s[Dim::M] * s[Dim::N] * kAccumulatorBytes * psum_factor;
  }
  return 0;
}

}  // namespace

int64_t TileWork::folds() const {
  int64_t n = 0;
  for (const auto& c : classes) n += c.count;
  return n;
}

int64_t TileWork::macs() const {
  int64_t n = 0;
  for (const auto& c : classes) n += c.count * c.macs;
  return n;
}

int64_t TileWork::pe_active() const {
  int64_t n = 0;
  for (const auto& c : classes) n += c.count * c.used_rows * c.used_cols * c.t;
  return n;
}

TileWork plan_tile_work(const TileShape& tile, const ArrayDesc& array, const BuffersConfig& buffers) {
  const DataflowRecord& df = dataflow_record(array.dataflow);
  TileWork w;
  w.dataflow = array.dataflow;
  w.timing = array.timing;
  w.rows = array.rows;
  w.cols = array.cols;
  w.preload = df.preload;
  w.preload_buffer = df.stationary_buffer;
  const int pack = tile.pack;
  const GemmDims size = gemm_dims(tile.dims.mt, tile.dims.kt, tile.dims.nt);
  // Folds along the row and column dimensions, in the units one PE row / column covers.
  const Folds rf = folds_of(size[df.rows], array_unit(df, df.rows, array.rows, array.cols, pack));
  const Folds cf = folds_of(size[df.cols], array_unit(df, df.cols, array.rows, array.cols, pack));
  const bool psum_rmw = tile.accumulate_psums || splits_reduction(df, rf.count(), cf.count());
  const int64_t psum_factor = psum_rmw ? 2 : 1;
  const int64_t r_sizes[2] = {rf.full, rf.ragged}, r_counts[2] = {rf.full_count, rf.ragged > 0 ? 1 : 0};
  const int64_t c_sizes[2] = {cf.full, cf.ragged}, c_counts[2] = {cf.full_count, cf.ragged > 0 ? 1 : 0};
  const Operand operands[3] = {Operand::Weight, Operand::Input, Operand::Output};
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      if (r_counts[i] == 0 || c_counts[j] == 0) continue;
      FoldClass f;
      f.count = r_counts[i] * c_counts[j];
      GemmDims slice = size;  // the stream dimension is whole
      slice[df.rows] = r_sizes[i];
      slice[df.cols] = c_sizes[j];
      f.used_rows = slots(df, df.rows, slice[df.rows], pack);
      f.used_cols = slots(df, df.cols, slice[df.cols], pack);
      f.t = slots(df, df.stream, slice[df.stream], pack);
      f.macs = slice[Dim::M] * slice[Dim::K] * slice[Dim::N];
      for (Operand o : operands) {
        const int64_t bytes = operand_bytes(o, slice, tile.wbits, tile.abits, psum_factor);
        if (o == df.stationary && df.preload)
          f.preload_bytes = bytes;
        else
          f.stream_bytes[buffer_of(o)] = bytes;
      }
      for (Buffer b : kBuffers) {
        const BufferConfig& bc = buffer_config(buffers, b);
        f.stream_acc[b] = accesses_for(bc, f.stream_bytes[b]);
        f.stream_ports = std::max(f.stream_ports, port_cycles(bc, f.stream_acc[b]));
      }
      f.stream_cycles = std::max(f.t, f.stream_ports);
      if (df.preload) {
        const BufferConfig& bc = buffer_config(buffers, df.stationary_buffer);
        f.preload_acc = accesses_for(bc, f.preload_bytes);
        f.preload_ports = port_cycles(bc, f.preload_acc);
        f.preload_cycles = std::max<int64_t>(array.rows, f.preload_ports);
      }
      w.classes.push_back(f);
    }
  }
  return w;
}

FoldCycles fold_cycles(const TileWork& w, const FoldClass& f) {
  FoldCycles c;
  const int64_t r = w.rows;
  if (w.timing == ArrayTiming::Classic) {
    c.compute = classic_fold_cycles(w.rows, w.cols, f.t, w.preload);
    c.bank_stall = (w.preload ? f.preload_cycles - r : 0) + (f.stream_cycles - f.t);
  } else {
    const int64_t ideal = overlapped_fold_cycles(w.rows, f.t);
    const int64_t actual = std::max(f.stream_cycles, w.preload ? f.preload_cycles : r);
    c.compute = ideal;
    c.bank_stall = actual - ideal;
  }
  return c;
}

FoldCycles exposed_preload(const TileWork& w, const FoldClass& first) {
  const int64_t r = first_preload_cycles(w.rows, w.preload, w.timing);
  if (r == 0) return {};
  return {r, first.preload_cycles - r};
}

int64_t final_drain(const TileWork& w) { return final_drain_cycles(w.rows, w.cols, w.timing); }

int64_t sram_port_cycles(const TileWork& w, bool pipeline_empty) {
  const bool classic = w.timing == ArrayTiming::Classic;
  int64_t cycles = 0;
  if (pipeline_empty && !classic && !w.classes.empty()) cycles += w.classes.front().preload_ports;
  for (const FoldClass& f : w.classes)
    cycles += f.count * (classic ? f.preload_ports + f.stream_ports : std::max(f.preload_ports, f.stream_ports));
  return cycles;
}

}  // namespace itera
