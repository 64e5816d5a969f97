#include "decompose.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "error.h"
#include "linalg/truncated_svd.h"
#include "rng.h"
#include "stable_hash.h"

namespace itera {

namespace {
int parse_rank_value(const std::string& text, const std::string& whole) {
  static const std::regex re(R"(^\s*(\d{1,7})\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw Error(fmt::format("bad --rank '{}': '{}' is not a non-negative integer; expected R or R,PATTERN=R,...",
                            whole, text));
  return std::stoi(m[1]);
}
}  // namespace

RankSpec RankSpec::parse(const std::string& text) {
  RankSpec spec;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (spec.default_rank >= 0) throw Error(fmt::format("bad --rank '{}': more than one default rank", text));
      spec.default_rank = parse_rank_value(item, text);
    } else {
      const std::string pattern = item.substr(0, eq);
      if (pattern.empty()) throw Error(fmt::format("bad --rank '{}': empty pattern before '='", text));
      for (const auto& [seen, rank] : spec.overrides)
        if (seen == pattern)
          throw Error(fmt::format("bad --rank '{}': pattern '{}' is given twice (ranks {} and {})", text, pattern, rank,
                                  item.substr(eq + 1)));
      spec.overrides.emplace_back(pattern, parse_rank_value(item.substr(eq + 1), text));
    }
    start = end + 1;
  }
  return spec;
}

int RankSpec::rank_for(const std::string& layer) const {
  int best = -1;
  size_t best_len = 0;
  for (const auto& [pattern, rank] : overrides) {
    if (layer.find(pattern) != std::string::npos && pattern.size() > best_len) {
      best = rank;
      best_len = pattern.size();
    }
  }
  if (best >= 0) return best;
  if (default_rank >= 0) return default_rank;
  throw Error(fmt::format("no rank for layer '{}': give a default rank in --rank (e.g. --rank 32,mlp=64)", layer));
}

BoundMode parse_bound_mode(const std::string& text) {
  if (text == "auto") return BoundMode::Auto;
  if (text == "exact") return BoundMode::Exact;
  if (text == "fast") return BoundMode::Fast;
  if (text == "off") return BoundMode::Off;
  throw Error(fmt::format("unknown bound mode '{}'; allowed: auto, exact, fast, off", text));
}

void validate_layer_options(const std::string& layer, int rows, int cols, const Method& method,
                            const MethodOptions& opts) {
  if (method.uses_dense(opts)) validate_quant_spec(opts.weight, "--bits", false);
  if (method.uses_rank()) {
    validate_quant_spec(opts.factor, "--factor-bits", true);
    const int max_rank = std::min(rows, cols);
    if (opts.rank < 1 || opts.rank > max_rank)
      throw Error(fmt::format("rank {} for layer '{}' ({}x{}) is out of range; method '{}' needs 1 <= rank <= "
                              "min(rows, cols) = {}",
                              opts.rank, layer, rows, cols, method.name(), max_rank));
  } else if (opts.rank != 0) {
    throw Error(fmt::format("method '{}' takes no rank, but rank {} was given for layer '{}'; use --rank 0 or omit it",
                            method.name(), opts.rank, layer));
  }
  if (method.name() == "loftq" && opts.loftq_iters < 1)
    throw Error(fmt::format("--loftq-iters must be >= 1 (got {})", opts.loftq_iters));
}

double eckart_young_rel_error(const Matrix& r_mat, int rank, double ref_norm, bool exact, uint64_t seed) {
  if (rank >= std::min(r_mat.rows(), r_mat.cols())) return 0.0;
  if (exact && rank > 0) {
    // Sum the discarded singular values directly: ||R||^2 - sum_{i<=r} sigma_i^2 cancels badly near full rank.
    const Eigen::VectorXf s = singular_values(r_mat);
    return std::sqrt(s.tail(s.size() - rank).cast<double>().squaredNorm()) / ref_norm;
  }
  const double total = r_mat.cast<double>().squaredNorm();
  double captured = 0.0;
  if (rank > 0) {
    RandomizedOptions o;
    o.oversample = std::max(16, rank / 2);
    o.tol = 1e-6;
    o.min_iterations = 4;
    captured = randomized_truncated_svd(r_mat, rank, seed, o).sigma.cast<double>().squaredNorm();
  }
  return std::sqrt(std::max(0.0, total - captured)) / ref_norm;
}

LayerResult decompose_layer(const std::string& name, const Matrix& w, int repeat, const Method& method,
                            const MethodOptions& opts, BoundMode bound) {
  const int rows = static_cast<int>(w.rows()), cols = static_cast<int>(w.cols());
  validate_layer_options(name, rows, cols, method, opts);
  LayerResult res;
  res.repeat = repeat;
  res.options = opts;
  res.options.seed = opts.seed ^ stable_hash(name);
  res.dense_used = method.uses_dense(opts);

  const auto t0 = std::chrono::steady_clock::now();
  res.layer = method.compress(w, res.options);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.layer.name = name;

  const double wnorm = std::max(1e-30, std::sqrt(w.cast<double>().squaredNorm()));
  res.rel_error = std::sqrt((w - res.layer.reconstruct()).cast<double>().squaredNorm()) / wnorm;

  if (bound != BoundMode::Off) {
    const Matrix residual = res.layer.dense ? Matrix(w - res.layer.dense->dequantize()) : w;
    res.ey_exact = res.layer.rank() == 0 || bound == BoundMode::Exact ||
                   (bound == BoundMode::Auto && (opts.engine == SvdEngine::Exact || std::min(rows, cols) <= 1024));
    res.ey_rel_error = eckart_young_rel_error(residual, res.layer.rank(), wnorm, res.ey_exact, res.options.seed + 1);
  }
  return res;
}

}  // namespace itera
