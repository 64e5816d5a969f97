#include "calibration.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace itera {

std::map<std::string, InputGram> collect_input_grams(const LlamaModel& model, const std::vector<int>& tokens,
                                                     int window, int max_tokens) {
  if (window < 2 || window > model.config().seq_len)
    throw Error(fmt::format("calibration window {} must be in 2..{} (the model's sequence length)", window,
                            model.config().seq_len));
  if (tokens.empty()) throw Error("the calibration text has no tokens");
  std::map<std::string, InputGram> grams;
  LlamaModel m = model;
  m.set_input_observer([&grams](const std::string& name, const Eigen::VectorXf& x) {
    InputGram& g = grams[name];
    if (g.count == 0) g.gram = Eigen::MatrixXd::Zero(x.size(), x.size());
    const Eigen::VectorXd xd = x.cast<double>();
    g.gram.selfadjointView<Eigen::Lower>().rankUpdate(xd);
    ++g.count;
  });
  const size_t chunk = static_cast<size_t>(window) - 1;
  const size_t limit = std::min(tokens.size(), static_cast<size_t>(std::max(0, max_tokens)));
  for (size_t start = 0; start < limit; start += chunk) {
    const size_t len = std::min(chunk, limit - start);
    int tok = 1;  // BOS
    for (size_t i = 0; i < len; ++i) {
      m.forward(tok, static_cast<int>(i));
      tok = tokens[start + i];
    }
    m.forward(tok, static_cast<int>(len));
  }
  for (auto& [name, g] : grams) {  // fill the upper triangle
    const Eigen::MatrixXd full = g.gram.selfadjointView<Eigen::Lower>();
    g.gram = full;
  }
  return grams;
}

}  // namespace itera
