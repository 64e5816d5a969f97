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

struct FuzzTarget {
  const char* name;
  int (*run)(const uint8_t*, size_t);
};

const FuzzTarget kTargets[] = {
    {"trace", fuzz::trace},         {"accel_config", fuzz::accel_config},
    {"sweep", fuzz::sweep},         {"scalesim", fuzz::scalesim},
    {"llama2c", fuzz::llama2c},     {"tokenizer", fuzz::tokenizer},
    {"safetensors", fuzz::safetensors}, {"hf_config", fuzz::hf_config},
    {"compressed", fuzz::compressed},
};

class FuzzCorpus : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzCorpus, EveryInputIsAcceptedOrRejectedWithAnIteraError) {
  const fs::path dir = fs::path(ITERA_FUZZ_CORPUS_DIR) / GetParam().name;
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
      GetParam().run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << f << ": " << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, ::testing::ValuesIn(kTargets),
                         [](const ::testing::TestParamInfo<FuzzTarget>& target) { return std::string(target.param.name); });

}  // namespace
}  // namespace itera
