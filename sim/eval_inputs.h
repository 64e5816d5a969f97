#pragma once
// What `itera eval` measures a compressed model on, read once: the evaluated text's
// tokens and, with calibration text, the calibration activations (per linear layer).
// Shared by `itera eval` and the DSE's accuracy scoring, so both measure alike.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "calibration.h"
#include "llama_model.h"
#include "tokenizer.h"

namespace itera::cli {

struct EvalInputs {
  std::vector<int> tokens;                 // the evaluated text (no BOS)
  std::map<std::string, InputGram> grams;  // empty without calibration text
  int64_t calib_used = 0;                  // calibration tokens captured
};

// Tokenizes `text_path` (prepare_eval_text). With `calib_path`, captures the input grams
// of `calib_tokens` calibration tokens in windows of `window`; when the calibration text
// is the evaluated text (the same file, by device and inode), its last calib_tokens
// tokens are used and evaluation stays before them, which needs at least
// calib_tokens + max_tokens tokens. Throws itera::Error naming the file.
EvalInputs load_eval_inputs(const LlamaModel& base, const Tokenizer& tok, const std::string& text_path,
                            bool keep_newlines, const std::string& calib_path, int calib_tokens, int max_tokens,
                            int window);

}  // namespace itera::cli
