#include "fold_work.h"

#include <algorithm>

#include "sram.h"

namespace itera::hw {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A dimension of `size` laid over `unit`-wide folds: (count, size) of the full folds and
// of the ragged last one.
struct Folds {
  int64_t full_count, full, ragged;
};
Folds folds_of(int64_t size, int64_t unit) { return {size / unit, unit, size % unit}; }

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

TileWork plan_tile_work(const TileJob& job, const AccelConfig& config, int rows, int cols, Sram* const buffers[3]) {
  TileWork w;
  w.dataflow = config.array.dataflow;
  w.timing = config.array.timing;
  w.rows = rows;
  w.cols = cols;
  const TraceOp& op = *job.desc;
  const int64_t pack = job.pack, mt = job.dims.mt, kt = job.dims.kt, nt = job.dims.nt;
  // Row and column dimensions of the mapping, in the units one PE row / column covers.
  int64_t row_dim = 0, col_dim = 0, col_unit = 0;
  switch (w.dataflow) {
    case Dataflow::WeightStationary: row_dim = kt; col_dim = nt; col_unit = cols * pack; break;
    case Dataflow::OutputStationary: row_dim = mt; col_dim = nt; col_unit = cols * pack; break;
    case Dataflow::InputStationary: row_dim = kt; col_dim = mt; col_unit = cols; break;
  }
  const Folds rf = folds_of(row_dim, rows), cf = folds_of(col_dim, col_unit);
  const bool psum_rmw = job.accumulate_psums ||
                        (w.dataflow != Dataflow::OutputStationary && ceil_div(row_dim, rows) > 1);
  const int64_t psum_factor = psum_rmw ? 2 : 1;
  const int64_t r_sizes[2] = {rf.full, rf.ragged}, r_counts[2] = {rf.full_count, rf.ragged > 0 ? 1 : 0};
  const int64_t c_sizes[2] = {cf.full, cf.ragged}, c_counts[2] = {cf.full_count, cf.ragged > 0 ? 1 : 0};
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      if (r_counts[i] == 0 || c_counts[j] == 0) continue;
      FoldClass f;
      f.count = r_counts[i] * c_counts[j];
      const int64_t r = r_sizes[i], cdim = c_sizes[j];
      f.used_rows = r;
      switch (w.dataflow) {
        case Dataflow::WeightStationary: {  // r = K rows, cdim = N features
          f.used_cols = ceil_div(cdim, pack);
          f.t = mt;
          f.macs = mt * r * cdim;
          f.preload_bytes = ceil_div(r * cdim * op.wbits, 8);
          f.stream_bytes[kInput] = ceil_div(mt * r * op.abits, 8);
          f.stream_bytes[kOutput] = mt * cdim * 4 * psum_factor;
          break;
        }
        case Dataflow::OutputStationary: {  // r = M rows, cdim = N features
          f.used_cols = ceil_div(cdim, pack);
          f.t = kt;
          f.macs = kt * r * cdim;
          f.stream_bytes[kInput] = ceil_div(kt * r * op.abits, 8);
          f.stream_bytes[kWeight] = ceil_div(kt * cdim * op.wbits, 8);
          f.stream_bytes[kOutput] = r * cdim * 4 * psum_factor;
          break;
        }
        case Dataflow::InputStationary: {  // r = K rows, cdim = M columns; N streams in packs
          f.used_cols = cdim;
          f.t = ceil_div(nt, pack);
          f.macs = r * cdim * nt;
          f.preload_bytes = ceil_div(r * cdim * op.abits, 8);
          f.stream_bytes[kWeight] = ceil_div(r * nt * op.wbits, 8);
          f.stream_bytes[kOutput] = cdim * nt * 4 * psum_factor;
          break;
        }
      }
      const int preload_buf = w.dataflow == Dataflow::InputStationary ? kInput : kWeight;
      int64_t stream = f.t;
      for (int b = 0; b < 3; ++b) {
        f.stream_acc[b] = buffers[b]->accesses_for(f.stream_bytes[b]);
        stream = std::max(stream, buffers[b]->cycles_for(f.stream_acc[b]));
      }
      f.stream_cycles = stream;
      if (w.dataflow != Dataflow::OutputStationary) {
        f.preload_acc = buffers[preload_buf]->accesses_for(f.preload_bytes);
        f.preload_cycles = std::max<int64_t>(rows, buffers[preload_buf]->cycles_for(f.preload_acc));
      }
      w.classes.push_back(f);
    }
  }
  return w;
}

FoldCycles fold_cycles(const TileWork& w, const FoldClass& f) {
  FoldCycles c;
  const int64_t r = w.rows, fill = int64_t{w.rows} + w.cols - 2;
  const bool os = w.dataflow == Dataflow::OutputStationary;
  if (w.timing == ArrayTiming::Classic) {
    c.compute = (os ? 0 : r) + fill + f.t;
    c.bank_stall = (os ? 0 : f.preload_cycles - r) + (f.stream_cycles - f.t);
  } else {
    const int64_t ideal = std::max(f.t, r);
    const int64_t actual = std::max(f.stream_cycles, os ? r : f.preload_cycles);
    c.compute = ideal;
    c.bank_stall = actual - ideal;
  }
  return c;
}

FoldCycles exposed_preload(const TileWork& w, const FoldClass& first) {
  if (w.timing == ArrayTiming::Classic || w.dataflow == Dataflow::OutputStationary) return {};
  return {w.rows, first.preload_cycles - w.rows};
}

int64_t final_drain(const TileWork& w) {
  return w.timing == ArrayTiming::Classic ? 0 : int64_t{w.rows} + w.cols - 2;
}

}  // namespace itera::hw
