#include "eval.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "error.h"

namespace itera {

namespace {

struct PositionStats {
  double kl, nll_p, nll_q, dp;
  bool agree;
};

// log-softmax in double.
Eigen::VectorXd log_softmax(const Eigen::VectorXf& logits) {
  const double m = logits.maxCoeff();
  Eigen::VectorXd l = logits.cast<double>().array() - m;
  const double lse = std::log(l.array().exp().sum());
  return l.array() - lse;
}

std::vector<PositionStats> run_window(LlamaModel& base, LlamaModel& quant, const std::vector<int>& window) {
  std::vector<PositionStats> out;
  for (size_t pos = 0; pos + 1 < window.size(); ++pos) {
    const int tok = window[pos], next = window[pos + 1];
    const Eigen::VectorXd lp =
        log_softmax(require_finite_logits(base.forward(tok, static_cast<int>(pos)), static_cast<int>(pos), "reference"));
    const Eigen::VectorXd lq = log_softmax(
        require_finite_logits(quant.forward(tok, static_cast<int>(pos)), static_cast<int>(pos), "compressed"));
    const Eigen::VectorXd p = lp.array().exp();
    PositionStats s;
    s.kl = std::max(0.0, (p.array() * (lp - lq).array()).sum());
    s.nll_p = -lp(next);
    s.nll_q = -lq(next);
    s.dp = std::exp(lq(next)) - std::exp(lp(next));
    Eigen::Index ap = 0, aq = 0;
    lp.maxCoeff(&ap);
    lq.maxCoeff(&aq);
    s.agree = ap == aq;
    out.push_back(s);
  }
  return out;
}

}  // namespace

std::string prepare_eval_text(const std::string& text, bool keep_newlines) {
  if (keep_newlines) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      out += text[i];
    } else if (i == 0 || text[i - 1] != '\n') {
      out += ' ';
    }
  }
  return out;
}

std::vector<std::vector<int>> eval_windows(const std::vector<int>& tokens, const EvalOptions& opt) {
  if (opt.window < 2) throw Error(fmt::format("--window must be >= 2 (got {})", opt.window));
  if (opt.max_tokens < 1) throw Error(fmt::format("--max-tokens must be >= 1 (got {})", opt.max_tokens));
  std::vector<std::vector<int>> windows;
  const size_t chunk = static_cast<size_t>(opt.window) - 1;
  size_t scored = 0;
  for (size_t start = 0; start < tokens.size() && scored < static_cast<size_t>(opt.max_tokens); start += chunk) {
    const size_t len = std::min({chunk, tokens.size() - start, static_cast<size_t>(opt.max_tokens) - scored});
    std::vector<int> w{1};
    w.insert(w.end(), tokens.begin() + static_cast<long>(start), tokens.begin() + static_cast<long>(start + len));
    windows.push_back(std::move(w));
    scored += len;
  }
  return windows;
}

EvalStats evaluate(const LlamaModel& base, const LlamaModel& quant, const std::vector<int>& tokens,
                   const EvalOptions& opt) {
  if (opt.window > base.config().seq_len)
    throw Error(fmt::format("--window {} is longer than the model's sequence length {}", opt.window,
                            base.config().seq_len));
  const std::vector<std::vector<int>> windows = eval_windows(tokens, opt);
  if (windows.empty()) throw Error("the text has no tokens to evaluate");
  std::vector<std::vector<PositionStats>> per_window(windows.size());
  const int threads = std::max(1, std::min<int>(opt.threads, static_cast<int>(windows.size())));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  auto worker = [&](int t) {
    try {
      LlamaModel b = base, q = quant;  // each thread owns its KV caches
      for (size_t w = static_cast<size_t>(t); w < windows.size(); w += static_cast<size_t>(threads))
        per_window[w] = run_window(b, q, windows[w]);
    } catch (...) {
      errors[static_cast<size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);

  EvalStats s;
  std::vector<double> kls;
  double agree = 0;
  for (const auto& win : per_window) {
    for (const auto& p : win) {
      kls.push_back(p.kl);
      s.nll_base += p.nll_p;
      s.nll_quant += p.nll_q;
      s.mean_delta_p += p.dp;
      agree += p.agree ? 1 : 0;
    }
  }
  const double n = static_cast<double>(kls.size());
  s.tokens = static_cast<int64_t>(kls.size());
  for (double k : kls) s.kl_mean += k;
  s.kl_mean /= n;
  s.nll_base /= n;
  s.nll_quant /= n;
  s.mean_delta_p /= n;
  s.top1_agreement = 100.0 * agree / n;
  s.ppl_base = std::exp(s.nll_base);
  s.ppl_quant = std::exp(s.nll_quant);
  s.ppl_ratio = s.ppl_quant / s.ppl_base;
  std::sort(kls.begin(), kls.end());
  // Nearest-rank percentiles.
  auto pct = [&](double q) { return kls[static_cast<size_t>(std::max(0.0, std::ceil(q * n) - 1))]; };
  s.kl_median = pct(0.5);
  s.kl_p99 = pct(0.99);
  s.kl_max = kls.back();
  return s;
}

}  // namespace itera
