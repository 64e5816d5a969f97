#include "functional_model.h"

#include <algorithm>
#include <string>

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
    : data_(data), arrays_(arrays), tasks_(tasks), input_op_(tasks.size(), -1) {
  std::map<std::string, int> index;
  for (const OpTask& t : tasks_) index[t.op->name] = t.index;
  for (const OpTask& t : tasks_) {
    if (!t.plan.load_x) input_op_[static_cast<size_t>(t.index)] = index.at(t.op->input);
    FunctionalOp& f = data_.ops[static_cast<size_t>(t.index)];
    const size_t outputs = static_cast<size_t>(f.m) * static_cast<size_t>(f.n);
    f.acc.assign(outputs, 0);
    f.out.assign(outputs, 0);
    f.read_back.assign(t.plan.accumulate ? outputs : 0, 0);
    f.final_out.assign(t.plan.write_y && t.accumulate_target < 0 ? outputs : 0, 0);
    if (!t.plan.write_y) produced_[t.index].assign(outputs, 0);
    if (data_.fault == FunctionalFault::CorruptIntermediate && corrupted_op_ < 0 && !t.plan.write_y)
      corrupted_op_ = t.index;
  }
  if (data_.fault == FunctionalFault::CorruptIntermediate && corrupted_op_ < 0)
    throw Error("the fault functional-corrupt-intermediate needs a trace with an lr_down");
}

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
    if (!p.load_x) continue;  // an lr_up: its input is the on-chip intermediate
    if (f.x.empty())
      throw Error(fmt::format("functional mode: op '{}' loads its input from DRAM, but no op writes it there",
                              t.op->name));
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
  // Weight tiles are (k, n), input tiles (m, k), output tiles read back (m, n).
  int64_t a = step.mi, b = step.ki;
  if (buffer == Buffer::Weight) a = step.ki, b = step.ni;
  if (buffer == Buffer::Output) b = step.ni;
  tiles_[key(task.index, buffer, a, b)].assign(bytes, bytes + count);
}

std::vector<int16_t> FunctionalModel::intermediate_tile(const TileJob& job) const {
  const OpTask& task = tasks_[static_cast<size_t>(job.op)];
  const int src = input_op_[static_cast<size_t>(job.op)];
  const FunctionalOp& t = data_.ops[static_cast<size_t>(src)];  // the lr_down: T is M x r
  const std::vector<uint8_t>& ready = produced_.at(src);
  const int64_t mt = job.step.dims.mt, kt = job.step.dims.kt;
  const int64_t m0 = job.step.mi * task.plan.tile.mt, k0 = job.step.ki * task.plan.tile.kt;
  std::vector<int16_t> x(static_cast<size_t>(mt * kt));
  for (int64_t m = 0; m < mt; ++m)
    for (int64_t k = 0; k < kt; ++k) {
      const size_t at = static_cast<size_t>((m0 + m) * t.n + k0 + k);
      if (ready[at] == 0)
        throw Error(fmt::format("functional mode: op '{}' multiplied T[{}, {}] before op '{}' produced it",
                                task.op->name, m0 + m, k0 + k, tasks_[static_cast<size_t>(src)].op->name));
      x[static_cast<size_t>(m * kt + k)] = t.out[at];
    }
  return x;
}

void FunctionalModel::keep_on_chip(const TileJob& job, const std::vector<int32_t>& acc) {
  FunctionalOp& f = data_.ops[static_cast<size_t>(job.op)];
  std::vector<uint8_t>& ready = produced_.at(job.op);
  const OpTask& task = tasks_[static_cast<size_t>(job.op)];
  const int64_t m0 = job.step.mi * task.plan.tile.mt, n0 = job.step.ni * task.plan.tile.nt;
  const int16_t hi = static_cast<int16_t>((1 << (f.out_bits - 1)) - 1), lo = static_cast<int16_t>(-hi - 1);
  for (int64_t m = 0; m < job.step.dims.mt; ++m)
    for (int64_t n = 0; n < job.step.dims.nt; ++n) {
      const size_t at = static_cast<size_t>((m0 + m) * f.n + n0 + n);
      const int32_t a = acc[static_cast<size_t>(m * job.step.dims.nt + n)];
      f.acc[at] = a;
      int16_t code = requantize(a, f.shift, f.out_bits);
      if (job.op == corrupted_op_ && at == 0) code = code < 0 ? hi : lo;  // the test hook
      f.out[at] = code;
      ready[at] = 1;
    }
}

void FunctionalModel::tile_computed(const TileJob& job) {
  const FunctionalOp& f = data_.ops[static_cast<size_t>(job.op)];
  const OpTask& task = tasks_[static_cast<size_t>(job.op)];
  const ArrayDesc& array = array_of(arrays_, task.unit);
  const TileStep& s = job.step;
  const int64_t mt = s.dims.mt, kt = s.dims.kt, nt = s.dims.nt;
  // The operands, as the SRAMs hold them (an lr_up's input: the intermediate on chip).
  const std::vector<uint8_t>& wbytes = held(job.op, Buffer::Weight, s.ki, s.ni);
  const std::vector<int16_t> w = unpack_codes(wbytes.data(), static_cast<size_t>(nt * kt), f.wbits, f.w_signed);
  std::vector<int16_t> x;
  if (!task.plan.load_x) {
    x = intermediate_tile(job);
  } else {
    const std::vector<uint8_t>& xbytes = held(job.op, Buffer::Input, s.mi, s.ki);
    x = unpack_codes(xbytes.data(), static_cast<size_t>(mt * kt), f.abits, true);
  }
  std::vector<int32_t>& acc = accumulators_[key(job.op, Buffer::Output, s.mi, s.ni)];
  if (!job.shape.accumulate_psums) acc.assign(static_cast<size_t>(mt * nt), 0);
  // Fold by fold in the dataflow's mapping: each fold adds the products of its slice
  // (its rows and columns, the whole stream) into the 32-bit accumulators.
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
          int32_t& cell = acc[static_cast<size_t>(m * nt + n)];
          cell = wrap_accumulator(int64_t{cell} + sum);
        }
    }
  // An lr_down's finished output tile stays on chip: the intermediate its lr_up reads.
  if (!task.plan.write_y && s.ki == task.plan.k_tiles - 1) keep_on_chip(job, acc);
}

const OpTask& FunctionalModel::region_owner(int op) const {
  while (tasks_[static_cast<size_t>(op)].accumulate_target >= 0) op = tasks_[static_cast<size_t>(op)].accumulate_target;
  return tasks_[static_cast<size_t>(op)];
}

uint64_t FunctionalModel::code_bit(const OpTask& owner, int64_t m, int64_t n, int bits) {
  const TilePlan& p = owner.plan;
  const int64_t mi = m / p.tile.mt, ni = n / p.tile.nt;
  const int64_t nt = std::min(p.tile.nt, owner.op->n - ni * p.tile.nt);  // this tile's (maybe ragged) width
  const int64_t in_tile = (m - mi * p.tile.mt) * nt + (n - ni * p.tile.nt);
  return owner.y_addr(mi, ni) * 8 + static_cast<uint64_t>(in_tile * bits);
}

int16_t FunctionalModel::read_code(uint64_t bit, int bits) const {
  uint32_t field = 0;  // as unpack_codes() reads a field: least significant bit first, sign-extended
  for (int i = 0; i < bits; ++i) {
    const uint64_t b = bit + static_cast<uint64_t>(i);
    if ((image_.at(b / 8) >> (b % 8)) & 1u) field |= 1u << i;
  }
  if ((field >> (bits - 1)) & 1u) field |= ~((1u << bits) - 1u);
  return static_cast<int16_t>(static_cast<int32_t>(field));
}

void FunctionalModel::write_code(uint64_t bit, int bits, int16_t value) {
  const uint32_t field = static_cast<uint32_t>(static_cast<int32_t>(value)) & ((1u << bits) - 1u);
  for (int i = 0; i < bits; ++i) {
    const uint64_t b = bit + static_cast<uint64_t>(i);
    uint8_t& cell = image_.at(b / 8);
    const uint8_t mask = static_cast<uint8_t>(1u << (b % 8));
    cell = static_cast<uint8_t>(((field >> i) & 1u) ? (cell | mask) : (cell & ~mask));
  }
}

void FunctionalModel::tile_finished(const OpTask& task, const TileStep& step, std::vector<uint8_t>& payload) {
  if (!step.write_y) return;  // an lr_down: its result went on chip when the array finished it
  FunctionalOp& f = data_.ops[static_cast<size_t>(task.index)];
  const std::vector<int32_t>& acc = accumulators_.at(key(task.index, Buffer::Output, step.mi, step.ni));
  const int64_t mt = step.dims.mt, nt = step.dims.nt;
  const int64_t m0 = step.mi * task.plan.tile.mt, n0 = step.ni * task.plan.tile.nt;
  const OpTask& owner = region_owner(task.index);
  // Does the timed transfer of this tile hold exactly its elements (see the header)?
  const bool gather = task.plan.accumulate &&
                      (owner.plan.tile.mt != task.plan.tile.mt || owner.plan.tile.nt != task.plan.tile.nt ||
                       owner.tile_bytes.y != task.tile_bytes.y);
  std::vector<int16_t> read_back;
  if (task.plan.accumulate && !gather) {  // the DMA has just read the tile back from the shared region
    const std::vector<uint8_t>& bytes = held(task.index, Buffer::Output, step.mi, step.ni);
    read_back = unpack_codes(bytes.data(), static_cast<size_t>(mt * nt), f.abits, true);
  }
  std::vector<int16_t> codes(static_cast<size_t>(mt * nt));
  for (int64_t m = 0; m < mt; ++m)
    for (int64_t n = 0; n < nt; ++n) {
      const size_t in_tile = static_cast<size_t>(m * nt + n);
      const size_t at = static_cast<size_t>((m0 + m) * f.n + n0 + n);
      const uint64_t bit = gather ? code_bit(owner, m0 + m, n0 + n, f.abits) : 0;
      int32_t total = acc[in_tile];
      f.acc[at] = total;
      if (task.plan.accumulate) {
        const int16_t back = gather ? read_code(bit, f.abits) : read_back[in_tile];
        f.read_back[at] = back;
        if (data_.fault != FunctionalFault::DropReadBack) total = add_read_back(total, back, f.shift);
      }
      codes[in_tile] = f.out[at] = requantize(total, f.shift, f.abits);
      if (gather) write_code(bit, f.abits, codes[in_tile]);
    }
  std::vector<uint8_t> bytes;
  if (gather) {
    // The timed write rewrites its address range with what the image already holds there.
    f.gathered = true;
    const uint64_t from = task.y_addr(step.mi, step.ni);
    if (from + static_cast<uint64_t>(step.y_bytes) > image_.size())
      throw Error(fmt::format("functional mode: op '{}' writes output tile ({}, {}) past the end of the DRAM image",
                              task.op->name, step.mi, step.ni));
    bytes.assign(image_.begin() + static_cast<std::ptrdiff_t>(from),
                 image_.begin() + static_cast<std::ptrdiff_t>(from + static_cast<uint64_t>(step.y_bytes)));
  } else {
    bytes = pack_codes(codes, f.abits);
  }
  if (payload.size() < bytes.size()) payload.resize(bytes.size());
  std::copy(bytes.begin(), bytes.end(), payload.begin());
}

void FunctionalModel::finish() {
  for (const OpTask& t : tasks_) {
    if (!t.plan.write_y || t.accumulate_target >= 0) continue;
    FunctionalOp& f = data_.ops[static_cast<size_t>(t.index)];
    const TilePlan& p = t.plan;
    for (int64_t mi = 0; mi < p.m_tiles; ++mi)
      for (int64_t ni = 0; ni < p.n_tiles; ++ni) {
        const int64_t m0 = mi * p.tile.mt, n0 = ni * p.tile.nt;
        const int64_t mt = std::min(p.tile.mt, f.m - m0), nt = std::min(p.tile.nt, f.n - n0);
        const std::vector<int16_t> codes =
            unpack_codes(image_.data() + t.y_addr(mi, ni), static_cast<size_t>(mt * nt), f.abits, true);
        for (int64_t m = 0; m < mt; ++m)
          for (int64_t n = 0; n < nt; ++n)
            f.final_out[static_cast<size_t>((m0 + m) * f.n + n0 + n)] = codes[static_cast<size_t>(m * nt + n)];
      }
  }
}

}  // namespace itera::hw
