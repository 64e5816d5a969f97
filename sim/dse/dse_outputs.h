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

}  // namespace itera::dse
