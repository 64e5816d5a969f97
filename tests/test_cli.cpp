// End-to-end tests of the `itera` CLI: bad input must fail with a specific
// message and leave no output behind; good input must give a well-formed,
// deterministic report whose numbers agree with closed forms computed here.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog.h"
#include "compressed_io.h"
#include "matrix.h"
#include "safetensors.h"
#include "synthetic.h"
#include "test_support.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using ::itera::testing::CliResult;
using ::itera::testing::contains;
using ::itera::testing::run_cli;
using ::itera::testing::shell_quote;
using ::itera::testing::slurp;
using ::itera::testing::TempDir;
using ::itera::testing::write_file;

// ---- helpers -------------------------------------------------------------------------

// Files in `dir` whose name contains ".tmp." (left-overs of an interrupted atomic write).
std::vector<std::string> temp_leftovers(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (contains(name, ".tmp.")) out.push_back(name);
  }
  return out;
}

// Runs a command that must fail; --json and --save point into `dir`, and after
// the run neither target (nor any temp file) may exist. Returns the result.
CliResult run_failing(const TempDir& dir, const std::string& args) {
  const std::string json = dir.file("report.json"), save = dir.file("saved.safetensors");
  const CliResult r = run_cli("decompose " + args + " --json " + shell_quote(json) + " --save " + shell_quote(save));
  // 1 = a user-facing itera::Error (2 is a bad command, 3 an internal error).
  EXPECT_EQ(r.exit_code, 1) << "args: " << args << "\nstdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_TRUE(contains(r.err, "itera decompose: error: ")) << "args: " << args << "\nstderr: " << r.err;
  EXPECT_FALSE(fs::exists(json)) << "a failed run left " << json;
  EXPECT_FALSE(fs::exists(save)) << "a failed run left " << save;
  EXPECT_TRUE(temp_leftovers(dir.path()).empty()) << "a failed run left a temp file";
  return r;
}

#define EXPECT_ERR_HAS(res, text) EXPECT_TRUE(::itera::testing::contains_all((res).err, {text}))

nlohmann::json load_json(const std::string& path) {
  const std::string text = slurp(path);
  EXPECT_FALSE(text.empty()) << path;
  return nlohmann::json::parse(text);
}

// ---- bad options ---------------------------------------------------------------------

TEST(CliErrors, UnknownMethodListsKnownMethods) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 32x32 --method qlora --rank 4");
  EXPECT_ERR_HAS(r, "qlora");
  for (const char* m : {"rtn", "svd", "itera", "lorc", "loftq"}) EXPECT_ERR_HAS(r, m);
}

TEST(CliErrors, DenseBitsOutOfRange) {
  TempDir dir;
  for (const char* bits : {"9", "1"}) {
    const CliResult r = run_failing(dir, std::string("--synthetic 32x32 --method rtn --bits ") + bits);
    EXPECT_ERR_HAS(r, "--bits");
    EXPECT_ERR_HAS(r, bits);
    EXPECT_ERR_HAS(r, "2..8");
  }
}

TEST(CliErrors, FactorBitsOutOfRange) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 32x32 --method itera --rank 4 --factor-bits 9");
  EXPECT_ERR_HAS(r, "--factor-bits");
  EXPECT_ERR_HAS(r, "9");
  EXPECT_ERR_HAS(r, "2..8");
}

TEST(CliErrors, RankAboveMinDimension) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 64x32 --method svd --rank 40");
  EXPECT_ERR_HAS(r, "40");
  EXPECT_ERR_HAS(r, "= 32");  // the largest allowed rank, min(64, 32)
}

TEST(CliErrors, RankGivenToRtn) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 32x32 --method rtn --rank 5");
  EXPECT_ERR_HAS(r, "rtn");
  EXPECT_ERR_HAS(r, "rank 5");
}

TEST(CliErrors, IteraWithoutRank) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 32x32 --method itera");
  EXPECT_ERR_HAS(r, "itera");
  EXPECT_ERR_HAS(r, "--rank");
}

TEST(CliErrors, UnknownShapeListsKnownShapes) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--shape llama-9000 --method rtn");
  EXPECT_ERR_HAS(r, "llama-9000");
  for (const auto& name : catalog_names()) EXPECT_ERR_HAS(r, name);
}

TEST(CliErrors, BadSyntheticShape) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 12by3 --method rtn");
  EXPECT_ERR_HAS(r, "12by3");
  EXPECT_ERR_HAS(r, "ROWSxCOLS");
}

TEST(CliErrors, UnknownOption) {
  TempDir dir;
  const CliResult r = run_failing(dir, "--synthetic 32x32 --method rtn --frobnicate 3");
  EXPECT_ERR_HAS(r, "frobnicate");
}

TEST(CliErrors, UnknownCommand) {
  const CliResult r = run_cli("decompse --synthetic 32x32");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_ERR_HAS(r, "decompse");
  EXPECT_ERR_HAS(r, "decompose");
}

// The --json report and the --save file appear together or not at all: when --save
// cannot be written (here: its directory does not exist), the run fails and the
// report is not left behind either.
TEST(CliErrors, UnwritableSaveTargetLeavesNoReport) {
  TempDir dir;
  const std::string json = dir.file("report.json"), save = dir.file("missing-dir/saved.safetensors");
  const CliResult r = run_cli("decompose --synthetic 32x32 --method rtn --bits 8 --json " + shell_quote(json) +
                              " --save " + shell_quote(save));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_ERR_HAS(r, "missing-dir/saved.safetensors");
  EXPECT_FALSE(fs::exists(save));
  EXPECT_FALSE(fs::exists(json)) << "a failed run (unwritable --save) left the --json report behind";
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

TEST(CliErrors, UnwritableJsonTarget) {
  TempDir dir;
  const std::string json = dir.file("missing-dir/report.json"), save = dir.file("saved.safetensors");
  const CliResult r = run_cli("decompose --synthetic 32x32 --method rtn --bits 8 --json " + shell_quote(json) +
                              " --save " + shell_quote(save));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_ERR_HAS(r, "missing-dir/report.json");
  EXPECT_FALSE(fs::exists(json));
  EXPECT_FALSE(fs::exists(save));
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

// ---- bad checkpoints -----------------------------------------------------------------

TEST(CliErrors, Llama2cCheckpointWithWrongSize) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  const std::string bytes = slurp(path);
  ASSERT_EQ(bytes.size(), 1056540u);
  TempDir dir;
  const std::string truncated = dir.file("truncated.bin"), padded = dir.file("padded.bin");
  write_file(truncated, bytes.substr(0, bytes.size() - 4));
  write_file(padded, bytes + std::string(4, '\0'));

  const CliResult a = run_failing(dir, "--model " + shell_quote(truncated) + " --method rtn --bits 8");
  EXPECT_ERR_HAS(a, "1056540");
  EXPECT_ERR_HAS(a, "1056536");
  EXPECT_ERR_HAS(a, "truncated.bin");

  const CliResult b = run_failing(dir, "--model " + shell_quote(padded) + " --method rtn --bits 8");
  EXPECT_ERR_HAS(b, "1056540");
  EXPECT_ERR_HAS(b, "1056544");
  EXPECT_ERR_HAS(b, "padded.bin");
}

TEST(CliErrors, SafetensorsWeightWithNaN) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  Matrix q_proj = synthetic_weight(16, 16, 1);
  Matrix up = synthetic_weight(24, 16, 2);
  up(5, 7) = std::nanf("");  // flat index 5 * 16 + 7 = 87
  SafetensorsWriter w;
  w.add_matrix("model.layers.0.self_attn.q_proj.weight", q_proj);
  w.add_matrix("model.layers.0.mlp.up_proj.weight", up);
  w.write(path);

  // q_proj (valid) is processed first, so the failure comes after some work was done.
  const CliResult r = run_failing(dir, "--model " + shell_quote(path) + " --method rtn --bits 8");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_ERR_HAS(r, "model.layers.0.mlp.up_proj.weight");
  EXPECT_ERR_HAS(r, "[5, 7]");
  EXPECT_ERR_HAS(r, "87");
}

TEST(CliErrors, SafetensorsDataOffsetsBeyondFile) {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  // Header claims 2x2 F32 = 16 bytes at [0, 32); the buffer holds only 16 bytes.
  std::string header =
      R"({"model.layers.0.self_attn.q_proj.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,32]}})";
  while (header.size() % 8 != 0) header += ' ';
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  bytes += header;
  bytes += std::string(16, '\0');
  write_file(path, bytes);

  const CliResult r = run_failing(dir, "--model " + shell_quote(path) + " --method rtn --bits 8");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_ERR_HAS(r, "model.layers.0.self_attn.q_proj.weight");
  EXPECT_ERR_HAS(r, "data_offsets");
  EXPECT_ERR_HAS(r, "32");
  EXPECT_ERR_HAS(r, "bad.safetensors");
}

// ---- help ----------------------------------------------------------------------------

TEST(CliHelp, TopLevelHelpListsCommands) {
  const CliResult r = run_cli("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "decompose")) << r.out;
  EXPECT_TRUE(contains(r.out, "shapes")) << r.out;
  EXPECT_TRUE(contains(r.out, "usage")) << r.out;
}

TEST(CliHelp, DecomposeHelpListsEveryOptionWithItsDefault) {
  const CliResult r = run_cli("decompose --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Independent list of the documented defaults.
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"seed", "0"},          {"method", "itera"},     {"bits", "4"},       {"factor-bits", "4"},
      {"granularity", "channel"}, {"group", "0"},       {"factor-group", "0"}, {"form", "factorized"},
      {"loftq-iters", "5"},   {"svd-engine", "fast"},  {"bound", "auto"},
  };
  for (const auto& [opt, def] : defaults)
    EXPECT_TRUE(contains(r.out, "--" + opt + " arg (=" + def + ")")) << opt << " default " << def << " in:\n" << r.out;
  for (const char* opt : {"--model", "--synthetic", "--shape", "--layers", "--include-head", "--rank", "--asym",
                          "--json", "--save", "--no-timing"})
    EXPECT_TRUE(contains(r.out, opt)) << opt;

}

// ---- reports -------------------------------------------------------------------------

TEST(CliReport, IteraJsonHasEveryKeyAndClosedFormBits) {
  TempDir dir;
  const std::string json = dir.file("r.json");
  const CliResult r =
      run_cli("decompose --synthetic 96x80 --method itera --rank 8 --bits 4 --factor-bits 4 --no-timing --json " +
              shell_quote(json));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "synthetic.96x80")) << r.out;
  EXPECT_FALSE(contains(r.out, "time_s")) << "--no-timing must drop timings";
  const nlohmann::json j = load_json(json);
  ASSERT_TRUE(j.contains("layers"));
  ASSERT_EQ(j["layers"].size(), 1u);
  for (const auto& l : j["layers"]) {
    for (const char* key : {"name", "rows", "cols", "method", "bits", "factor_bits", "rank", "bits_per_weight",
                            "rel_error", "ey_rel_error"})
      EXPECT_TRUE(l.contains(key)) << key;
    EXPECT_FALSE(l.contains("seconds"));
    EXPECT_EQ(l["name"], "synthetic.96x80");
    EXPECT_EQ(l["rows"], 96);
    EXPECT_EQ(l["cols"], 80);
    EXPECT_EQ(l["method"], "itera");
    EXPECT_TRUE(l["bits"].is_null()) << "factorized itera has no dense part";
    EXPECT_EQ(l["factor_bits"], 4);
    EXPECT_EQ(l["rank"], 8);
    const double rel = l["rel_error"].get<double>(), ey = l["ey_rel_error"].get<double>();
    EXPECT_GT(rel, 0.0);
    EXPECT_LT(rel, 1.0);
    EXPECT_GT(ey, 0.0);
    EXPECT_GE(rel, ey) << "no rank-8 approximation beats the Eckart-Young bound";
    // Factorized: A (96x8) and B (8x80) at 4 bits, one F16 scale per factor vector (2 * rank vectors).
    const double rank = 8, rows = 96, cols = 80;
    const double expected_bits = rank * (rows + cols) * 4 + 2 * rank * 16;
    EXPECT_NEAR(l["bits_per_weight"].get<double>(), expected_bits / (rows * cols), 1e-12);
  }
  EXPECT_FALSE(j.contains("total") && j["total"].contains("seconds"));
}

TEST(CliReport, NoTimingRunsAreByteIdentical) {
  TempDir dir;
  const std::string cmd = "decompose --synthetic 96x80 --method itera --rank 8 --bits 4 --factor-bits 4 --no-timing "
                          "--seed 3 --json ";
  const CliResult a = run_cli(cmd + shell_quote(dir.file("a.json")));
  const CliResult b = run_cli(cmd + shell_quote(dir.file("b.json")));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
  const std::string ja = slurp(dir.file("a.json")), jb = slurp(dir.file("b.json"));
  EXPECT_FALSE(ja.empty());
  EXPECT_EQ(ja, jb);
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

TEST(CliReport, SavedLayersReloadWithTheReportedError) {
  TempDir dir;
  const uint64_t seed = 7;
  const std::string json = dir.file("r.json"), save = dir.file("c.safetensors");
  const CliResult r = run_cli("decompose --synthetic 96x80 --method itera --rank 8 --bits 4 --factor-bits 4 "
                              "--no-timing --seed " + std::to_string(seed) + " --json " + shell_quote(json) +
                              " --save " + shell_quote(save));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = load_json(json);
  ASSERT_EQ(j["layers"].size(), 1u);
  const auto& jl = j["layers"][0];

  const std::vector<SavedLayer> loaded = load_compressed(save);
  ASSERT_EQ(loaded.size(), 1u);
  const CompressedLayer& layer = loaded[0].layer;
  EXPECT_EQ(layer.name, jl["name"].get<std::string>());
  EXPECT_EQ(layer.name, "synthetic.96x80");
  EXPECT_EQ(layer.rows, 96);
  EXPECT_EQ(layer.cols, 80);
  EXPECT_EQ(layer.rank(), 8);
  EXPECT_EQ(layer.rank(), jl["rank"].get<int>());
  EXPECT_EQ(loaded[0].repeat, 1);
  EXPECT_NEAR(layer.bits_per_weight(), jl["bits_per_weight"].get<double>(), 1e-12);

  // --synthetic uses --seed directly.
  const Matrix w = synthetic_weight(96, 80, seed);
  const Matrix w_hat = layer.reconstruct();
  ASSERT_EQ(w_hat.rows(), 96);
  ASSERT_EQ(w_hat.cols(), 80);
  const double rel = std::sqrt((w - w_hat).cast<double>().squaredNorm()) / std::sqrt(w.cast<double>().squaredNorm());
  EXPECT_NEAR(rel, jl["rel_error"].get<double>(), 1e-6);
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

TEST(CliReport, Stories260kRtn8) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  TempDir dir;
  const std::string json = dir.file("s.json");
  const CliResult r =
      run_cli("decompose --model " + shell_quote(path) + " --method rtn --bits 8 --json " + shell_quote(json));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = load_json(json);
  const auto& layers = j["layers"];
  ASSERT_EQ(layers.size(), 35u);  // 5 blocks x 7 linears
  EXPECT_EQ(layers[0]["name"], "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(layers[0]["rows"], 64);
  EXPECT_EQ(layers[0]["cols"], 64);
  for (const auto& l : layers) {
    EXPECT_EQ(l["method"], "rtn");
    EXPECT_EQ(l["bits"], 8);
    EXPECT_EQ(l["rank"], 0);
    const double cols = l["cols"].get<double>();
    // 8-bit codes plus one F16 scale per output channel (row).
    EXPECT_NEAR(l["bits_per_weight"].get<double>(), 8.0 + 16.0 / cols, 1e-12) << l["name"];
    EXPECT_GT(l["rel_error"].get<double>(), 0.0);
    EXPECT_LT(l["rel_error"].get<double>(), 0.02) << l["name"];
  }
}

// --include-head on a llama2.c checkpoint adds the classifier (shared with the token
// embedding in stories260K) as a 36th layer, through the CLI flag as well.
TEST(CliReport, Stories260kIncludeHeadAddsTheClassifier) {
  ITERA_REQUIRE_SHARED(path, "models/stories260K.bin");
  TempDir dir;
  const std::string json = dir.file("s.json");
  const CliResult r = run_cli("decompose --model " + shell_quote(path) +
                              " --method rtn --bits 8 --include-head --no-timing --json " + shell_quote(json));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = load_json(json);
  const auto& layers = j["layers"];
  ASSERT_EQ(layers.size(), 36u) << "--include-head was ignored: no classifier layer";
  EXPECT_EQ(layers[35]["name"], "lm_head.weight");
  EXPECT_EQ(layers[35]["rows"], 512);  // vocab
  EXPECT_EQ(layers[35]["cols"], 64);   // dim
}

}  // namespace
}  // namespace itera
