#pragma once
// The decompositions a DSE explores: the cartesian product of the spec's
// decomposition grid (method, form, bits, group, factor_bits, rank), with the knobs
// that do not apply to a method dropped, so that each distinct decomposition appears
// once. A knob applies to a method when the method uses it:
//   form         itera only (factorized: W ~ AB; compensated: W ~ Q(W) + AB);
//   bits, group  methods with a quantized dense part (rtn, lorc, loftq, itera compensated);
//   factor_bits, rank   methods with low-rank factors (all but rtn).
// A combination that cannot exist (rank 0 for a low-rank method) is skipped and
// counted; neither case is an error.
#include <cstdint>
#include <string>
#include <vector>

namespace itera::dse {

// One decomposition, applied alike to every linear layer. Knobs that do not apply
// hold their "absent" value: form "", bits 0, group 0, factor_bits 0, rank 0.
struct Decomposition {
  std::string method;
  std::string form;
  int bits = 0;
  int group = 0;
  int factor_bits = 0;
  int rank = 0;

  bool has_dense() const { return bits > 0; }
  bool has_low_rank() const { return rank > 0; }
  // Only quantization: no low-rank factors (rtn).
  bool quant_only() const { return !has_low_rank(); }
  // "itera compensated w4 g0 f4 r8", "rtn w8 g0", "svd f4 r16".
  std::string label() const;
  friend bool operator==(const Decomposition& a, const Decomposition& b) {
    return a.method == b.method && a.form == b.form && a.bits == b.bits && a.group == b.group &&
           a.factor_bits == b.factor_bits && a.rank == b.rank;
  }
};

// The grid as written: every axis is a non-empty list (the spec reader checks the
// values: known methods and forms, bits 2..8, factor bits 2..8 or 16, group >= 0,
// rank >= 0).
struct DecompositionGrid {
  std::vector<std::string> method;
  std::vector<std::string> form;
  std::vector<int> bits, group, factor_bits, rank;
};

struct DecompositionSpace {
  std::vector<Decomposition> designs;  // distinct, in grid order (first occurrence)
  int64_t combinations = 0;            // the grid's cartesian product
  int64_t merged = 0;                  // equal to an earlier one once inapplicable knobs are dropped
  int64_t skipped = 0;                 // cannot exist (rank 0 for a low-rank method)
};

// The axes vary in the order method, form, bits, group, factor_bits, rank (the last
// fastest). Throws itera::Error for an unknown method or form.
DecompositionSpace enumerate_decompositions(const DecompositionGrid& grid);

// The decomposition with the knobs that do not apply dropped; `valid` is false when
// the combination cannot exist. Throws itera::Error for an unknown method or form.
Decomposition canonical(const std::string& method, const std::string& form, int bits, int group, int factor_bits,
                        int rank, bool& valid);

}  // namespace itera::dse
