// Accuracy evaluation: identities (a model against itself), the expected ordering of
// RTN bit widths on both shared models, window arithmetic, and bad input.
#include <gtest/gtest.h>

#include "decompose.h"
#include "error.h"
#include "eval.h"
#include "method.h"
#include "test_support.h"
#include "tokenizer.h"

namespace itera {
namespace {

using testing::run_cli;
using testing::shell_quote;
using testing::TempDir;
using testing::write_file;

std::vector<int> text_tokens(const Tokenizer& tok, size_t bytes) {
  const std::string text = testing::slurp(testing::shared_file("text/tinystories-valid-part1.txt"));
  return tok.encode(prepare_eval_text(text.substr(0, bytes), false), false, false);
}

LlamaModel rtn_model(const LlamaModel& base, int bits) {
  LlamaModel q = base;
  MethodOptions o;
  o.weight.bits = bits;
  const auto m = make_method("rtn");
  for (const auto& l : llama_linear_layers(base.weights())) q.set_linear(l.name, m->compress(l.w, o).reconstruct());
  return q;
}

TEST(Eval, NewlineRunsBecomeOneSpace) {
  EXPECT_EQ(prepare_eval_text("a\nb\n\nc\n", false), "a b c ");
  EXPECT_EQ(prepare_eval_text("a\nb", true), "a\nb");
}

TEST(Eval, WindowsCoverTheTokensInOrder) {
  std::vector<int> t(1000);
  for (int i = 0; i < 1000; ++i) t[static_cast<size_t>(i)] = 10 + i;
  EvalOptions o;
  o.window = 101;  // 100 text tokens per window
  o.max_tokens = 950;
  const auto w = eval_windows(t, o);
  ASSERT_EQ(w.size(), 10u);  // 9 full windows + 50 tokens
  EXPECT_EQ(w[0].front(), 1);
  EXPECT_EQ(w[0][1], 10);
  EXPECT_EQ(w[9].size(), 51u);
  EXPECT_EQ(w[9].back(), 10 + 949);
  o.window = 1;
  EXPECT_THROW(eval_windows(t, o), Error);
}

TEST(Eval, ModelAgainstItselfHasZeroKlAndFullAgreement) {
  ITERA_REQUIRE_SHARED(model_path, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok_path, "models/tok512.bin");
  ITERA_REQUIRE_SHARED(text_path, "text/tinystories-valid-part1.txt");
  const LlamaModel base(load_llama2c(model_path));
  const Tokenizer tok = Tokenizer::load(tok_path, base.config().vocab_size);
  EvalOptions o;
  o.max_tokens = 1000;
  o.threads = 2;
  const EvalStats s = evaluate(base, base, text_tokens(tok, 8000), o);
  EXPECT_EQ(s.tokens, 1000);
  EXPECT_EQ(s.kl_max, 0.0);
  EXPECT_EQ(s.top1_agreement, 100.0);
  EXPECT_EQ(s.ppl_ratio, 1.0);
  EXPECT_EQ(s.mean_delta_p, 0.0);
}

void expect_kl_rises_and_agreement_falls_as_bits_fall(const std::string& model_rel, const std::string& tok_rel) {
  const LlamaModel base(load_llama2c(testing::shared_file(model_rel)));
  const Tokenizer tok = Tokenizer::load(testing::shared_file(tok_rel), base.config().vocab_size);
  const std::vector<int> tokens = text_tokens(tok, 20000);
  EvalOptions o;
  o.max_tokens = 2000;
  o.threads = 2;
  o.window = std::min(256, base.config().seq_len);
  // Each step down in bits moves the compressed model further from the original: the
  // KL divergence rises and the top-1 agreement falls, starting from the model
  // against itself (KL 0, agreement 100%, ModelAgainstItselfHasZeroKlAndFullAgreement).
  double prev_kl = 0.0, prev_top1 = 100.0;
  for (int bits : {8, 6, 4, 3}) {
    const EvalStats s = evaluate(base, rtn_model(base, bits), tokens, o);
    EXPECT_GT(s.kl_mean, prev_kl) << model_rel << " " << bits << " bits";
    EXPECT_LT(s.top1_agreement, prev_top1) << model_rel << " " << bits << " bits";
    prev_kl = s.kl_mean;
    prev_top1 = s.top1_agreement;
  }
}

TEST(Eval, RtnKlRisesAsBitsFallStories260K) {
  ITERA_REQUIRE_SHARED(model_path, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok_path, "models/tok512.bin");
  ITERA_REQUIRE_SHARED(text_path, "text/tinystories-valid-part1.txt");
  expect_kl_rises_and_agreement_falls_as_bits_fall("models/stories260K.bin", "models/tok512.bin");
}

TEST(Eval, RtnKlRisesAsBitsFallBabyLlama) {
  ITERA_REQUIRE_SHARED(model_path, "models/babyllama-c128.bin");
  ITERA_REQUIRE_SHARED(tok_path, "models/tok105.bin");
  ITERA_REQUIRE_SHARED(text_path, "text/tinystories-valid-part1.txt");
  expect_kl_rises_and_agreement_falls_as_bits_fall("models/babyllama-c128.bin", "models/tok105.bin");
}

TEST(EvalCli, BadInputGetsClearErrors) {
  ITERA_REQUIRE_SHARED(model_path, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok_path, "models/tok512.bin");
  ITERA_REQUIRE_SHARED(tok105, "models/tok105.bin");
  TempDir dir;
  write_file(dir.file("empty.txt"), "");
  write_file(dir.file("bad.txt"), "Once upon \xff\xfe a time");
  write_file(dir.file("ok.txt"), "Once upon a time, there was a cat.");
  const std::string base = "eval --model " + shell_quote(model_path) + " --tokenizer " + shell_quote(tok_path);
  auto expect_error = [&](const std::string& args, const std::string& needle) {
    const auto r = run_cli(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
  };
  const std::string ok_text = " --text " + shell_quote(dir.file("ok.txt"));
  expect_error(base + " --text " + shell_quote(dir.file("empty.txt")), "empty");
  expect_error(base + " --text " + shell_quote(dir.file("bad.txt")), "bad.txt");
  expect_error(base + ok_text + " --window 513", "sequence length 512");
  expect_error("eval --model " + shell_quote(model_path) + " --tokenizer " + shell_quote(tok105) + ok_text, "512");
  const auto ok = run_cli(base + ok_text + " --method rtn --bits 8 --json " + shell_quote(dir.file("e.json")));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  const std::string js = testing::slurp(dir.file("e.json"));
  for (const char* key : {"tokens", "kl_mean", "kl_p99", "top1_agreement", "ppl_base", "ppl_quant"})
    EXPECT_NE(js.find(std::string("\"") + key + "\""), std::string::npos) << key;
}

}  // namespace
}  // namespace itera
