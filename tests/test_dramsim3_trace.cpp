// The DRAMsim3 trace reader (sim/dramsim3_trace.h) of `itera dram --trace`: good lines
// in both address forms, and every kind of bad line, reported with its file and 1-based
// line, what is wrong and what is allowed.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dramsim3_trace.h"
#include "test_support.h"

namespace itera {
namespace {

using ::itera::testing::contains_all;
using ::itera::testing::error_of;

std::vector<DramRequest> parse(const std::string& text) { return parse_dramsim3_trace(text, "t.trc"); }
std::string error_in(const std::string& text) {
  return error_of([&] { parse(text); });
}

TEST(Dramsim3Trace, ReadsAddressTypeAndCycleInBothAddressForms) {
  const std::vector<DramRequest> r = parse("0x1f40 READ 12\n1f40 WRITE 12\n0X00ABcd READ 13\n0 READ 100\n");
  const std::vector<DramRequest> expected = {
      {0x1f40, false, 12}, {0x1f40, true, 12}, {0xabcd, false, 13}, {0, false, 100}};
  EXPECT_EQ(r, expected);
}

TEST(Dramsim3Trace, SkipsBlankLinesAndAcceptsTabsCrlfAndAByteOrderMark) {
  const std::vector<DramRequest> r = parse("\xEF\xBB\xBF\n  \n0x40\tREAD\t0\r\n\r\n\t 80   WRITE  3 \r\n\n");
  const std::vector<DramRequest> expected = {{0x40, false, 0}, {0x80, true, 3}};
  EXPECT_EQ(r, expected);
  EXPECT_EQ(parse("0x40 READ 0").size(), 1u);  // no newline at the end
}

TEST(Dramsim3Trace, TheWidestAddressAndTheLargestCycle) {
  const std::vector<DramRequest> r =
      parse("0xffffffffffffffff READ 0\n000000000000000000000001 WRITE 10000000000\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].addr, ~uint64_t{0});
  EXPECT_EQ(r[1].addr, 1u);  // leading zeros are not significant digits
  EXPECT_EQ(r[1].cycle, kMaxDramTraceCycle);
}

TEST(Dramsim3Trace, EqualCyclesAreAllowed) { EXPECT_EQ(parse("0 READ 5\n40 READ 5\n80 READ 5\n").size(), 3u); }

TEST(Dramsim3Trace, FormatReadsBackToTheSameRequests) {
  const std::vector<DramRequest> r = {{0, false, 0}, {0xdeadbeef40, true, 7}, {~uint64_t{0}, false, kMaxDramTraceCycle}};
  EXPECT_EQ(format_dramsim3_trace(r), "0x0 READ 0\n0xdeadbeef40 WRITE 7\n0xffffffffffffffff READ 10000000000\n");
  EXPECT_EQ(parse(format_dramsim3_trace(r)), r);
}

// Each bad line: its message names the file and line, what is wrong and what is allowed.
TEST(Dramsim3Trace, WrongFieldCountNamesTheLineAndTheForm) {
  EXPECT_TRUE(contains_all(error_in("0 READ 0\n\n0x40 READ\n"),
                           {"t.trc:3: 2 fields where a request has 3", "'<hex address> <READ|WRITE> <cycle>'"}));
  EXPECT_TRUE(contains_all(error_in("0x40 READ 1 64\n"), {"t.trc:1: 4 fields where a request has 3"}));
  EXPECT_TRUE(contains_all(error_in("0x40\n"), {"t.trc:1: 1 field where"}));
  // A comment is not part of the format.
  EXPECT_TRUE(contains_all(error_in("0x40 READ 1 # first\n"), {"t.trc:1: 5 fields"}));
}

TEST(Dramsim3Trace, BadAddressesSayWhatIsAllowed) {
  for (const std::string bad : {"0xg0", "0x", "x40", "-40", "+40", "1f4o", "0x1f40,"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(contains_all(error_in("0 READ 0\n" + bad + " READ 1\n"),
                             {"t.trc:2: address '" + bad + "' is not a hexadecimal number",
                              "1 to 16 significant digits", "with or without 0x"}));
  }
  EXPECT_TRUE(contains_all(error_in("0x10000000000000000 READ 0\n"),
                           {"t.trc:1: address '0x10000000000000000' does not fit in 64 bits", "1 to 16"}));
}

TEST(Dramsim3Trace, UnknownTypeListsReadAndWrite) {
  for (const std::string bad : {"read", "Write", "RD", "P_MEM_RD", "READ,"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(contains_all(error_in("0x40 " + bad + " 0\n"),
                             {"t.trc:1: request type '" + bad + "' is not known", "allowed: READ, WRITE"}));
  }
}

TEST(Dramsim3Trace, BadCyclesSayWhatIsAllowed) {
  for (const std::string bad : {"-1", "+1", "1.5", "1e3", "0x10", "12a"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(contains_all(error_in("0x40 READ " + bad + "\n"),
                             {"t.trc:1: cycle '" + bad + "' is not a whole decimal number",
                              "0 to 10000000000"}));
  }
  for (const std::string big : {"10000000001", "18446744073709551616", "99999999999999999999999999"}) {
    SCOPED_TRACE(big);
    EXPECT_TRUE(contains_all(error_in("0x40 READ " + big + "\n"),
                             {"t.trc:1: cycle " + big + " is too large", "0 to 10000000000"}));
  }
}

TEST(Dramsim3Trace, ADecreasingCycleNamesBothLines) {
  EXPECT_TRUE(contains_all(error_in("0 READ 10\n\n40 READ 12\n80 WRITE 11\n"),
                           {"t.trc:4: cycle 11 is before cycle 12 of the request on line 3",
                            "cycles that never decrease"}));
}

TEST(Dramsim3Trace, AnEmptyTraceIsAnError) {
  for (const std::string empty : {"", "\n\n", "  \t\r\n", "\xEF\xBB\xBF"}) {
    EXPECT_TRUE(contains_all(error_in(empty), {"t.trc: no requests", "one request per line"}));
  }
}

// Bytes a message cannot print are shown escaped, and a long field is cut short.
TEST(Dramsim3Trace, MessagesShowOddBytesEscapedAndLongFieldsCut) {
  const std::string m = error_in(std::string("0x4") + '\0' + "0 READ 1\n");
  EXPECT_TRUE(contains_all(m, {"t.trc:1: address '0x4\\x000'"})) << m;
  const std::string long_type(1000, 'Z');
  const std::string m2 = error_in("0 " + long_type + " 1\n");
  EXPECT_TRUE(contains_all(m2, {"'" + std::string(40, 'Z') + "...'"})) << m2;
  EXPECT_LT(m2.size(), 200u);
}

TEST(Dramsim3Trace, ReadingAFileThatIsNotThereNamesIt) {
  const std::string m = error_of([] { read_dramsim3_trace("/nonexistent/dir/t.trc"); });
  EXPECT_TRUE(contains_all(m, {"/nonexistent/dir/t.trc"})) << m;
}

}  // namespace
}  // namespace itera
