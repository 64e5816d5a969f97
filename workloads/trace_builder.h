#pragma once
// Building layer traces (trace.h) from a catalog model with method options, or from
// layers saved by `itera decompose --save`, for one inference phase.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "catalog.h"
#include "compressed_io.h"
#include "decompose.h"
#include "method.h"
#include "trace.h"

namespace itera {

struct PhaseSpec {
  enum Phase { Prefill, Decode };
  Phase phase = Prefill;
  int seq_len = 512;  // prompt length (prefill); context length (decode, recorded only)
  int batch = 1;
  int abits = 8;
  // Activation rows: seq_len * batch for prefill, batch for decode (one new token each).
  int m() const;
};
const char* phase_name(PhaseSpec::Phase p);          // prefill | decode
PhaseSpec::Phase parse_phase(const std::string& text);  // throws itera::Error listing both
// Throws itera::Error when seq_len or batch < 1, abits outside 2..16, or M overflows.
void validate_phase(const PhaseSpec& p);

// One group of ops per catalog layer (lm_head only with include_head): a dense op
// when the method quantizes a dense part, an lr_down/lr_up pair when it has a rank,
// the pair accumulating into the dense op when both exist. Checks the rank of each
// layer as `itera decompose` does.
Trace trace_from_catalog(const CatalogModel& model, bool include_head, const std::string& method,
                         const MethodOptions& opts, const RankSpec& ranks, const PhaseSpec& phase);

// The same with a method and options per layer (per-layer plans: another rank, or
// another method); `describe` fills the trace's method meta line.
using LayerMethodFn = std::function<std::pair<const Method*, MethodOptions>(const std::string& layer)>;
Trace trace_from_catalog(const CatalogModel& model, bool include_head, const std::string& describe,
                         const LayerMethodFn& layer_method, const PhaseSpec& phase);

// The same structure from saved layers, with each layer's actual specs and rank.
Trace trace_from_compressed(const std::vector<SavedLayer>& layers, const PhaseSpec& phase);

}  // namespace itera
