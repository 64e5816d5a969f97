// Replays the committed fuzz corpora (tests/fuzz/corpus/NAME/: the seeds and every
// input a fuzzer once crashed on) through the fuzz targets, with the ordinary build:
// each input must be accepted or rejected with itera::Error, never anything else.
// scripts/fuzz.sh runs the same targets under libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "targets.h"

namespace itera {
namespace {

namespace fs = std::filesystem;

// Runs `target` on every file of corpus/NAME; an exception out of it (a finding) fails.
void replay(const char* name, int (*target)(const uint8_t*, size_t)) {
  const fs::path dir = fs::path(ITERA_FUZZ_CORPUS_DIR) / name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  EXPECT_FALSE(files.empty()) << "no seeds in " << dir;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << f << ": " << e.what();
    }
  }
}

TEST(FuzzCorpus, Trace) { replay("trace", fuzz::trace); }
TEST(FuzzCorpus, AccelConfig) { replay("accel_config", fuzz::accel_config); }
TEST(FuzzCorpus, Sweep) { replay("sweep", fuzz::sweep); }
TEST(FuzzCorpus, DseSpec) { replay("dse_spec", fuzz::dse_spec); }
TEST(FuzzCorpus, Scalesim) { replay("scalesim", fuzz::scalesim); }
TEST(FuzzCorpus, Llama2c) { replay("llama2c", fuzz::llama2c); }
TEST(FuzzCorpus, Tokenizer) { replay("tokenizer", fuzz::tokenizer); }
TEST(FuzzCorpus, Safetensors) { replay("safetensors", fuzz::safetensors); }
TEST(FuzzCorpus, HfConfig) { replay("hf_config", fuzz::hf_config); }
TEST(FuzzCorpus, Compressed) { replay("compressed", fuzz::compressed); }
TEST(FuzzCorpus, Dramsim3Trace) { replay("dramsim3_trace", fuzz::dramsim3_trace); }

}  // namespace
}  // namespace itera
