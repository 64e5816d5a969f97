#include "functional_model.h"

#include <algorithm>

#include <fmt/format.h>

#include "dataflow.h"
#include "error.h"

namespace itera::hw {

namespace {

// The rows x cols block of a row-major matrix (row length `stride`) at (r0, c0), packed
// at `bits` into the image at byte `at`: one tile as the DMA will read it.
void put_tile(std::vector<uint8_t>& image, uint64_t at, const std::vector<int16_t>& matrix, int64_t stride,
              int64_t r0, int64_t c0, int64_t rows, int64_t cols, int bits) {
  std::vector<int16_t> codes;
  codes.reserve(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) codes.push_back(matrix[static_cast<size_t>((r0 + r) * stride + c0 + c)]);
  const std::vector<uint8_t> bytes = pack_codes(codes, bits);
  std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace

FunctionalModel::FunctionalModel(FunctionalData& data, const std::vector<ArrayDesc>& arrays,
                                 const std::vector<OpTask>& tasks)
    : data_(data), arrays_(arrays), tasks_(tasks) {}

uint64_t FunctionalModel::key(int op, Buffer buffer, int64_t a, int64_t b) {
  return (static_cast<uint64_t>(op) << 42) | (static_cast<uint64_t>(index_of(buffer)) << 34) |
         (static_cast<uint64_t>(a) << 17) | static_cast<uint64_t>(b);
}

const std::vector<uint8_t>& FunctionalModel::held(int op, Buffer buffer, int64_t a, int64_t b) const {
  const auto it = tiles_.find(key(op, buffer, a, b));
  if (it == tiles_.end())
    throw Error(fmt::format("functional mode: the array asked the {} buffer for tile ({}, {}) of op {}, which the "
                            "DMA never delivered",
                            to_string(buffer), a, b, op));
  return it->second;
}

std::vector<uint8_t>& FunctionalModel::build_dram_image(uint64_t bytes) {
  constexpr uint64_t kMaxBytes = uint64_t{1} << 30;
  if (bytes > kMaxBytes)
    throw Error(fmt::format("functional mode is for small layers: this trace needs {} MiB of DRAM image (limit {})",
                            bytes >> 20, kMaxBytes >> 20));
  std::vector<uint8_t>& image = image_;
  image.assign(bytes, 0);
  for (const OpTask& t : tasks_) {
    const FunctionalOp& f = data_.ops[static_cast<size_t>(t.index)];
    const TilePlan& p = t.plan;
    for (int64_t ni = 0; ni < p.n_tiles; ++ni)
      for (int64_t ki = 0; ki < p.k_tiles; ++ki) {
        const int64_t n0 = ni * p.tile.nt, k0 = ki * p.tile.kt;
        put_tile(image, t.w_addr(ki, ni), f.w, f.k, n0, k0, std::min(p.tile.nt, f.n - n0),
                 std::min(p.tile.kt, f.k - k0), f.wbits);
      }
    if (!p.load_x) continue;
    for (int64_t mi = 0; mi < p.m_tiles; ++mi)
      for (int64_t ki = 0; ki < p.k_tiles; ++ki) {
        const int64_t m0 = mi * p.tile.mt, k0 = ki * p.tile.kt;
        put_tile(image, t.x_addr(mi, ki), f.x, f.k, m0, k0, std::min(p.tile.mt, f.m - m0),
                 std::min(p.tile.kt, f.k - k0), f.abits);
      }
  }
  return image;
}

void FunctionalModel::tile_loaded(const OpTask& task, Buffer buffer, const TileStep& step, const uint8_t* bytes,
                                  size_t count) {
  const bool weight = buffer == Buffer::Weight;
  tiles_[key(task.index, buffer, weight ? step.ki : step.mi, weight ? step.ni : step.ki)].assign(bytes,
                                                                                               bytes + count);
}

void FunctionalModel::tile_computed(const TileJob& job) {
  const FunctionalOp& f = data_.ops[static_cast<size_t>(job.op)];
  const OpTask& task = tasks_[static_cast<size_t>(job.op)];
  const ArrayDesc& array = array_of(arrays_, task.unit);
  const TileStep& s = job.step;
  const int64_t mt = s.dims.mt, kt = s.dims.kt, nt = s.dims.nt;
  // The operands, as the SRAMs hold them.
  const std::vector<uint8_t>& wbytes = held(job.op, Buffer::Weight, s.ki, s.ni);
  const std::vector<int16_t> w = unpack_codes(wbytes.data(), static_cast<size_t>(nt * kt), f.wbits, f.w_signed);
  std::vector<int16_t> x;
  if (!task.plan.load_x) {  // the rank-r intermediate already on chip
    const int64_t m0 = s.mi * task.plan.tile.mt, k0 = s.ki * task.plan.tile.kt;
    x.resize(static_cast<size_t>(mt * kt));
    for (int64_t m = 0; m < mt; ++m)
      for (int64_t k = 0; k < kt; ++k)
        x[static_cast<size_t>(m * kt + k)] = f.x[static_cast<size_t>((m0 + m) * f.k + k0 + k)];
  } else {
    const std::vector<uint8_t>& xbytes = held(job.op, Buffer::Input, s.mi, s.ki);
    x = unpack_codes(xbytes.data(), static_cast<size_t>(mt * kt), f.abits, true);
  }
  std::vector<int64_t>& acc = accumulators_[key(job.op, Buffer::Output, s.mi, s.ni)];
  if (!job.shape.accumulate_psums) acc.assign(static_cast<size_t>(mt * nt), 0);
  // Fold by fold in the dataflow's mapping: each fold adds the products of its slice
  // (its rows and columns, the whole stream).
  const DataflowRecord& df = dataflow_record(array.dataflow);
  const GemmDims size = gemm_dims(mt, kt, nt);
  const int64_t row_step = array_unit(df, df.rows, array.rows, array.cols, job.shape.pack);
  const int64_t col_step = array_unit(df, df.cols, array.rows, array.cols, job.shape.pack);
  for (int64_t a0 = 0; a0 < size[df.rows]; a0 += row_step)
    for (int64_t b0 = 0; b0 < size[df.cols]; b0 += col_step) {
      GemmDims lo, hi = size;
      lo[df.rows] = a0;
      hi[df.rows] = std::min(size[df.rows], a0 + row_step);
      lo[df.cols] = b0;
      hi[df.cols] = std::min(size[df.cols], b0 + col_step);
      for (int64_t m = lo[Dim::M]; m < hi[Dim::M]; ++m)
        for (int64_t n = lo[Dim::N]; n < hi[Dim::N]; ++n) {
          int64_t sum = 0;
          for (int64_t k = lo[Dim::K]; k < hi[Dim::K]; ++k)
            sum += int64_t{x[static_cast<size_t>(m * kt + k)]} * w[static_cast<size_t>(n * kt + k)];
          acc[static_cast<size_t>(m * nt + n)] += sum;
        }
    }
}

void FunctionalModel::tile_finished(const OpTask& task, const TileStep& step, std::vector<uint8_t>& payload) {
  FunctionalOp& f = data_.ops[static_cast<size_t>(task.index)];
  const std::vector<int64_t>& acc = accumulators_[key(task.index, Buffer::Output, step.mi, step.ni)];
  const int64_t m0 = step.mi * task.plan.tile.mt, n0 = step.ni * task.plan.tile.nt;
  std::vector<int16_t> saturated(acc.size());
  const int64_t hi = (int64_t{1} << (f.abits - 1)) - 1, lo = -hi - 1;
  for (int64_t m = 0; m < step.dims.mt; ++m)
    for (int64_t n = 0; n < step.dims.nt; ++n) {
      const int64_t v = acc[static_cast<size_t>(m * step.dims.nt + n)];
      f.y[static_cast<size_t>((m0 + m) * f.n + n0 + n)] = v;
      saturated[static_cast<size_t>(m * step.dims.nt + n)] = static_cast<int16_t>(std::clamp(v, lo, hi));
    }
  if (!step.write_y) return;
  const std::vector<uint8_t> bytes = pack_codes(saturated, f.abits);
  if (payload.size() < bytes.size()) payload.resize(bytes.size());
  std::copy(bytes.begin(), bytes.end(), payload.begin());
}

}  // namespace itera::hw
