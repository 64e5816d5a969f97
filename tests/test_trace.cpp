// Layer traces against independent expectations: a hand-written trace in the
// canonical layout, MAC counts from closed forms written out here, the op structure
// each method implies, every validation rule with the line it must name, SCALE-Sim
// topology files, and the `itera trace` CLI end to end.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog.h"
#include "compressed_io.h"
#include "decompose.h"
#include "error.h"
#include "method.h"
#include "scalesim_topology.h"
#include "synthetic.h"
#include "test_support.h"
#include "trace.h"
#include "trace_builder.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using ::itera::testing::CliResult;
using ::itera::testing::contains;
using ::itera::testing::contains_all;
using ::itera::testing::error_of;
using ::itera::testing::run_cli;
using ::itera::testing::shell_quote;
using ::itera::testing::TempDir;
using ::itera::testing::write_file;

// ---- helpers -------------------------------------------------------------------------

// Expects parsing `text` (as "t.trace") to fail with a message holding every part.
void expect_parse_error(const std::string& text, const std::vector<std::string>& parts) {
  EXPECT_TRUE(contains_all(error_of([&] { parse_trace(text, "t.trace"); }), parts)) << "for:\n" << text;
}

// A trace text: the header, then the given lines (each gets a newline).
std::string trace_text(const std::vector<std::string>& lines) {
  std::string s = "itera-trace 1\n";
  for (const auto& l : lines) s += l + "\n";
  return s;
}

PhaseSpec prefill(int seq_len, int batch = 1) {
  PhaseSpec p;
  p.phase = PhaseSpec::Prefill;
  p.seq_len = seq_len;
  p.batch = batch;
  return p;
}

PhaseSpec decode(int batch) {
  PhaseSpec p;
  p.phase = PhaseSpec::Decode;
  p.batch = batch;
  return p;
}

MethodOptions method_options(int bits, int factor_bits, Form form = Form::Factorized) {
  MethodOptions o;
  o.weight.bits = bits;
  o.factor.bits = factor_bits;
  o.form = form;
  return o;
}

RankSpec rank(int r) { return RankSpec{r, {}}; }
RankSpec no_rank() { return RankSpec{-1, {}}; }

// stories260k's linear layers written out independently of the catalog:
// hidden 64, intermediate 172, 8 heads of which 4 KV (KV width 32), 5 blocks.
struct Shape {
  std::string name;
  int rows;  // out
  int cols;  // in
};
const std::vector<Shape> kStories = {
    {"model.layers.*.self_attn.q_proj", 64, 64}, {"model.layers.*.self_attn.k_proj", 32, 64},
    {"model.layers.*.self_attn.v_proj", 32, 64}, {"model.layers.*.self_attn.o_proj", 64, 64},
    {"model.layers.*.mlp.gate_proj", 172, 64},   {"model.layers.*.mlp.up_proj", 172, 64},
    {"model.layers.*.mlp.down_proj", 64, 172},
};

// Expects `got` to equal `want`, field by field so that a mismatch names the field.
// TraceOp{name, kind, m, k, n, wbits, abits, group, rank, repeat, input, accumulate}.
void expect_op(const TraceOp& got, const TraceOp& want) {
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.kind, want.kind) << want.name;
  EXPECT_EQ(got.m, want.m) << want.name;
  EXPECT_EQ(got.k, want.k) << want.name;
  EXPECT_EQ(got.n, want.n) << want.name;
  EXPECT_EQ(got.wbits, want.wbits) << want.name;
  EXPECT_EQ(got.abits, want.abits) << want.name;
  EXPECT_EQ(got.group, want.group) << want.name;
  EXPECT_EQ(got.rank, want.rank) << want.name;
  EXPECT_EQ(got.repeat, want.repeat) << want.name;
  EXPECT_EQ(got.input, want.input) << want.name;
  EXPECT_EQ(got.accumulate, want.accumulate) << want.name;
}

// Checks that `ops` (from index i) hold the ops of one layer: a dense op when
// `dense`, an lr pair when rank > 0, linked as the format requires. Activation
// bits are not checked here (the callers check them).
size_t expect_layer_ops(const std::vector<TraceOp>& ops, size_t i, const Shape& s, int m, int repeat, bool dense,
                        int rank, int wbits, int fbits, int group = 0, int fgroup = 0) {
  auto next_is = [&](TraceOp want) {
    EXPECT_LT(i, ops.size()) << "no op for " << want.name;
    if (i >= ops.size()) return false;
    want.abits = ops[i].abits;
    expect_op(ops[i++], want);
    return true;
  };
  if (dense && !next_is({s.name, OpKind::Dense, m, s.cols, s.rows, wbits, 0, group, 0, repeat, "", ""})) return i;
  if (rank == 0) return i;
  const std::string down = s.name + ".lr_down";
  if (!next_is({down, OpKind::LowRankDown, m, s.cols, rank, fbits, 0, fgroup, rank, repeat, "", ""})) return i;
  next_is({s.name + ".lr_up", OpKind::LowRankUp, m, rank, s.rows, fbits, 0, fgroup, rank, repeat, down,
           dense ? s.name : ""});
  return i;
}

std::string meta_of(const Trace& t, const std::string& key) {
  for (const auto& [k, v] : t.meta)
    if (k == key) return v;
  return "<missing>";
}

// ---- format ------------------------------------------------------------------------

// The canonical layout, written by hand: columns padded to their widest cell,
// names/kinds/references left-aligned, numbers right-aligned, two spaces apart.
const std::string kCanonical =
    "itera-trace 1\n"
    "@source hand written\n"
    "@phase prefill\n"
    "@flag\n"
    "# columns: name kind M K N wbits abits group rank repeat input accumulate\n"
    "w          dense    16  64  96   4   8  32  0  2  -          -\n"
    "w.lr_down  lr_down  16  64   8  16   8   0  8  2  -          -\n"
    "w.lr_up    lr_up    16   8  96   3  16   0  8  2  w.lr_down  w\n";

TEST(TraceFormat, HandWrittenTraceRoundTripsByteForByte) {
  const Trace t = parse_trace(kCanonical, "canonical.trace");
  ASSERT_EQ(t.meta.size(), 3u);
  EXPECT_EQ(t.meta[0], std::make_pair(std::string("source"), std::string("hand written")));
  EXPECT_EQ(t.meta[1], std::make_pair(std::string("phase"), std::string("prefill")));
  EXPECT_EQ(t.meta[2], std::make_pair(std::string("flag"), std::string("")));
  ASSERT_EQ(t.ops.size(), 3u);
  expect_op(t.ops[0], {"w", OpKind::Dense, 16, 64, 96, 4, 8, 32, 0, 2, "", ""});
  expect_op(t.ops[1], {"w.lr_down", OpKind::LowRankDown, 16, 64, 8, 16, 8, 0, 8, 2, "", ""});
  expect_op(t.ops[2], {"w.lr_up", OpKind::LowRankUp, 16, 8, 96, 3, 16, 0, 8, 2, "w.lr_down", "w"});
  EXPECT_EQ(format_trace(t), kCanonical);
}

TEST(TraceFormat, CommentsSpacingAndCrlfDoNotChangeTheTrace) {
  const std::string messy =
      "itera-trace 1   # the header may carry a comment\r\n"
      "\n"
      "   # a comment line\n"
      "@source   hand written   # trailing comment\n"
      "@phase prefill\n"
      "@flag\n"
      "w dense 16 64 96 4 8 32 0 2 - -\r\n"
      "\t\n"
      "w.lr_down\tlr_down 16 64 8 16 8 0 8 2 - -   # the B factor\n"
      "w.lr_up lr_up 16 8 96 3 16 0 8 2 w.lr_down w";  // no final newline
  EXPECT_EQ(parse_trace(messy, "messy.trace"), parse_trace(kCanonical, "canonical.trace"));
}

TEST(TraceFormat, BuiltTracesRoundTrip) {
  const CatalogModel& m = find_catalog_model("stories260k");
  const std::vector<std::pair<std::string, Form>> methods = {
      {"rtn", Form::Factorized},   {"svd", Form::Factorized},  {"itera", Form::Factorized},
      {"itera", Form::Compensated}, {"lorc", Form::Factorized}, {"loftq", Form::Factorized}};
  for (const auto& [name, form] : methods) {
    const RankSpec r = name == "rtn" ? no_rank() : rank(8);
    const Trace t = trace_from_catalog(m, true, name, method_options(3, 4, form), r, decode(3));
    const std::string text = format_trace(t);
    EXPECT_EQ(parse_trace(text, "built.trace"), t) << name;
    EXPECT_EQ(format_trace(parse_trace(text, "built.trace")), text) << name;
  }
}

TEST(TraceFormat, OpCounts) {
  TraceOp op;
  op.m = 7;
  op.k = 3;
  op.n = 5;
  op.repeat = 4;
  op.wbits = 3;
  EXPECT_EQ(op.macs(), 7 * 3 * 5 * 4);
  EXPECT_EQ(op.weight_bytes(), 6);  // 3 * 5 * 3 = 45 bits -> 6 bytes; repeat not counted
  op.wbits = 16;
  EXPECT_EQ(op.weight_bytes(), 30);
  op.k = 4096;
  op.n = 11008;
  op.wbits = 4;
  EXPECT_EQ(op.weight_bytes(), int64_t{4096} * 11008 / 2);
}

// ---- MAC conservation --------------------------------------------------------------

TEST(TraceMacs, Llama2_7bRtnPrefillMatchesClosedForm) {
  const Trace t = trace_from_catalog(find_catalog_model("llama2-7b"), false, "rtn", method_options(4, 4), no_rank(),
                                     prefill(512));
  // Per block: q, k, v, o are 4096x4096; gate, up are 11008x4096; down is 4096x11008.
  const int64_t per_block = 4 * int64_t{4096} * 4096 + 3 * int64_t{4096} * 11008;
  EXPECT_EQ(t.total_macs(), 512 * (32 * per_block));
  EXPECT_EQ(t.ops.size(), 7u);
}

TEST(TraceMacs, Llama2_7bIteraCompensatedAddsTheRankTerms) {
  const Trace t = trace_from_catalog(find_catalog_model("llama2-7b"), false, "itera",
                                     method_options(3, 4, Form::Compensated), rank(64), prefill(512));
  const int64_t per_block = 4 * int64_t{4096} * 4096 + 3 * int64_t{4096} * 11008;
  // K + N per layer: q, k, v, o: 4096 + 4096; gate, up: 4096 + 11008; down: 11008 + 4096.
  const int64_t k_plus_n = 8192 + 8192 + 8192 + 8192 + 15104 + 15104 + 15104;
  EXPECT_EQ(k_plus_n, 78080);
  EXPECT_EQ(t.total_macs(), 512 * (32 * per_block) + int64_t{512} * 64 * k_plus_n * 32);
  EXPECT_EQ(t.ops.size(), 21u);
}

TEST(TraceMacs, DecodeUsesOneTokenPerSequence) {
  const Trace t = trace_from_catalog(find_catalog_model("llama2-7b"), false, "rtn", method_options(4, 4), no_rank(),
                                     decode(4));
  for (const auto& op : t.ops) EXPECT_EQ(op.m, 4) << op.name;
  const int64_t per_block = 4 * int64_t{4096} * 4096 + 3 * int64_t{4096} * 11008;
  EXPECT_EQ(t.total_macs(), 4 * 32 * per_block);
  // Prefill multiplies by the sequence too.
  const Trace p = trace_from_catalog(find_catalog_model("llama2-7b"), false, "rtn", method_options(4, 4), no_rank(),
                                     prefill(100, 3));
  for (const auto& op : p.ops) EXPECT_EQ(op.m, 300) << op.name;
}

TEST(TraceMacs, HeadIsIncludedOnlyWhenAsked) {
  const CatalogModel& m = find_catalog_model("llama2-7b");
  const Trace without = trace_from_catalog(m, false, "rtn", method_options(4, 4), no_rank(), decode(1));
  const Trace with = trace_from_catalog(m, true, "rtn", method_options(4, 4), no_rank(), decode(1));
  ASSERT_EQ(with.ops.size(), without.ops.size() + 1);
  const TraceOp& head = with.ops.back();
  EXPECT_EQ(head.name, "lm_head");
  EXPECT_EQ(head.k, 4096);
  EXPECT_EQ(head.n, 32000);
  EXPECT_EQ(head.repeat, 1);
  EXPECT_EQ(with.total_macs() - without.total_macs(), int64_t{4096} * 32000);
}

// ---- op structure per method -------------------------------------------------------

struct MethodCase {
  std::string method;
  Form form;
  bool dense;
  bool low_rank;
};

TEST(TraceBuild, OpStructureForEachMethod) {
  const CatalogModel& m = find_catalog_model("stories260k");
  const std::vector<MethodCase> cases = {
      {"rtn", Form::Factorized, true, false},  {"svd", Form::Factorized, false, true},
      {"itera", Form::Factorized, false, true}, {"itera", Form::Compensated, true, true},
      {"lorc", Form::Factorized, true, true},  {"loftq", Form::Factorized, true, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + form_name(c.form));
    const Trace t = trace_from_catalog(m, false, c.method, method_options(3, 5, c.form),
                                       c.low_rank ? rank(6) : no_rank(), prefill(10, 2));
    const size_t per_layer = (c.dense ? 1u : 0u) + (c.low_rank ? 2u : 0u);
    ASSERT_EQ(t.ops.size(), per_layer * kStories.size());
    size_t i = 0;
    for (const auto& s : kStories) i = expect_layer_ops(t.ops, i, s, 20, 5, c.dense, c.low_rank ? 6 : 0, 3, 5);
    for (const auto& op : t.ops) EXPECT_EQ(op.abits, 8);
    EXPECT_EQ(meta_of(t, "method"), c.method);
    EXPECT_EQ(meta_of(t, "phase"), "prefill");
    EXPECT_EQ(meta_of(t, "seq_len"), "10");
    EXPECT_EQ(meta_of(t, "batch"), "2");
    EXPECT_EQ(meta_of(t, "source"), "catalog stories260k");
  }
}

TEST(TraceBuild, GroupsF16FactorsRankOverridesAndActivationBits) {
  const CatalogModel& m = find_catalog_model("stories260k");
  MethodOptions o = method_options(4, 16, Form::Compensated);
  o.weight.granularity = Granularity::Group;
  o.weight.group = 32;
  PhaseSpec p = decode(1);
  p.abits = 6;
  const Trace t = trace_from_catalog(m, true, "itera", o, RankSpec::parse("4,mlp=8,down_proj=2"), p);
  size_t i = 0;
  for (const auto& s : kStories) {
    const int r = contains(s.name, "down_proj") ? 2 : contains(s.name, "mlp") ? 8 : 4;
    i = expect_layer_ops(t.ops, i, s, 1, 5, true, r, 4, 16, 32, 0);
  }
  i = expect_layer_ops(t.ops, i, {"lm_head", 512, 64}, 1, 1, true, 4, 4, 16, 32, 0);
  EXPECT_EQ(i, t.ops.size());
  for (const auto& op : t.ops) EXPECT_EQ(op.abits, 6);
  EXPECT_EQ(meta_of(t, "rank"), "4,mlp=8,down_proj=2");

  // Grouped factors carry their group; per-tensor dense scales map to 0.
  MethodOptions g = method_options(4, 3, Form::Factorized);
  g.factor.granularity = Granularity::Group;
  g.factor.group = 16;
  const Trace tg = trace_from_catalog(m, false, "svd", g, rank(4), decode(1));
  for (const auto& op : tg.ops) EXPECT_EQ(op.group, 16) << op.name;
  MethodOptions pt = method_options(4, 3);
  pt.weight.granularity = Granularity::PerTensor;
  for (const auto& op : trace_from_catalog(m, false, "rtn", pt, no_rank(), decode(1)).ops) EXPECT_EQ(op.group, 0);
}

TEST(TraceBuild, BadOptionsAreErrors) {
  const CatalogModel& m = find_catalog_model("stories260k");
  auto error = [&](const std::string& method, const RankSpec& r, const PhaseSpec& p) {
    return error_of([&] { trace_from_catalog(m, false, method, method_options(4, 4), r, p); });
  };
  EXPECT_TRUE(contains_all(error("itera", rank(65), decode(1)), {"rank 65"}));
  EXPECT_TRUE(contains_all(error("rtn", rank(4), decode(1)), {"takes no rank"}));
  EXPECT_TRUE(contains_all(error("nope", rank(4), decode(1)), {"unknown method 'nope'"}));
  EXPECT_TRUE(contains_all(error("svd", rank(4), decode(0)), {"--batch must be >= 1 (got 0)"}));
  EXPECT_TRUE(contains_all(error("svd", rank(4), prefill(0)), {"--seq-len must be >= 1 (got 0)"}));
  PhaseSpec p = decode(1);
  p.abits = 17;
  EXPECT_TRUE(contains_all(error("svd", rank(4), p), {"--abits = 17"}));
  EXPECT_TRUE(contains_all(error("svd", rank(4), prefill(65536, 65536)), {"too large"}));
  EXPECT_TRUE(contains_all(error_of([&] { parse_phase("middle"); }), {"allowed: prefill"}));
}

// ---- from saved layers ---------------------------------------------------------------

TEST(TraceBuild, FromCompressedUsesEachLayersSpecsAndRank) {
  // Two layers saved and loaded back: itera compensated (4-bit g16 dense, 3-bit
  // factors, rank 8) and svd (F16 factors, rank 5).
  const Matrix w1 = synthetic_weight(96, 80, 1), w2 = synthetic_weight(48, 40, 2);
  MethodOptions o1 = method_options(4, 3, Form::Compensated);
  o1.weight.granularity = Granularity::Group;
  o1.weight.group = 16;
  o1.rank = 8;
  MethodOptions o2 = method_options(4, 16);
  o2.rank = 5;
  CompressedLayer l1 = make_method("itera")->compress(w1, o1);
  l1.name = "blk.a";
  CompressedLayer l2 = make_method("svd")->compress(w2, o2);
  l2.name = "blk.b";
  TempDir dir;
  const std::string path = dir.file("saved.safetensors");
  save_compressed(path, {{l1, 3}, {l2, 1}});
  const std::vector<SavedLayer> saved = load_compressed(path);

  const Trace t = trace_from_compressed(saved, prefill(7, 3));
  ASSERT_EQ(t.ops.size(), 5u);
  size_t i = expect_layer_ops(t.ops, 0, {"blk.a", 96, 80}, 21, 3, true, 8, 4, 3, 16, 0);
  i = expect_layer_ops(t.ops, i, {"blk.b", 48, 40}, 21, 1, false, 5, 0, 16);
  EXPECT_EQ(i, 5u);
  EXPECT_EQ(meta_of(t, "method"), "itera,svd");
  EXPECT_EQ(meta_of(t, "form"), "compensated,factorized");
  EXPECT_EQ(parse_trace(format_trace(t), "x.trace"), t);
}

TEST(TraceBuild, FromDecomposeSaveViaCli) {
  TempDir dir;
  const std::string save = dir.file("d.safetensors"), out = dir.file("d.trace");
  const CliResult d = run_cli("decompose --synthetic 96x80 --method itera --form compensated --rank 8 --bits 3 "
                              "--factor-bits 5 --no-timing --save " + shell_quote(save));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const CliResult r =
      run_cli("trace --decomposition " + shell_quote(save) + " --phase decode --batch 3 -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Trace t = read_trace(out);
  ASSERT_EQ(t.ops.size(), 3u);
  expect_layer_ops(t.ops, 0, {"synthetic.96x80", 96, 80}, 3, 1, true, 8, 3, 5);
  EXPECT_EQ(meta_of(t, "source"), "decomposition " + save);
  EXPECT_EQ(meta_of(t, "method"), "itera");
  EXPECT_EQ(meta_of(t, "phase"), "decode");
}

// ---- validation ----------------------------------------------------------------------

const std::string kDense = "d dense 4 64 32 4 8 0 0 2 - -";
const std::string kDown = "d.lr_down lr_down 4 64 8 4 8 0 8 2 - -";
const std::string kUp = "d.lr_up lr_up 4 8 32 4 8 0 8 2 d.lr_down d";

TEST(TraceValidate, TheValidTemplateParses) {
  const Trace t = parse_trace(trace_text({kDense, kDown, kUp}), "t.trace");
  EXPECT_EQ(t.total_macs(), 2 * (4 * 64 * 32 + 4 * 64 * 8 + 4 * 8 * 32));
}

TEST(TraceValidate, Header) {
  expect_parse_error("itera-trace 2\n" + kDense + "\n",
                     {"t.trace:1:", "unsupported trace version 2; this build reads version 1"});
  expect_parse_error("itera-trace 1 extra\n", {"t.trace:1:", "must start with the line 'itera-trace 1'"});
  expect_parse_error("hello\n", {"t.trace:1:", "must start with the line 'itera-trace 1'", "'hello'"});
  expect_parse_error("", {"t.trace:1:", "must start with the line 'itera-trace 1'"});
  expect_parse_error("\n" "itera-trace 1\n", {"t.trace:1:", "must start with"});
  expect_parse_error("itera-trace 1\n", {"t.trace", "no operations"});
}

TEST(TraceValidate, FieldCountAndKind) {
  expect_parse_error(trace_text({kDense, "e dense 4 64 32 4 8 0 0 2 -"}),
                     {"t.trace:3:", "expected 12 fields", "got 11"});
  expect_parse_error(trace_text({"e dense 4 64 32 4 8 0 0 2 - - extra"}), {"t.trace:2:", "got 13"});
  expect_parse_error(trace_text({"# c", "e conv 4 64 32 4 8 0 0 2 - -"}),
                     {"t.trace:3:", "field 2 (kind)", "unknown kind 'conv'", "allowed: dense, lr_down, lr_up"});
  expect_parse_error(trace_text({"@"}), {"t.trace:2:", "metadata needs a key"});
}

TEST(TraceValidate, IntegerFields) {
  expect_parse_error(trace_text({"e dense abc 64 32 4 8 0 0 2 - -"}),
                     {"t.trace:2:", "field 3 (M)", "'abc' is not an integer", "1..2147483647"});
  expect_parse_error(trace_text({"e dense 4 6.5 32 4 8 0 0 2 - -"}), {"t.trace:2:", "field 4 (K)", "'6.5'"});
  expect_parse_error(trace_text({"e dense 4 64 99999999999 4 8 0 0 2 - -"}),
                     {"t.trace:2:", "field 5 (N)", "99999999999 is out of range", "1..2147483647"});
  expect_parse_error(trace_text({"e dense 0 64 32 4 8 0 0 2 - -"}), {"t.trace:2:", "M = 0 is out of range"});
  expect_parse_error(trace_text({"e dense 4 -3 32 4 8 0 0 2 - -"}), {"t.trace:2:", "K = -3"});
  expect_parse_error(trace_text({"e dense 4 64 32 9 8 0 0 2 - -"}),
                     {"t.trace:2:", "wbits = 9 is out of range", "2..8, or 16"});
  expect_parse_error(trace_text({"e dense 4 64 32 1 8 0 0 2 - -"}), {"t.trace:2:", "wbits = 1"});
  expect_parse_error(trace_text({"e dense 4 64 32 4 1 0 0 2 - -"}), {"t.trace:2:", "abits = 1", "2..16"});
  expect_parse_error(trace_text({"e dense 4 64 32 4 17 0 0 2 - -"}), {"t.trace:2:", "abits = 17"});
  expect_parse_error(trace_text({"e dense 4 64 32 4 8 -1 0 2 - -"}), {"t.trace:2:", "group = -1"});
  expect_parse_error(trace_text({"e dense 4 64 32 4 8 0 3 2 - -"}), {"t.trace:2:", "rank = 3", "0 for a dense op"});
  expect_parse_error(trace_text({"e lr_down 4 64 0 4 8 0 0 2 - -"}), {"t.trace:2:", "N = 0"});
  expect_parse_error(trace_text({"e lr_down 4 64 1 4 8 0 0 2 - -"}),
                     {"t.trace:2:", "rank = 0", "1..2147483647 for lr_down / lr_up"});
  expect_parse_error(trace_text({"e dense 4 64 32 4 8 0 0 0 - -"}), {"t.trace:2:", "repeat = 0"});
  expect_parse_error(trace_text({"e dense 4 64 32 16 8 32 0 1 - -"}), {"t.trace:2:", "group = 32 with wbits = 16"});
  expect_parse_error(trace_text({"e dense 2147483647 2147483647 2147483647 4 8 0 0 1 - -"}),
                     {"t.trace:2:", "too large"});
}

TEST(TraceValidate, Names) {
  expect_parse_error(trace_text({kDense, "# x", kDense}), {"t.trace:4:", "duplicate op name", "line 2"});
  expect_parse_error(trace_text({"- dense 4 64 32 4 8 0 0 2 - -"}), {"t.trace:2:", "bad op name '-'"});
}

TEST(TraceValidate, References) {
  expect_parse_error(trace_text({kDense, "e dense 4 32 16 4 8 0 0 2 nope -"}),
                     {"t.trace:3:", "input 'nope' names no op"});
  expect_parse_error(trace_text({"e dense 4 32 16 4 8 0 0 2 d -", kDense}),
                     {"t.trace:2:", "input 'd' is a later op (line 3)", "earlier"});
  expect_parse_error(trace_text({kDense, "e dense 4 64 32 4 8 0 0 2 - e"}),
                     {"t.trace:3:", "accumulate 'e' is the op itself"});
  expect_parse_error(trace_text({kDense, "e dense 4 64 32 4 8 0 0 2 - zz"}),
                     {"t.trace:3:", "accumulate 'zz' names no op"});
  expect_parse_error(trace_text({kDense, kUp, kDown}), {"t.trace:3:", "input 'd.lr_down' is a later op (line 4)"});
}

TEST(TraceValidate, Shapes) {
  expect_parse_error(trace_text({"e lr_down 4 64 9 4 8 0 8 2 - -"}),
                     {"t.trace:2:", "N must equal rank (N = 9, rank = 8)"});
  expect_parse_error(trace_text({kDense, kDown, "d.lr_up lr_up 4 7 32 4 8 0 8 2 d.lr_down d"}),
                     {"t.trace:4:", "K must equal rank (K = 7, rank = 8)"});
  expect_parse_error(trace_text({"u lr_up 4 8 32 4 8 0 8 2 - -"}), {"t.trace:2:", "lr_up op needs an input"});
  expect_parse_error(trace_text({"x dense 4 64 8 4 8 0 0 2 - -", "u lr_up 4 8 32 4 8 0 8 2 x -"}),
                     {"t.trace:3:", "must be its lr_down", "'x' is dense"});
  expect_parse_error(trace_text({kDense, kDown, "d.lr_up lr_up 5 8 32 4 8 0 8 2 d.lr_down -"}),
                     {"t.trace:4:", "same M and rank", "M 5 vs 4"});
  expect_parse_error(trace_text({"s lr_down 4 64 4 4 8 0 4 2 - -", kDown, "u lr_up 4 8 32 4 8 0 8 2 s -"}),
                     {"t.trace:4:", "same M and rank", "rank 8 vs 4"});
  expect_parse_error(trace_text({kDense, kDown, "d.lr_up lr_up 4 8 31 4 8 0 8 2 d.lr_down d"}),
                     {"t.trace:4:", "accumulates into 'd'", "M and N must match"});
  expect_parse_error(trace_text({kDense, "e dense 4 16 8 4 8 0 0 2 d -"}),
                     {"t.trace:3:", "consumes the output of 'd'", "K = 32", "has M = 4, K = 16"});
  expect_parse_error(trace_text({kDense, "e dense 3 32 8 4 8 0 0 2 d -"}), {"t.trace:3:", "needs M = 4"});
  expect_parse_error(trace_text({kDense, kDown, "d.lr_up lr_up 4 8 32 4 8 0 8 1 d.lr_down -"}),
                     {"t.trace:4:", "repeat = 1", "'d.lr_down' has repeat = 2"});
  expect_parse_error(trace_text({kDense, "d.lr_down lr_down 4 64 8 4 8 0 8 2 - -",
                                 "d.lr_up lr_up 4 8 32 4 8 0 8 2 d.lr_down -", "x dense 4 64 32 4 8 0 0 3 - d"}),
                     {"t.trace:5:", "repeat = 3", "accumulate 'd' has repeat = 2"});
}

TEST(TraceValidate, BuiltTracesNameTheOpIndex) {
  Trace t = parse_trace(trace_text({kDense, kDown, kUp}), "t.trace");
  t.ops[1].n = 9;
  EXPECT_TRUE(contains_all(error_of([&] { validate_trace(t, "mine"); }), {"mine: op 2 'd.lr_down'"}));
  t = parse_trace(trace_text({kDense}), "t.trace");
  t.meta.emplace_back("bad", "has # hash");
  EXPECT_TRUE(contains_all(error_of([&] { validate_trace(t, "mine"); }), {"@bad"}));
  t.meta.back() = {"two words", "v"};
  EXPECT_TRUE(contains_all(error_of([&] { validate_trace(t, "mine"); }), {"bad metadata key"}));
}

TEST(TraceValidate, ReadTraceNamesTheFile) {
  TempDir dir;
  const std::string path = dir.file("bad.trace");
  write_file(path, trace_text({kDense, "x dense 4 64 32 4 8 0 0 2 - -", "x dense 4 64 32 4 8 0 0 2 - -"}));
  EXPECT_TRUE(contains_all(error_of([&] { read_trace(path); }), {path + ":4:"}));
  EXPECT_TRUE(contains_all(error_of([&] { read_trace(dir.file("missing.trace")); }), {"missing.trace"}));
}

// ---- SCALE-Sim topologies ------------------------------------------------------------

TEST(TraceScaleSim, GemmTopologyWithTrailingCommasAndSpaces) {
  TempDir dir;
  const std::string path = dir.file("gemm.csv");
  write_file(path,
             "Layer Name, M, N, K,\n"
             "QKT ,  1024 , 1000, 64 ,\r\n"
             "\n"
             "Test 1, 10, 20, 30,\n"
             "Linear1,7,5,3\n");
  const Trace t = read_scalesim_topology(path);
  ASSERT_EQ(t.ops.size(), 3u);
  // SCALE-Sim: M x K times K x N; dense 8-bit ops, per-channel scales, no repeat or links.
  expect_op(t.ops[0], {"QKT", OpKind::Dense, 1024, 64, 1000, 8, 8, 0, 0, 1, "", ""});
  expect_op(t.ops[1], {"Test_1", OpKind::Dense, 10, 30, 20, 8, 8, 0, 0, 1, "", ""});
  expect_op(t.ops[2], {"Linear1", OpKind::Dense, 7, 3, 5, 8, 8, 0, 0, 1, "", ""});
  EXPECT_EQ(t.total_macs(), int64_t{1024} * 1000 * 64 + 10 * 20 * 30 + 7 * 5 * 3);
  EXPECT_EQ(parse_trace(format_trace(t), "x"), t);

  // The scale-sim-v2 gpt2.csv style: "Layer,M,N,K", no trailing commas, any case.
  write_file(path, "layer,m,n,k\nfc,2,3,4\n");
  const Trace u = read_scalesim_topology(path);
  ASSERT_EQ(u.ops.size(), 1u);
  EXPECT_EQ(u.ops[0].macs(), 24);
}

TEST(TraceScaleSim, ErrorsNameTheLine) {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  auto expect_error = [&](const std::string& text, const std::vector<std::string>& parts) {
    write_file(path, text);
    EXPECT_TRUE(contains_all(error_of([&] { read_scalesim_topology(path); }), parts)) << "for:\n" << text;
  };
  expect_error("Layer name, IFMAP Height, IFMAP Width, Filter Height,\nconv1, 1, 2, 3,\n",
               {path + ":1:", "bad header", "expected 'Layer Name, M, N, K,'"});
  expect_error("Layer Name, M, N, K,\nfc1, 1, 2, 3,\nfc2, 1, 2,\n", {path + ":3:", "expected 4 fields", "got 3"});
  expect_error("Layer Name, M, N, K,\nfc1, 1, x, 3,\n", {path + ":2:", "N = 'x' is not an integer"});
  expect_error("Layer Name, M, N, K,\n\nfc1, 1, 2, 0,\n", {path + ":3:", "K = 0 is out of range", "1..2147483647"});
  expect_error("Layer Name, M, N, K,\nfc1, 1, 2, 3,\nfc1, 1, 2, 3,\n", {path + ":3:", "duplicate op name"});
  expect_error("Layer Name, M, N, K,\n", {path, "no GEMM rows"});
  expect_error("", {path, "expected the header"});
}

// ---- CLI -------------------------------------------------------------------------------

TEST(TraceCli, DecodeTraceOfACatalogShape) {
  TempDir dir;
  const std::string out = dir.file("s.trace");
  const CliResult r =
      run_cli("trace --shape stories260k --method itera --rank 8 --phase decode --batch 2 -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "14 ops")) << r.out;
  const Trace t = read_trace(out);
  ASSERT_EQ(t.ops.size(), 14u);  // itera factorized: an lr pair per layer
  for (const auto& op : t.ops) EXPECT_EQ(op.m, 2) << op.name;
  size_t i = 0;
  for (const auto& s : kStories) i = expect_layer_ops(t.ops, i, s, 2, 5, false, 8, 0, 4);
  EXPECT_EQ(meta_of(t, "phase"), "decode");
  EXPECT_EQ(meta_of(t, "batch"), "2");
  EXPECT_EQ(meta_of(t, "seq_len"), "512");
  EXPECT_EQ(meta_of(t, "method"), "itera");

  // -o - prints the same trace.
  const CliResult s = run_cli("trace --shape stories260k --method itera --rank 8 --phase decode --batch 2 -o -");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(parse_trace(s.out, "stdout"), t);
}

TEST(TraceCli, BadInputFailsAndLeavesNoFile) {
  TempDir dir;
  const std::string out = dir.file("t.trace");
  const std::string ok = "--shape stories260k --rank 8 ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {ok + "--phase middle", "unknown phase 'middle'"},
      {ok + "--phase decode --batch 0", "--batch must be >= 1 (got 0)"},
      {ok + "--phase prefill --seq-len 0", "--seq-len must be >= 1 (got 0)"},
      {ok + "--phase prefill --abits 1", "--abits = 1"},
      {ok, "missing --phase"},
      {"--phase decode", "give exactly one source"},
      {ok + "--decomposition x.safetensors --phase decode", "give exactly one source"},
      {"--decomposition x.safetensors --method svd --phase decode", "--method applies only with --shape"},
      {"--decomposition " + shell_quote(dir.file("none.safetensors")) + " --phase decode", "none.safetensors"},
      {"--shape nope --rank 8 --phase decode", "unknown shape 'nope'"},
      {"--shape stories260k --rank 65 --phase decode", "rank 65"},
      {"--shape stories260k --phase decode", "needs --rank"},
      {ok + "--phase decode --method lorc --bits 9", "--bits = 9"},
      {ok + "--phase decode --factor-bits 9", "--factor-bits = 9"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = run_cli("trace " + args + " -o " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, "itera trace: error: ")) << args << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, message)) << "missing '" << message << "' for " << args << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
  const CliResult no_out = run_cli("trace " + ok + "--phase decode");
  EXPECT_EQ(no_out.exit_code, 1);
  EXPECT_TRUE(contains(no_out.err, "missing -o")) << no_out.err;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 0);
}

TEST(TraceCli, HelpListsEveryOptionWithDefaults) {
  const CliResult r = run_cli("trace --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* s : {"--shape", "--include-head", "--decomposition", "--phase", "--seq-len arg (=512)",
                        "--batch arg (=1)", "--abits arg (=8)", "-o [ --output ]", "--method arg (=itera)", "--rank"})
    EXPECT_TRUE(contains(r.out, s)) << "missing " << s << " in:\n" << r.out;
  EXPECT_TRUE(contains(run_cli("--help").out, "trace"));
}

}  // namespace
}  // namespace itera
