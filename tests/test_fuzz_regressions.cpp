// Regression tests for the bugs the fuzz targets (tests/fuzz/) found: each reproduces
// the input (also kept as tests/fuzz/corpus/NAME/regression-*) and expects a clear
// itera::Error instead of a hang, a huge allocation or a trace that does not read back.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <string>

#include "accel_config_reader.h"
#include "error.h"
#include "llama_hf.h"
#include "scalesim_topology.h"
#include "sweep_spec.h"
#include "test_support.h"
#include "tokenizer.h"
#include "trace.h"

namespace itera {
namespace {

using testing::TempDir;

// The message of the itera::Error `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- tokenizer: a model vocabulary far larger than the file ---------------------------

TEST(FuzzRegression, TokenizerWithAHugeVocabularyIsShortNotAHugeAllocation) {
  // max_token_length 1, then one token: score 0, length 1, "a". Tokenizer::load used to
  // reserve room for vocab_size tokens first: 64 GiB for INT_MAX, std::bad_alloc.
  const std::string one_token("\x01\x00\x00\x00" "\x00\x00\x00\x00" "\x01\x00\x00\x00" "a", 13);
  const std::string m = error_of([&] { Tokenizer::parse(one_token, "tok.bin", INT_MAX); });
  EXPECT_TRUE(has(m, "tokenizer 'tok.bin' is short: it holds only 1 tokens but the model's vocabulary is 2147483647"))
      << m;
  TempDir dir;
  std::ofstream(dir.file("tok.bin"), std::ios::binary) << one_token;
  EXPECT_TRUE(has(error_of([&] { Tokenizer::load(dir.file("tok.bin"), INT_MAX); }), "is short")) << m;
  EXPECT_EQ(Tokenizer::parse(one_token, "tok.bin", 1).piece(0), "a");
}

// ---- YAML: a ',' outside [...] and {...} at the top level -------------------------------

// yaml-cpp 0.7 reads such text as endless empty documents (the parser never gets past
// the ','), holding each in memory: the reader hung and ate all memory. Each case runs
// in a child process with an alarm (and, without AddressSanitizer, a memory limit), so
// that a regression fails instead of hanging the suite.
template <class F>
[[noreturn]] void run_limited(F body) {
  alarm(10);
#if !defined(__SANITIZE_ADDRESS__)
  const rlimit limit{rlim_t{4} << 30, rlim_t{4} << 30};
  setrlimit(RLIMIT_AS, &limit);
#endif
  std::_Exit(body() ? 0 : 1);
}

template <class F>
void exits_quickly_with_zero(F body) {
  EXPECT_EXIT(run_limited(body), ::testing::ExitedWithCode(0), "");
}

TEST(FuzzRegression, AStrayCommaInAConfigIsASyntaxErrorNotAHang) {
  for (const std::string text : {",\n", "# stray comma\n,\n", "{clock_mhz: 500, array: {rows: 16}},\n",
                                 "\"x\",", "---\n{clock_mhz: 500}\n,\n"}) {
    SCOPED_TRACE(text);
    exits_quickly_with_zero([&] {
      const std::string m = error_of([&] { parse_accel_config(text, "c.yaml"); });
      return has(m, "c.yaml:") && has(m, ": YAML syntax error: unexpected ','; a comma separates items only inside");
    });
  }
  // The line of the comma.
  EXPECT_EQ(error_of([] { parse_accel_config("# comment\n\n{clock_mhz: 500},\n", "c.yaml"); }),
            "c.yaml:3: YAML syntax error: unexpected ','; a comma separates items only inside [...] or {...}");
  // Commas where YAML allows them, and several documents, read as before.
  EXPECT_EQ(parse_accel_config("array: {rows: 16, cols: 8}\n", "c.yaml").array.cols, 8);
  EXPECT_TRUE(has(error_of([] { parse_accel_config("clock_mhz: 1\n---\nclock_mhz: 2\n", "c.yaml"); }),
                  "c.yaml:3: more than one YAML document"));
  EXPECT_TRUE(has(error_of([] { parse_accel_config("---\n---\n", "c.yaml"); }), "more than one YAML document"));
}

TEST(FuzzRegression, AStrayCommaInASweepFileIsASyntaxErrorNotAHang) {
  exits_quickly_with_zero([] {
    const std::string m =
        error_of([] { sweep::parse_sweep_spec("{fidelity: fast, grid: {array.rows: [16, 32]}},\n", "s.yaml"); });
    return m == "s.yaml:1: YAML syntax error: unexpected ','; a comma separates items only inside [...] or {...}";
  });
  EXPECT_EQ(sweep::parse_sweep_spec("{fidelity: fast, grid: {array.rows: [16, 32]}}\n", "s.yaml").point_count(), 2u);
}

// ---- HF config.json: a key/value width that overflows int -------------------------------

TEST(FuzzRegression, HfConfigWithAnOverflowingKeyValueWidthIsAnError) {
  // Every field is in range (1..2^30) and the heads divide evenly, but kv_dim() =
  // hidden_size * num_key_value_heads / num_attention_heads overflowed int (undefined
  // behaviour) in load_llama_hf before any tensor was read.
  const std::string json = R"({"hidden_size": 1073741824, "intermediate_size": 1, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 1, "max_position_embeddings": 1})";
  EXPECT_EQ(error_of([&] { parse_llama_hf_config(json, "config.json"); }),
            "'config.json': hidden_size 1073741824 * num_key_value_heads 2 is absurdly large (more than 2147483647)");
  TempDir dir;
  std::ofstream(dir.file("config.json")) << json;
  EXPECT_TRUE(has(error_of([&] { load_llama_hf(dir.path()); }), "is absurdly large"));
  // The largest width that fits is fine.
  const std::string fits = R"({"hidden_size": 1073741824, "intermediate_size": 1, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 1, "max_position_embeddings": 1})";
  EXPECT_EQ(parse_llama_hf_config(fits, "config.json").kv_dim(), 1 << 29);
}

// ---- traces: an op name with a NUL byte ------------------------------------------------

TEST(FuzzRegression, ANulByteInATopologyLayerNameIsAnError) {
  // parse_scalesim_topology accepted it, but the trace it made did not read back:
  // format_trace wrote the NUL, which parse_trace rejects.
  const char raw[] = "Layer, M, N, K\nf\0c0, 33, 16, 1\n";
  const std::string csv(raw, sizeof raw - 1);
  const std::string m = error_of([&] { parse_scalesim_topology(csv, "t.csv"); });
  EXPECT_TRUE(testing::contains_all(m, {"t.csv:2", "bad op name 'f?c0'", "printable characters"})) << m;
  Trace t;
  t.ops.push_back(TraceOp{});
  t.ops[0].name = std::string("a\0b", 3);
  const std::string built = error_of([&] { validate_trace(t, "built"); });
  EXPECT_TRUE(testing::contains_all(built, {"built: op 1", "bad op name 'a?b'", "printable characters"})) << built;
}

}  // namespace
}  // namespace itera
