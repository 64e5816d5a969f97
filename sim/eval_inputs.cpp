#include "eval_inputs.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"
#include "eval.h"
#include "file_io.h"

namespace itera::cli {

EvalInputs load_eval_inputs(const LlamaModel& base, const Tokenizer& tok, const std::string& text_path,
                            bool keep_newlines, const std::string& calib_path, int calib_tokens, int max_tokens,
                            int window) {
  auto tokenize = [&](const std::string& path) {
    const std::string text = read_file(path);
    if (text.empty()) throw Error(fmt::format("text file '{}' is empty", path));
    try {
      return tok.encode(prepare_eval_text(text, keep_newlines), false, false);
    } catch (const Error& e) {
      throw Error(fmt::format("text file '{}': {}", path, e.what()));
    }
  };
  EvalInputs in;
  in.tokens = tokenize(text_path);
  if (calib_path.empty()) return in;
  // Calibration activations, kept apart from the evaluated tokens.
  const bool calib_is_text = same_file(calib_path, text_path);
  std::vector<int> calib = calib_is_text ? in.tokens : tokenize(calib_path);
  if (calib_is_text) {
    if (in.tokens.size() < static_cast<size_t>(calib_tokens) + static_cast<size_t>(max_tokens))
      throw Error(fmt::format("'{}' has {} tokens: too few to hold {} calibration tokens after {} evaluated ones; "
                              "lower the calibration or evaluated tokens, or give a separate calibration text",
                              text_path, in.tokens.size(), calib_tokens, max_tokens));
    calib.assign(in.tokens.end() - calib_tokens, in.tokens.end());
    in.tokens.resize(in.tokens.size() - static_cast<size_t>(calib_tokens));
  }
  in.calib_used = std::min<int64_t>(calib_tokens, static_cast<int64_t>(calib.size()));
  in.grams = collect_input_grams(base, calib, window, calib_tokens);
  return in;
}

}  // namespace itera::cli
