// `itera decompose --jobs N` decomposes layers in parallel; the report must not depend on N.
#include <gtest/gtest.h>

#include "test_support.h"

namespace itera {
namespace {

TEST(DecomposeJobs, ReportIsIndependentOfJobCount) {
  testing::TempDir dir;
  std::string out1, json1;
  for (int jobs : {1, 2, 3}) {
    const std::string json = dir.file("r" + std::to_string(jobs) + ".json");
    const auto r = testing::run_cli("decompose --shape stories260k --method itera --form compensated --bits 3 "
                                    "--factor-bits 4 --rank 8 --no-timing --json " + testing::shell_quote(json) +
                                    " --jobs " + std::to_string(jobs));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (jobs == 1) {
      out1 = r.out;
      json1 = testing::slurp(json);
      EXPECT_NE(json1.find("\"rel_error\""), std::string::npos);
    } else {
      EXPECT_EQ(r.out, out1) << "jobs " << jobs;
      EXPECT_EQ(testing::slurp(json), json1) << "jobs " << jobs;
    }
  }
  const auto bad = testing::run_cli("decompose --shape stories260k --method rtn --jobs 0");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--jobs"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace itera

namespace itera {
namespace {

TEST(CliSeed, NegativeSeedIsRejected) {
  for (const char* form : {"--seed -1", "--seed=-5"}) {
    const auto r = testing::run_cli(std::string("decompose --synthetic 5x5 --method rtn ") + form);
    EXPECT_NE(r.exit_code, 0) << form;
    EXPECT_NE(r.err.find("non-negative"), std::string::npos) << r.err;
  }
  EXPECT_EQ(testing::run_cli("decompose --synthetic 5x5 --method rtn --seed 7").exit_code, 0);
}

}  // namespace
}  // namespace itera
