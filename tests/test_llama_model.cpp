// The LLaMA forward pass against the reference behaviour documented in
// ../shared/data/README.md: greedy continuations of "Once upon a time" for both
// models, and stories260K's mean negative log-likelihood on the validation text.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "llama_model.h"
#include "test_support.h"
#include "error.h"
#include "tokenizer.h"

namespace itera {
namespace {

std::string greedy(const std::string& model_path, const std::string& tok_path, const std::string& prompt, int steps) {
  LlamaModel model(load_llama2c(model_path));
  const Tokenizer tok = Tokenizer::load(tok_path, model.config().vocab_size);
  const std::vector<int> p = tok.encode(prompt, true, false);
  std::string out;
  int token = p[0];
  const int n_prompt = static_cast<int>(p.size());
  for (int pos = 0; pos + 1 < n_prompt + steps; ++pos) {
    const Eigen::VectorXf& logits = model.forward(token, pos);
    const int next = pos + 1 < n_prompt ? p[static_cast<size_t>(pos) + 1] : argmax(logits);
    if (next == 1) break;
    out += tok.decode(token, next);
    token = next;
  }
  return out;
}

// The greedy continuation of "Once upon a time" begins with `expect`.
void expect_greedy_continuation(const std::string& model_path, const std::string& tok_path, int steps,
                                const std::string& expect) {
  const std::string got = greedy(model_path, tok_path, "Once upon a time", steps);
  EXPECT_EQ(got.substr(0, expect.size()), expect) << got;
}

TEST(LlamaModel, Stories260KGreedyMatchesReference) {
  ITERA_REQUIRE_SHARED(model, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok, "models/tok512.bin");
  expect_greedy_continuation(model, tok, 60,
                             "Once upon a time, there was a little girl named Lily. She loved to play outside in "
                             "the park. One day, she saw a big, red ball. She wanted to play with it, but it was "
                             "too high.");
}

TEST(LlamaModel, BabyLlamaGreedyMatchesReference) {
  ITERA_REQUIRE_SHARED(model, "models/babyllama-c128.bin");
  ITERA_REQUIRE_SHARED(tok, "models/tok105.bin");
  expect_greedy_continuation(model, tok, 160,
                             "Once upon a time, there was a little girl named Lily. She loved to play outside in "
                             "the sunshine. One day, she went to the park with her mommy and daddy.");
}

// README: BOS, then the first stories joined by spaces (newlines replaced by spaces),
// first 255 tokens; mean NLL about 1.37 nats/token.
TEST(LlamaModel, Stories260KNegativeLogLikelihood) {
  ITERA_REQUIRE_SHARED(model_path, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok_path, "models/tok512.bin");
  ITERA_REQUIRE_SHARED(text_path, "text/tinystories-valid-part1.txt");
  // Stories are separated by blank lines: newlines inside a story become spaces and
  // stories are joined by one space.
  const std::string raw = testing::slurp(text_path).substr(0, 6000);
  std::string text;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find("\n\n", start);
    if (end == std::string::npos) end = raw.size();
    std::string story = raw.substr(start, end - start);
    for (char& c : story)
      if (c == '\n') c = ' ';
    const size_t b = story.find_first_not_of(' '), e = story.find_last_not_of(' ');
    if (b != std::string::npos) text += (text.empty() ? "" : " ") + story.substr(b, e - b + 1);
    start = end + 2;
  }
  LlamaModel model(load_llama2c(model_path));
  const Tokenizer tok = Tokenizer::load(tok_path, model.config().vocab_size);
  std::vector<int> t = tok.encode(text, true, false);
  ASSERT_GE(t.size(), 256u);
  double nll = 0.0;
  for (int pos = 0; pos < 255; ++pos) {
    const Eigen::VectorXf& logits = model.forward(t[static_cast<size_t>(pos)], pos);
    const double m = logits.maxCoeff();
    const double lse = m + std::log((logits.array() - static_cast<float>(m)).exp().cast<double>().sum());
    nll += lse - logits(t[static_cast<size_t>(pos) + 1]);
  }
  EXPECT_NEAR(nll / 255.0, 1.37, 0.02);
}

TEST(LlamaModel, RejectsPositionsBeyondSequenceAndBadTokens) {
  ITERA_REQUIRE_SHARED(model_path, "models/stories260K.bin");
  LlamaModel model(load_llama2c(model_path));
  EXPECT_THROW(model.forward(1, 512), Error);
  EXPECT_THROW(model.forward(512, 0), Error);
  EXPECT_THROW(model.set_linear("model.layers.0.self_attn.q_proj.weight", Matrix::Zero(3, 3)), Error);
  EXPECT_THROW(model.set_linear("model.layers.9.self_attn.q_proj.weight", Matrix::Zero(64, 64)), Error);
}

}  // namespace
}  // namespace itera
