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

// A layer type's departure from its design's uniform knobs (the hardware-aware
// options, layer_planning.h): another rank (rank padding, sensitivity allocation), or
// quantization alone at `bits` (layer reverting). A layer type is the last component of
// a linear layer's name ("q_proj", "down_proj"): every block's layer of that type.
struct LayerChoice {
  std::string type;
  int rank = 0;           // the low-rank part's rank (when not reverted)
  bool reverted = false;  // quantization alone (rtn) at `bits`, same group
  int bits = 0;
  friend bool operator==(const LayerChoice& a, const LayerChoice& b) {
    return a.type == b.type && a.rank == b.rank && a.reverted == b.reverted && a.bits == b.bits;
  }
};

// One decomposition: the knobs, applied alike to every linear layer unless `layers`
// says otherwise for a layer type. Knobs that do not apply hold their "absent" value:
// form "", bits 0, group 0, factor_bits 0, rank 0.
struct Decomposition {
  std::string method;
  std::string form;
  int bits = 0;
  int group = 0;
  int factor_bits = 0;
  int rank = 0;
  // "uniform", or "sensitivity": a design whose per-type ranks are allocated per
  // hardware point (layer_planning.h); its `rank` is then the smallest grid rank.
  std::string allocation = "uniform";
  std::vector<LayerChoice> layers;  // by type name, ascending; empty: uniform
  // A sensitivity measurement: only the layers of this type compressed, every other
  // one at full precision ("" for a design).
  std::string only_type;

  bool has_dense() const { return bits > 0; }
  bool has_low_rank() const { return rank > 0; }
  // Only quantization: no low-rank factors (rtn).
  bool quant_only() const { return !has_low_rank(); }
  // "itera compensated w4 g0 f4 r8", "rtn w8 g0", "svd f4 r16"; a sensitivity design
  // "itera compensated w4 g0 f4 r=sensitivity"; with layer choices, they follow:
  // "itera compensated w4 g0 f4 r8 [down_proj r16, k_proj rtn w5]".
  std::string label() const;
  // The per-type departures alone: "down_proj r16, k_proj rtn w5" ("" when none).
  std::string plan_text() const;
  // The choice for a layer type (null: the uniform knobs).
  const LayerChoice* choice_for(const std::string& type) const;
  friend bool operator==(const Decomposition& a, const Decomposition& b) {
    return a.method == b.method && a.form == b.form && a.bits == b.bits && a.group == b.group &&
           a.factor_bits == b.factor_bits && a.rank == b.rank && a.allocation == b.allocation &&
           a.layers == b.layers && a.only_type == b.only_type;
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
