// Regression tests for bad inputs that used to give wrong answers with exit code 0:
// each case is a reproducer from the hardening issue, and the expectation is a clear
// error naming the file, field or option (or, for inputs that are fine, the right result).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <Eigen/Core>

#include "compressed_io.h"
#include "error.h"
#include "llama_hf.h"
#include "llama_model.h"
#include "safetensors.h"
#include "test_support.h"
#include "trace.h"

namespace itera {
namespace {

using testing::run_cli;
using testing::TempDir;

using testing::contains;
using testing::error_of;

void put(const std::string& path, const std::string& text) { testing::write_file(path, text); }

bool has(const std::string& text, const std::string& part) { return contains(text, part); }

// ---- HF config.json ---------------------------------------------------------------

std::string hf_config(const std::string& extra) {
  return R"({"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 1, "num_attention_heads": 8,
             "vocab_size": 512, "max_position_embeddings": 256)" +
         extra + "}";
}

TEST(Hardening, HfConfigRejectsValuesThatMakeTheModelOutputNaN) {
  TempDir dir;
  for (const auto& [extra, key] :
       std::vector<std::pair<std::string, std::string>>{{R"(, "rms_norm_eps": -1)", "rms_norm_eps"},
                                                        {R"(, "rope_theta": 0)", "rope_theta"},
                                                        {R"(, "rms_norm_eps": "1e-5")", "rms_norm_eps"},
                                                        {R"(, "tie_word_embeddings": 1)", "tie_word_embeddings"},
                                                        {R"(, "num_key_value_heads": -8)", "num_key_value_heads"},
                                                        {R"(, "num_key_value_heads": 8.5)", "num_key_value_heads"}}) {
    put(dir.file("config.json"), hf_config(extra));
    const std::string m = error_of([&] { load_llama_hf(dir.path()); });
    SCOPED_TRACE(extra);
    EXPECT_TRUE(has(m, "config.json")) << m;
    EXPECT_TRUE(has(m, "'" + key + "'")) << m;
    EXPECT_FALSE(has(m, "json.exception")) << m;
  }
  put(dir.file("config.json"), "[1, 2]");
  EXPECT_TRUE(has(error_of([&] { load_llama_hf(dir.path()); }), "must hold a JSON object"));
}

TEST(Hardening, NonFiniteLogitsAreAnError) {
  Eigen::VectorXf logits = Eigen::VectorXf::Zero(4);
  EXPECT_EQ(&require_finite_logits(logits, 3, "reference"), &logits);
  logits(2) = std::numeric_limits<float>::quiet_NaN();
  const std::string m = error_of([&] { require_finite_logits(logits, 3, "reference"); });
  EXPECT_TRUE(has(m, "non-finite logits")) << m;
  EXPECT_TRUE(has(m, "position 3")) << m;
  logits(2) = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(error_of([&] { require_finite_logits(logits, 0, ""); }).empty());
}

// ---- saved decompositions ---------------------------------------------------------

// `file` with `from` replaced by `to` in its safetensors JSON header (length prefix fixed).
void edit_header(const std::string& file, const std::string& from, const std::string& to) {
  std::string bytes = testing::slurp(file);
  uint64_t len = 0;
  std::memcpy(&len, bytes.data(), 8);
  std::string header = bytes.substr(8, len);
  const size_t at = header.find(from);
  ASSERT_NE(at, std::string::npos) << "no '" << from << "' in the header";
  header.replace(at, from.size(), to);
  const uint64_t new_len = header.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &new_len, 8);
  put(file, out + header + bytes.substr(8 + len));
}

TEST(Hardening, SavedDecompositionMetadataIsRangeCheckedNotTruncated) {
  TempDir dir;
  const std::string saved = dir.file("layers.safetensors");
  ASSERT_EQ(run_cli("decompose --synthetic 24x40 --method itera --bits 4 --rank 4 --save '" + saved + "'").exit_code, 0);
  ASSERT_EQ(load_compressed(saved).size(), 1u);
  // The layer metadata is a JSON string inside the header: quotes are escaped there.
  for (const auto& [from, to, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {R"(\"repeat\":1)", R"(\"repeat\":4294967301)", "repeat"},
           {R"(\"rows\":24)", R"(\"rows\":4294967312)", "rows"},
           {R"(\"rank\":4)", R"(\"rank\":4294967300)", "rank"},
           {R"(\"method\":\"itera\")", R"(\"method\":\"bogus\")", "bogus"}}) {
    SCOPED_TRACE(key);
    const std::string copy = dir.file(key + ".safetensors");
    put(copy, testing::slurp(saved));
    edit_header(copy, from, to);
    const std::string m = error_of([&] { load_compressed(copy); });
    EXPECT_TRUE(has(m, key)) << m;
    const auto r = run_cli("trace --decomposition '" + copy + "' --phase decode -o -");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, key)) << r.err;
  }
}

// ---- safetensors ------------------------------------------------------------------

TEST(Hardening, ShardNamesMustStayInsideTheIndexDirectory) {
  TempDir dir;
  for (const std::string shard : {"../../../../etc/passwd", "/etc/passwd", "sub/model.safetensors", ".."}) {
    put(dir.file("model.safetensors.index.json"),
        R"({"weight_map": {"model.embed_tokens.weight": ")" + shard + R"("}})");
    const std::string m =
        error_of([&] { SafetensorsCheckpoint::open(dir.file("model.safetensors.index.json")); });
    SCOPED_TRACE(shard);
    EXPECT_TRUE(has(m, "not a plain file name")) << m;
  }
}

TEST(Hardening, ATensorWithNoElementsIsNotAWeightMatrix) {
  TempDir dir;
  SafetensorsWriter w;
  w.add_raw("model.layers.0.mlp.down_proj.weight", DType::F32, {0, 64}, "");
  w.write(dir.file("empty.safetensors"));
  const auto r = run_cli("decompose --model '" + dir.file("empty.safetensors") + "' --method rtn --bits 4");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.err, "no empty tensors")) << r.err;
  EXPECT_FALSE(has(r.out, "nan")) << r.out;
}

// ---- command-line options ---------------------------------------------------------

TEST(Hardening, CountOptionsHaveCapsAndConflictsAreErrors) {
  struct Case {
    std::string args, wanted;
  };
  for (const Case& c : std::vector<Case>{
           {"decompose --synthetic 16x16 --method rtn --bits 4 --jobs 100000", "--jobs must be in 1..256"},
           {"decompose --synthetic 16x16 --method loftq --bits 4 --rank 2 --loftq-iters 5000",
            "--loftq-iters must be in 1..1000"},
           {"decompose --synthetic 16x32 --method rtn --bits 4 --granularity tensor --group 16",
            "--granularity is 'tensor'"},
           {"decompose --synthetic 16x32 --method svd --rank 4,q_proj=2,q_proj=8", "pattern 'q_proj' is given twice"},
       }) {
    const auto r = run_cli(c.args);
    SCOPED_TRACE(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, c.wanted)) << r.err;
  }
  // --group alone, or with --granularity group, still means group-wise scales.
  EXPECT_EQ(run_cli("decompose --synthetic 16x32 --method rtn --bits 4 --group 16").exit_code, 0);
  EXPECT_EQ(run_cli("decompose --synthetic 16x32 --method rtn --bits 4 --granularity group --group 16").exit_code, 0);
}

TEST(Hardening, GenerateWithAHugeStepCountIsAnErrorNotSilence) {
  ITERA_REQUIRE_SHARED(model, "models/stories260K.bin");
  ITERA_REQUIRE_SHARED(tok, "models/tok512.bin");
  const auto r = run_cli("generate --model '" + model + "' --tokenizer '" + tok +
                         "' --prompt 'Once upon a time' -n 2147483647");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.err, "exceed the model's sequence length")) << r.err;
}

// ---- traces -----------------------------------------------------------------------

const char* const kTraceBody = "lin dense 4 8 8 8 8 0 0 1 - -\n";

TEST(Hardening, TraceHeaderMayHaveSurroundingBlanksAndAByteOrderMark) {
  TempDir dir;
  for (const std::string header : {"  itera-trace 1  ", "\xEF\xBB\xBFitera-trace 1", "\titera-trace   1"}) {
    put(dir.file("t.trace"), header + "\n" + kTraceBody);
    const auto r = run_cli("simulate '" + dir.file("t.trace") + "' --no-timing");
    SCOPED_TRACE(header);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "lin")) << r.out;
  }
}

TEST(Hardening, ANulByteInATraceIsNamedWithItsLine) {
  const std::string text = std::string("itera-trace 1\n# fine\nl") + '\0' + "in dense 4 8 8 8 8 0 0 1 - -\n";
  const std::string m = error_of([&] { parse_trace(text, "nul.trace"); });
  EXPECT_TRUE(has(m, "nul.trace:3")) << m;
  EXPECT_TRUE(has(m, "NUL")) << m;
}

TEST(Hardening, ADirectoryGivenAsAFileSaysSo) {
  TempDir dir;
  const auto sim = run_cli("simulate '" + dir.path() + "'");
  EXPECT_NE(sim.exit_code, 0);
  EXPECT_TRUE(has(sim.err, "is a directory")) << sim.err;
}

TEST(Hardening, AnUnwritableWaveformIsOurErrorNotSystemCs) {
  TempDir dir;
  put(dir.file("t.trace"), std::string("itera-trace 1\n") + kTraceBody);
  const auto r = run_cli("simulate '" + dir.file("t.trace") + "' --fidelity cycle --vcd /proc/self/w.vcd");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.err, "cannot write the waveform to '/proc/self/w.vcd'")) << r.err;
  EXPECT_FALSE(has(r.err, "E701")) << r.err;
}

TEST(Hardening, SimulateRefusesToOverwriteItsInputsAndWritesJsonToStdout) {
  TempDir dir;
  const std::string trace = dir.file("t.trace"), config = dir.file("c.yaml");
  put(trace, std::string("itera-trace 1\n") + kTraceBody);
  put(config, "array: {rows: 8, cols: 8}\n");
  const std::string trace_before = testing::slurp(trace), config_before = testing::slurp(config);
  for (const std::string& args : {"--json '" + trace + "'", "--vcd '" + trace + "' --fidelity cycle",
                                  "--json '" + dir.path() + "/./c.yaml'"}) {
    const auto r = run_cli("simulate '" + trace + "' --config '" + config + "' " + args);
    SCOPED_TRACE(args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.err, "refusing to overwrite an input")) << r.err;
  }
  EXPECT_EQ(testing::slurp(trace), trace_before);
  EXPECT_EQ(testing::slurp(config), config_before);
  // --json -: the JSON alone on standard output, the table on standard error.
  const auto r = run_cli("simulate '" + trace + "' --config '" + config + "' --no-timing --json -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_TRUE(has(r.out, "\"total_cycles\"")) << r.out;
  EXPECT_TRUE(has(r.err, "total cycles")) << r.err;
}

TEST(Hardening, CsvReportsQuoteNamesAndTracesRejectControlCharacters) {
  TempDir dir;
  put(dir.file("t.trace"), "itera-trace 1\na,b\"c dense 4 8 8 8 8 0 0 1 - -\n");
  const auto r = run_cli("simulate '" + dir.file("t.trace") + "' --csv '" + dir.path() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv"}) {
    std::istringstream lines(testing::slurp(dir.file(file)));
    std::string header, row;
    std::getline(lines, header);
    std::getline(lines, row);
    // Fields outside quotes: the row has as many separators as the header.
    const auto separators = [](const std::string& line) {
      int n = 0;
      bool quoted = false;
      for (char c : line) {
        if (c == '"') quoted = !quoted;
        n += !quoted && c == ',';
      }
      return n;
    };
    SCOPED_TRACE(file);
    EXPECT_EQ(separators(row), separators(header)) << row;
    EXPECT_TRUE(has(row, "\"a,b\"\"c\"")) << row;
  }
  const std::string m = error_of([] { parse_trace("itera-trace 1\nbad\x01name dense 4 8 8 8 8 0 0 1 - -\n", "c.trace"); });
  EXPECT_TRUE(has(m, "c.trace:2")) << m;
  EXPECT_TRUE(has(m, "printable")) << m;
}

}  // namespace
}  // namespace itera
