#pragma once
// The files `itera dse` writes into its output directory, from a finished run
// (dse_run.h); each depends only on the result, so a resumed, re-sharded or
// differently parallel run writes the same bytes.
//   points.csv      one row per evaluated point: its knobs, accuracy, latency, resources,
//                   feasible and pareto (0/1);
//   pareto.csv      the feasible points no other feasible point beats on both accuracy
//                   and latency; pareto_dsp.csv the same with DSPs as a third objective;
//   summary.json    the metric, the counts, the quantization-only baseline, the best
//                   design at matched accuracy, the latency cut and the best design's
//                   per-layer decisions;
//   report.md       the same for reading, with the headline sentence.
#include <string>

#include <nlohmann/json.hpp>

#include "dse_run.h"

namespace itera::dse {

std::string points_csv(const DseResult& r);
std::string pareto_csv(const DseResult& r, bool with_dsp);
nlohmann::json summary_json(const DseResult& r);
std::string report_markdown(const DseResult& r);

// The headline: which point is the baseline and which the best (indices into r.points),
// and the latency cut. Absent members are -1 / NaN.
struct Headline {
  long baseline = -1;   // the fastest feasible quantization-only point (ties: more accurate, lower number)
  long best = -1;       // the fastest feasible point at least as accurate as the baseline
  long best_low_rank = -1;  // the same among low-rank designs
  double reduction_pct = 0;  // 100 (1 - best / baseline latency); 0 when best is the baseline
};
Headline headline(const DseResult& r);

}  // namespace itera::dse
