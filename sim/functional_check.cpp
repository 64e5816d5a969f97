#include "functional_check.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include <Eigen/Core>
#include <fmt/format.h>

#include "compressed_io.h"
#include "error.h"
#include "text.h"
#include "rng.h"
#include "stable_hash.h"

namespace itera {

namespace {

const QuantizedMatrix& codes_of(const QuantizedMatrix* q, const TraceOp& op, const char* part) {
  if (!q) throw Error(fmt::format("--functional: op '{}' needs the layer's {} part, which the file does not have",
                                  op.name, part));
  if (q->spec.is_float16())
    throw Error(fmt::format("--functional: op '{}' has 16-bit float weights; the array multiplies integer codes only",
                            op.name));
  if (q->spec.bits != op.wbits)
    throw Error(fmt::format("--functional: op '{}' says {}-bit weights but the saved {} part has {} bits", op.name,
                            op.wbits, part, q->spec.bits));
  return *q;
}

// The links functional mode follows, the layer of each op (the op owning the output
// region its result ends in) and the bits of each lr_down's intermediate (its lr_up's
// abits). Throws on links the data cannot follow.
void link_chain(const Trace& trace, hw::FunctionalData& data) {
  std::map<std::string, int> index;
  for (size_t i = 0; i < trace.ops.size(); ++i) index[trace.ops[i].name] = static_cast<int>(i);
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    const TraceOp& op = trace.ops[i];
    hw::FunctionalOp& f = data.ops[i];
    if (!op.input.empty()) {
      f.input_op = index.at(op.input);
      if (op.kind != OpKind::LowRankUp)
        throw Error(fmt::format(
            "--functional: op '{}' reads the output of op '{}', but the simulator loads a {} op's input from the "
            "op's own DRAM input region, which no op writes (only an lr_up takes another op's output: the on-chip "
            "intermediate); functional mode cannot follow that data",
            op.name, op.input, op_kind_name(op.kind)));
    }
    if (!op.accumulate.empty()) {
      const int t = index.at(op.accumulate);
      const TraceOp& target = trace.ops[static_cast<size_t>(t)];
      if (op.kind == OpKind::LowRankDown || target.kind == OpKind::LowRankDown)
        throw Error(fmt::format("--functional: op '{}' accumulates onto '{}', but an lr_down's result stays on chip "
                                "and the simulator adds no output into or out of it",
                                op.name, target.name));
      if (target.abits != op.abits)
        throw Error(fmt::format("--functional: op '{}' ({}-bit activations) accumulates onto '{}' ({}-bit): the "
                                "codes it reads back would not be the ones written",
                                op.name, op.abits, target.name, target.abits));
      f.accumulate_op = t;
      f.layer = data.ops[static_cast<size_t>(t)].layer;
    } else if (op.kind != OpKind::LowRankDown) {
      f.layer = static_cast<int>(i);
    }
  }
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    const hw::FunctionalOp& up = data.ops[i];
    if (trace.ops[i].kind != OpKind::LowRankUp) continue;
    hw::FunctionalOp& down = data.ops[static_cast<size_t>(up.input_op)];
    if (down.layer >= 0 && (down.layer != up.layer || down.out_bits != up.abits))
      throw Error(fmt::format("--functional: lr_down '{}' feeds lr_ups of different layers or activation bits",
                              trace.ops[static_cast<size_t>(up.input_op)].name));
    down.layer = up.layer;
    down.out_bits = up.abits;  // T is requantized to the lr_up's activation precision
  }
  for (size_t i = 0; i < trace.ops.size(); ++i)
    if (data.ops[i].layer < 0) data.ops[i].layer = static_cast<int>(i);  // an lr_down nothing reads
}

}  // namespace

hw::FunctionalData functional_operands(const Trace& trace, const std::string& path, uint64_t seed) {
  const std::vector<SavedLayer> saved = load_compressed(path);
  std::map<std::string, const CompressedLayer*> by_name;
  for (const SavedLayer& s : saved) by_name[s.layer.name] = &s.layer;
  hw::FunctionalData data;
  for (const TraceOp& op : trace.ops) {
    std::string base = op.name;
    if (op.kind == OpKind::LowRankDown && ends_with(base, ".lr_down")) base.resize(base.size() - 8);
    if (op.kind == OpKind::LowRankUp && ends_with(base, ".lr_up")) base.resize(base.size() - 6);
    const auto it = by_name.find(base);
    if (it == by_name.end())
      throw Error(fmt::format("--functional: op '{}' has no layer '{}' in {} (make the trace from this file with "
                              "'itera trace --decomposition')",
                              op.name, base, path));
    const CompressedLayer& l = *it->second;
    hw::FunctionalOp f;
    f.enabled = true;
    f.m = op.m;
    f.k = op.k;
    f.n = op.n;
    f.wbits = op.wbits;
    f.abits = op.abits;
    f.w.resize(static_cast<size_t>(op.n) * static_cast<size_t>(op.k));
    const auto shape_error = [&](int rows, int cols) {
      return Error(fmt::format("--functional: op '{}' is {} x {} (N x K) but layer '{}' gives {} x {}", op.name, op.n,
                               op.k, base, rows, cols));
    };
    if (op.kind == OpKind::Dense) {
      const QuantizedMatrix& q = codes_of(l.dense ? &*l.dense : nullptr, op, "dense");
      if (q.rows != op.n || q.cols != op.k) throw shape_error(q.rows, q.cols);
      f.w_signed = q.spec.symmetric;
      for (int n = 0; n < op.n; ++n)
        for (int k = 0; k < op.k; ++k) f.w[static_cast<size_t>(n) * op.k + k] = q.code(n, k);
    } else {
      if (!l.low_rank) throw Error(fmt::format("--functional: op '{}' needs low-rank factors; '{}' has none", op.name, base));
      if (op.kind == OpKind::LowRankDown) {
        const QuantizedMatrix& b = codes_of(&l.low_rank->b, op, "B factor");
        if (b.rows != op.n || b.cols != op.k) throw shape_error(b.rows, b.cols);
        f.w_signed = b.spec.symmetric;
        for (int n = 0; n < op.n; ++n)
          for (int k = 0; k < op.k; ++k) f.w[static_cast<size_t>(n) * op.k + k] = b.code(n, k);
      } else {
        const QuantizedMatrix& at = codes_of(&l.low_rank->at, op, "A factor");
        if (at.cols != op.n || at.rows != op.k) throw shape_error(at.cols, at.rows);
        f.w_signed = at.spec.symmetric;
        for (int n = 0; n < op.n; ++n)
          for (int k = 0; k < op.k; ++k) f.w[static_cast<size_t>(n) * op.k + k] = at.code(k, n);
      }
    }
    f.out_bits = op.abits;
    data.ops.push_back(std::move(f));
  }
  link_chain(trace, data);
  // One input X per layer, shared by the layer's ops that read the layer input.
  std::map<int, int> first_reader;  // layer -> the op whose X it is
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    hw::FunctionalOp& f = data.ops[i];
    const TraceOp& op = trace.ops[i];
    f.shift = hw::requant_shift(f.k, f.wbits, f.w_signed, f.abits, f.out_bits);
    if (f.input_op >= 0) continue;
    const auto [reader, fresh] = first_reader.emplace(f.layer, static_cast<int>(i));
    if (!fresh) {
      const hw::FunctionalOp& g = data.ops[static_cast<size_t>(reader->second)];
      if (g.m != f.m || g.k != f.k || g.abits != f.abits)
        throw Error(fmt::format("--functional: ops '{}' and '{}' both read the input of layer '{}' but as {} x {} "
                                "({}-bit) and {} x {} ({}-bit)",
                                trace.ops[static_cast<size_t>(reader->second)].name, op.name,
                                trace.ops[static_cast<size_t>(f.layer)].name, g.m, g.k, g.abits, f.m, f.k, f.abits));
      f.x = g.x;
      continue;
    }
    // The layer input: uniform over the signed abits range, seeded by the layer's name.
    Rng rng(seed ^ stable_hash(trace.ops[static_cast<size_t>(f.layer)].name));
    const uint64_t span = uint64_t{1} << op.abits;
    const int64_t lo = -static_cast<int64_t>(span / 2);
    f.x.resize(static_cast<size_t>(op.m) * static_cast<size_t>(op.k));
    for (int16_t& v : f.x) v = static_cast<int16_t>(lo + static_cast<int64_t>(rng.below(span)));
  }
  return data;
}

namespace {

using IntMatrix = Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
IntMatrix matrix_of(const std::vector<T>& values, int rows, int cols) {
  IntMatrix out(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) out(r, c) = values[static_cast<size_t>(r) * static_cast<size_t>(cols) + c];
  return out;
}

// floor(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The rules of models/functional_data.h, written out again for the reference.
int64_t ref_wrap32(int64_t v) {
  const int64_t two32 = int64_t{1} << 32;
  return v - two32 * floor_div(v + two32 / 2, two32);
}
int64_t ref_requantize(int64_t v, int shift, int bits) {
  if (shift > 0) v = floor_div(v + (int64_t{1} << shift) / 2, int64_t{1} << shift);
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -(int64_t{1} << (bits - 1));
  return std::min(hi, std::max(lo, v));
}

struct Difference {
  int m = 0, n = 0;
  int64_t got = 0, want = 0;
};

// The first element (row-major) where `got` differs from `want`.
template <class T>
std::optional<Difference> first_difference(const std::vector<T>& got, const IntMatrix& want) {
  if (got.size() != static_cast<size_t>(want.size()))
    throw Error(fmt::format("internal: functional mode recorded {} values where {} were expected", got.size(),
                            want.size()));
  for (int m = 0; m < want.rows(); ++m)
    for (int n = 0; n < want.cols(); ++n) {
      const int64_t g = got[static_cast<size_t>(m) * static_cast<size_t>(want.cols()) + n];
      if (g != want(m, n)) return Difference{m, n, g, want(m, n)};
    }
  return std::nullopt;
}

}  // namespace

std::string check_functional(const Trace& trace, const hw::FunctionalData& data, FunctionalSummary* summary) {
  const size_t count = trace.ops.size();
  std::vector<IntMatrix> out(count);        // per op: the codes its result left as (T, or written to DRAM)
  std::map<int, IntMatrix> region;          // per layer: what its output region holds
  std::string first_stage;                  // the first op stage that differs
  FunctionalSummary sum;
  for (size_t i = 0; i < count; ++i) {
    const hw::FunctionalOp& f = data.ops[i];
    const std::string& name = trace.ops[i].name;
    const auto stage = [&](const char* what, const std::optional<Difference>& d) {
      if (d && first_stage.empty())
        first_stage = fmt::format("op '{}': {} [{}, {}] is {} but the Eigen integer reference gives {}", name, what,
                                  d->m, d->n, d->got, d->want);
    };
    // The op's input: the layer input X, or the reference result of the op it reads.
    const IntMatrix x = f.input_op < 0 ? matrix_of(f.x, f.m, f.k) : out[static_cast<size_t>(f.input_op)];
    const IntMatrix w = matrix_of(f.w, f.n, f.k);
    const IntMatrix acc = (x * w.transpose()).unaryExpr(&ref_wrap32);
    sum.op_outputs += acc.size();
    if (f.gathered) ++sum.gathered;
    stage("accumulator", first_difference(f.acc, acc));
    IntMatrix total = acc;
    if (f.accumulate_op >= 0) {
      const IntMatrix& read_back = region.at(f.layer);
      stage("read-back code", first_difference(f.read_back, read_back));
      const int64_t scale = int64_t{1} << f.shift;
      for (Eigen::Index e = 0; e < total.size(); ++e)
        total.data()[e] = ref_wrap32(total.data()[e] + read_back.data()[e] * scale);
    }
    IntMatrix codes = total.unaryExpr([&](int64_t v) { return ref_requantize(v, f.shift, f.out_bits); });
    const bool on_chip = trace.ops[i].kind == OpKind::LowRankDown;
    stage(on_chip ? "intermediate T (on chip)" : "code written to DRAM", first_difference(f.out, codes));
    if (!on_chip) region[f.layer] = codes;
    out[i] = std::move(codes);
  }
  std::string first_layer;
  for (const auto& [layer, want] : region) {
    const hw::FunctionalOp& owner = data.ops[static_cast<size_t>(layer)];
    ++sum.layers;
    sum.final_outputs += want.size();
    const std::optional<Difference> d = first_difference(owner.final_out, want);
    if (!d || !first_layer.empty()) continue;
    std::string ops;
    for (size_t j = 0; j < count; ++j)
      if (data.ops[j].layer == layer) ops += (ops.empty() ? "" : ", ") + trace.ops[j].name;
    first_layer = fmt::format(
        "layer '{}' (ops {}): final output [{}, {}] is {} in DRAM but the Eigen integer reference of the chain "
        "gives {}",
        trace.ops[static_cast<size_t>(layer)].name, ops, d->m, d->n, d->got, d->want);
  }
  if (summary != nullptr) *summary = sum;
  if (!first_layer.empty())
    return first_stage.empty() ? first_layer : first_layer + "; first stage that differs: " + first_stage;
  return first_stage;
}

}  // namespace itera
