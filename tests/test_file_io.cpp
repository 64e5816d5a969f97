// Output files (workloads/util/file_io.h): symlinks are followed and stay links,
// devices and FIFOs are written in place and keep their type, a failed write leaves
// no output, and an output that is an input is refused, however it is spelled.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "error.h"
#include "file_io.h"
#include "matrix.h"
#include "safetensors.h"
#include "test_support.h"

namespace itera {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string contents(const std::string& path) { return testing::slurp(path); }

TEST(FileIo, ASymlinkIsFollowedAndStaysALink) {
  TempDir dir;
  std::ofstream(dir.file("target.txt")) << "old";
  fs::create_symlink("target.txt", dir.file("link.txt"));
  write_file_atomic(dir.file("link.txt"), "new");
  EXPECT_TRUE(fs::is_symlink(dir.file("link.txt")));
  EXPECT_EQ(contents(dir.file("target.txt")), "new");
  // A dangling link creates its target.
  fs::create_symlink("made.txt", dir.file("dangling.txt"));
  write_file_atomic(dir.file("dangling.txt"), "made");
  EXPECT_TRUE(fs::is_symlink(dir.file("dangling.txt")));
  EXPECT_EQ(contents(dir.file("made.txt")), "made");
  // No temp files are left beside either.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.path().filename().string().find(".tmp") == std::string::npos;
  EXPECT_EQ(files, 4);
}

TEST(FileIo, DevicesAreWrittenInPlaceAndKeepTheirType) {
  write_file_atomic("/dev/null", "discarded");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  try {
    write_file_atomic("/dev/full", "no room");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
  ASSERT_EQ(::stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(FileIo, AFifoIsWrittenInPlace) {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string read_back;
  std::thread reader([&] { read_back = contents(fifo); });
  write_file_atomic(fifo, "through the pipe");
  reader.join();
  EXPECT_EQ(read_back, "through the pipe");
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(FileIo, ADirectoryIsAnErrorForReadingAndWriting) {
  TempDir dir;
  EXPECT_THROW(write_file_atomic(dir.path(), "x"), Error);
  try {
    read_file(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(FileIo, StagedOutputsWriteNothingWhenADeviceFails) {
  TempDir dir;
  StagedOutputs out;
  out.add(dir.file("a.json"), "{}");
  out.add("/dev/full", "x");
  EXPECT_THROW(out.commit(), Error);
  EXPECT_FALSE(fs::exists(dir.file("a.json")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 0);
}

TEST(FileIo, StagedOutputsRefuseTwoSpellingsOfOneFile) {
  TempDir dir;
  std::ofstream(dir.file("r.json")) << "";
  StagedOutputs out;
  out.add(dir.file("r.json"), "1");
  EXPECT_THROW(out.add(dir.path() + "/./r.json", "2"), Error);
}

TEST(FileIo, SameFileComparesDeviceAndInodeNotSpelling) {
  TempDir dir;
  std::ofstream(dir.file("in.trace")) << "data";
  ASSERT_EQ(::link(dir.file("in.trace").c_str(), dir.file("hard.trace").c_str()), 0);
  fs::create_symlink(dir.file("in.trace"), dir.file("soft.trace"));
  EXPECT_TRUE(same_file(dir.file("in.trace"), dir.path() + "/../" + fs::path(dir.path()).filename().string() + "/in.trace"));
  EXPECT_TRUE(same_file(dir.file("in.trace"), dir.file("hard.trace")));
  EXPECT_TRUE(same_file(dir.file("in.trace"), dir.file("soft.trace")));
  EXPECT_FALSE(same_file(dir.file("in.trace"), dir.file("missing")));
  try {
    refuse_overwriting_input(dir.file("hard.trace"), "--json", dir.file("in.trace"), "trace");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--json"), std::string::npos) << m;
    EXPECT_NE(m.find("same file as the trace"), std::string::npos) << m;
  }
  EXPECT_EQ(contents(dir.file("in.trace")), "data");
}

TEST(FileIo, CommandsRefuseToOverwriteTheirInputs) {
  TempDir dir;
  const std::string layers = dir.file("layers.safetensors");
  ASSERT_EQ(testing::run_cli("decompose --synthetic 32x48 --method itera --bits 4 --rank 4 --save '" + layers + "'")
                .exit_code,
            0);
  const std::string before = contents(layers);
  const auto trace = testing::run_cli("trace --decomposition '" + layers + "' --phase decode -o '" + layers + "'");
  EXPECT_NE(trace.exit_code, 0);
  EXPECT_NE(trace.err.find("same file as the --decomposition"), std::string::npos) << trace.err;
  EXPECT_EQ(contents(layers), before);
  // A checkpoint decompose reads (one LLaMA linear layer), then --save and --json onto it.
  const std::string model = dir.file("model.safetensors");
  SafetensorsWriter w;
  w.add_matrix("model.layers.0.mlp.down_proj.weight", Matrix::Constant(8, 16, 0.5f));
  w.write(model);
  ASSERT_EQ(testing::run_cli("decompose --model '" + model + "' --method rtn --bits 4").exit_code, 0);
  const std::string model_before = contents(model);
  for (const char* option : {"--save", "--json"}) {
    const auto r =
        testing::run_cli("decompose --model '" + model + "' --method rtn --bits 4 " + option + " '" + model + "'");
    SCOPED_TRACE(option);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("same file as the --model"), std::string::npos) << r.err;
  }
  EXPECT_EQ(contents(model), model_before);
}

}  // namespace
}  // namespace itera
