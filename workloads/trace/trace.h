#pragma once
// Layer traces: the linear operations of one inference step (prefill or decode) of
// a compressed model, as the accelerator simulator consumes them. Full description
// in docs/trace-format.md; in short, version 1 is text, one operation per row:
//
//   itera-trace 1                       <- line 1, exactly
//   @source catalog llama2-7b           <- metadata: @key value, kept in order
//   # comment                           <- '#' to end of line; blank lines ignored
//   name kind M K N wbits abits group rank repeat input accumulate
//
//   kind   dense:   Y[MxN] = X[MxK] W^T          (rank 0)
//          lr_down: T[Mxr] = X[MxK] B^T          (N == rank)
//          lr_up:   Y[MxN] = T[Mxr] A^T          (K == rank, input = its lr_down)
//   wbits 2..8 or 16 (F16), abits 2..16, group 0 = per channel / per factor vector,
//   repeat = identical transformer blocks, input / accumulate = '-' or an earlier op.
//
// The compensated form W ~ Q(W) + AB is three rows: the dense op, its lr_down, and
// an lr_up that names the dense op in `accumulate`.
//
// This file is the format only (no linear algebra): the simulator reads traces with
// it. The builders that make traces from models are in trace_builder.h.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>


namespace itera {

enum class OpKind { Dense, LowRankDown, LowRankUp };
const char* op_kind_name(OpKind k);  // dense | lr_down | lr_up

struct TraceOp {
  std::string name;
  OpKind kind = OpKind::Dense;
  int m = 1;  // rows of the activations: tokens x batch
  int k = 1;  // input features (contraction)
  int n = 1;  // output features
  int wbits = 8;
  int abits = 8;
  int group = 0;  // 0: one scale per output channel (per factor vector); else g along K
  int rank = 0;   // 0 for dense
  int repeat = 1;
  std::string input;       // empty ('-' in text): the layer input X
  std::string accumulate;  // empty ('-' in text): writes a fresh output

  // m * k * n * repeat
  int64_t macs() const;
  // Weight codes of one copy (not times repeat): ceil(k * n * wbits / 8); no scales.
  int64_t weight_bytes() const;
};
bool operator==(const TraceOp& a, const TraceOp& b);
inline bool operator!=(const TraceOp& a, const TraceOp& b) { return !(a == b); }

struct Trace {
  std::vector<std::pair<std::string, std::string>> meta;  // @key value, in file order
  std::vector<TraceOp> ops;
  int64_t total_macs() const;
};
bool operator==(const Trace& a, const Trace& b);
inline bool operator!=(const Trace& a, const Trace& b) { return !(a == b); }

// Parses and validates a trace; errors (itera::Error) name `filename`, the line and
// the field, and say what is allowed.
Trace parse_trace(const std::string& text, const std::string& filename);
Trace read_trace(const std::string& path);
// Canonical text: header, metadata, a '# columns:' line, then aligned rows.
// Deterministic, and parse_trace(format_trace(t)) == t for every valid t.
std::string format_trace(const Trace& t);

// The consistency rules (field ranges, names, references, shapes, repeats). Errors
// name `filename` and, when op_lines[i] gives op i's source line, that line;
// otherwise the op's index and name.
void validate_trace(const Trace& t, const std::string& filename, const std::vector<int>& op_lines = {});

// Makes free text (a file name, say) a valid metadata value: '#' and line breaks
// become '_', outer whitespace is dropped.
std::string meta_value(const std::string& text);

}  // namespace itera
