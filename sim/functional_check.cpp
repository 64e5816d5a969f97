#include "functional_check.h"

#include <map>

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
    // Activation codes: uniform over the signed abits range, seeded per op.
    Rng rng(seed ^ stable_hash(op.name));
    const uint64_t span = uint64_t{1} << op.abits;
    const int64_t lo = -static_cast<int64_t>(span / 2);
    f.x.resize(static_cast<size_t>(op.m) * static_cast<size_t>(op.k));
    for (int16_t& v : f.x) v = static_cast<int16_t>(lo + static_cast<int64_t>(rng.below(span)));
    f.y.assign(static_cast<size_t>(op.m) * static_cast<size_t>(op.n), 0);
    data.ops.push_back(std::move(f));
  }
  return data;
}

std::string check_functional(const Trace& trace, const hw::FunctionalData& data) {
  using IntMatrix = Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    const hw::FunctionalOp& f = data.ops[i];
    IntMatrix x(f.m, f.k), w(f.n, f.k);
    for (int m = 0; m < f.m; ++m)
      for (int k = 0; k < f.k; ++k) x(m, k) = f.x[static_cast<size_t>(m) * f.k + k];
    for (int n = 0; n < f.n; ++n)
      for (int k = 0; k < f.k; ++k) w(n, k) = f.w[static_cast<size_t>(n) * f.k + k];
    const IntMatrix ref = x * w.transpose();
    for (int m = 0; m < f.m; ++m)
      for (int n = 0; n < f.n; ++n) {
        const int64_t got = f.y[static_cast<size_t>(m) * f.n + n];
        if (got != ref(m, n))
          return fmt::format("op '{}': output [{}, {}] is {} but the Eigen integer reference gives {}",
                             trace.ops[i].name, m, n, got, ref(m, n));
      }
  }
  return "";
}

}  // namespace itera
