#include "trace_builder.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "error.h"

namespace itera {

// ---- building -----------------------------------------------------------------------

int PhaseSpec::m() const { return phase == Prefill ? seq_len * batch : batch; }

const char* phase_name(PhaseSpec::Phase p) { return p == PhaseSpec::Prefill ? "prefill" : "decode"; }

PhaseSpec::Phase parse_phase(const std::string& text) {
  if (text == "prefill") return PhaseSpec::Prefill;
  if (text == "decode") return PhaseSpec::Decode;
  throw Error(fmt::format("unknown phase '{}'; allowed: prefill (the whole prompt at once), decode (one new token "
                          "per sequence)",
                          text));
}

void validate_phase(const PhaseSpec& p) {
  if (p.seq_len < 1) throw Error(fmt::format("--seq-len must be >= 1 (got {})", p.seq_len));
  if (p.batch < 1) throw Error(fmt::format("--batch must be >= 1 (got {})", p.batch));
  if (p.abits < 2 || p.abits > 16) throw Error(fmt::format("--abits = {} is out of range; allowed: 2..16", p.abits));
  if (p.phase == PhaseSpec::Prefill && int64_t{p.seq_len} * p.batch > INT_MAX)
    throw Error(
        fmt::format("--seq-len x --batch = {} x {} is too large; M must be <= {}", p.seq_len, p.batch, INT_MAX));
}

namespace {

// The trace's group field: 0 for per-channel / per-vector scales (and, as the closest
// layout, per-tensor ones and F16, which has no scales), else the group size.
int trace_group(const QuantSpec& s) {
  return !s.is_float16() && s.granularity == Granularity::Group ? s.group : 0;
}

// What one linear layer (rows x cols, out x in) turns into.
struct LayerPlan {
  std::string name;
  int rows = 0;
  int cols = 0;
  int repeat = 1;
  std::optional<QuantSpec> dense;
  int rank = 0;          // 0: no low-rank part
  QuantSpec down_spec;   // B: r x cols
  QuantSpec up_spec;     // A: rows x r
};

void append_layer(Trace& t, const LayerPlan& l, const PhaseSpec& p) {
  TraceOp base;
  base.m = p.m();
  base.abits = p.abits;
  base.repeat = l.repeat;
  if (l.dense) {
    TraceOp d = base;
    d.name = l.name;
    d.kind = OpKind::Dense;
    d.k = l.cols;
    d.n = l.rows;
    d.wbits = l.dense->bits;
    d.group = trace_group(*l.dense);
    t.ops.push_back(d);
  }
  if (l.rank == 0) return;
  TraceOp down = base;
  down.name = l.name + ".lr_down";
  down.kind = OpKind::LowRankDown;
  down.k = l.cols;
  down.n = l.rank;
  down.rank = l.rank;
  down.wbits = l.down_spec.bits;
  down.group = trace_group(l.down_spec);
  TraceOp up = base;
  up.name = l.name + ".lr_up";
  up.kind = OpKind::LowRankUp;
  up.k = l.rank;
  up.n = l.rows;
  up.rank = l.rank;
  up.wbits = l.up_spec.bits;
  up.group = trace_group(l.up_spec);
  up.input = down.name;
  if (l.dense) up.accumulate = l.name;
  t.ops.push_back(down);
  t.ops.push_back(up);
}

void add_phase_meta(Trace& t, const PhaseSpec& p) {
  t.meta.emplace_back("phase", phase_name(p.phase));
  t.meta.emplace_back("seq_len", std::to_string(p.seq_len));
  t.meta.emplace_back("batch", std::to_string(p.batch));
  t.meta.emplace_back("abits", std::to_string(p.abits));
}

// "32,mlp=64": the --rank text that gives this spec.
std::string rank_text(const RankSpec& r) {
  std::vector<std::string> parts;
  if (r.default_rank >= 0) parts.push_back(std::to_string(r.default_rank));
  for (const auto& [pattern, rank] : r.overrides) parts.push_back(fmt::format("{}={}", pattern, rank));
  return fmt::format("{}", fmt::join(parts, ","));
}

// Each catalog layer (the head only with include_head) as `layer_method` compresses it,
// checked as `itera decompose` checks it; then the whole trace is validated.
void append_catalog_layers(Trace& t, const CatalogModel& model, bool include_head, const PhaseSpec& phase,
                           const LayerMethodFn& layer_method) {
  for (const auto& layer : model.layers) {
    if (!layer.in_block && !include_head) continue;
    const auto [m, o] = layer_method(layer.name);
    if (!m) throw Error(fmt::format("trace of catalog model '{}': layer '{}' has no method", model.name, layer.name));
    validate_layer_options(layer.name, layer.rows, layer.cols, *m, o);
    LayerPlan plan{layer.name, layer.rows, layer.cols, layer.repeat, std::nullopt, m->uses_rank() ? o.rank : 0,
                   o.factor, o.factor};
    if (m->uses_dense(o)) plan.dense = o.weight;
    append_layer(t, plan, phase);
  }
  validate_trace(t, fmt::format("trace of catalog model '{}'", model.name));
}

}  // namespace

Trace trace_from_catalog(const CatalogModel& model, bool include_head, const std::string& method,
                         const MethodOptions& opts, const RankSpec& ranks, const PhaseSpec& phase) {
  validate_phase(phase);
  const std::unique_ptr<Method> m = make_method(method);
  const bool dense = m->uses_dense(opts), low_rank = m->uses_rank();
  Trace t;
  t.meta.emplace_back("source", "catalog " + model.name);
  if (include_head) t.meta.emplace_back("include_head", "yes");
  add_phase_meta(t, phase);
  t.meta.emplace_back("method", m->name());
  if (low_rank) t.meta.emplace_back("form", dense ? "compensated" : "factorized");
  if (dense) t.meta.emplace_back("weight", opts.weight.describe());
  if (low_rank) t.meta.emplace_back("factor", opts.factor.describe());
  if (low_rank) t.meta.emplace_back("rank", rank_text(ranks));

  // As in `itera decompose`: a rank given to a method without one is an error.
  const bool rank_given = ranks.default_rank >= 0 || !ranks.overrides.empty();
  append_catalog_layers(t, model, include_head, phase, [&](const std::string& layer) {
    MethodOptions o = opts;
    o.rank = low_rank || rank_given ? ranks.rank_for(layer) : 0;
    return std::make_pair(static_cast<const Method*>(m.get()), o);
  });
  return t;
}

Trace trace_from_catalog(const CatalogModel& model, bool include_head, const std::string& describe,
                         const LayerMethodFn& layer_method, const PhaseSpec& phase) {
  validate_phase(phase);
  Trace t;
  t.meta.emplace_back("source", "catalog " + model.name);
  if (include_head) t.meta.emplace_back("include_head", "yes");
  add_phase_meta(t, phase);
  t.meta.emplace_back("method", describe);
  append_catalog_layers(t, model, include_head, phase, layer_method);
  return t;
}

Trace trace_from_compressed(const std::vector<SavedLayer>& layers, const PhaseSpec& phase) {
  validate_phase(phase);
  Trace t;
  add_phase_meta(t, phase);
  std::vector<std::string> methods, forms;
  auto note = [](std::vector<std::string>& seen, const std::string& v) {
    if (std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
  };
  for (const auto& s : layers) {
    const CompressedLayer& l = s.layer;
    LayerPlan plan{l.name, l.rows, l.cols, s.repeat, std::nullopt, l.rank(), {}, {}};
    if (l.dense) plan.dense = l.dense->spec;
    if (l.low_rank) {
      plan.down_spec = l.low_rank->b.spec;
      plan.up_spec = l.low_rank->at.spec;
      note(forms, l.dense ? "compensated" : "factorized");
    }
    note(methods, l.method);
    append_layer(t, plan, phase);
  }
  if (!methods.empty()) t.meta.emplace_back("method", fmt::format("{}", fmt::join(methods, ",")));
  if (!forms.empty()) t.meta.emplace_back("form", fmt::format("{}", fmt::join(forms, ",")));
  validate_trace(t, "trace of saved layers");
  return t;
}

}  // namespace itera
