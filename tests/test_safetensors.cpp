#include "safetensors.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "error.h"
#include "half.h"
#include "test_support.h"

namespace {

using itera::DType;
using itera::Matrix;
using itera::SafetensorsCheckpoint;
using itera::SafetensorsFile;
using itera::SafetensorsWriter;
using itera::testing::contains_all;
using itera::testing::error_of;
using itera::testing::slurp;
using itera::testing::TempDir;
using itera::testing::write_file;

// ---- helpers independent of the writer ------------------------------------

void put_le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Little-endian bytes of each float (4 bytes) or double (8 bytes).
template <typename Float>
std::string float_bytes(std::initializer_list<Float> vals) {
  static_assert(sizeof(Float) == 4 || sizeof(Float) == 8);
  std::string s;
  for (Float f : vals) {
    std::conditional_t<sizeof(Float) == 4, uint32_t, uint64_t> u;
    std::memcpy(&u, &f, sizeof u);
    put_le(s, u, static_cast<int>(sizeof u));
  }
  return s;
}
std::string f32_bytes(std::initializer_list<float> vals) { return float_bytes(vals); }
std::string f64_bytes(std::initializer_list<double> vals) { return float_bytes(vals); }

std::string u16_bytes(std::initializer_list<uint16_t> vals) {
  std::string s;
  for (uint16_t v : vals) put_le(s, v, 2);
  return s;
}

// 8-byte little-endian header length + header + data.
std::string make_file_bytes(const std::string& header, const std::string& data) {
  std::string s;
  put_le(s, header.size(), 8);
  return s + header + data;
}

// Opens `bytes` as a file and expects an itera::Error whose message contains
// every one of `needles` (and the file path).
void expect_open_error(const std::string& bytes, std::initializer_list<std::string> needles) {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  write_file(path, bytes);
  std::vector<std::string> parts(needles);
  parts.push_back(path);
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsFile::open(path); }), parts));
}

Matrix test_matrix(int rows, int cols, float scale) {
  Matrix m(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      m(r, c) = scale * std::sin(0.37f * static_cast<float>(r * cols + c) + 0.1f) *
                static_cast<float>(1 + r);
    }
  }
  return m;
}

float bf16_round(float x) { return itera::bf16_to_float(itera::float_to_bf16(x)); }

// Writes `m` in `dtype` as the only tensor `name` of a file in `dir`, and opens the file.
SafetensorsFile write_one(const TempDir& dir, const std::string& name, const Matrix& m, DType dtype) {
  SafetensorsWriter w;
  w.add_matrix(name, m, dtype);
  const std::string path = dir.file(name + ".safetensors");
  w.write(path);
  return SafetensorsFile::open(path);
}

// Every element of `got` is `round` of the same element of `m`.
void expect_rounded(const Matrix& got, const Matrix& m, float (*round)(float)) {
  ASSERT_EQ(got.rows(), m.rows());
  ASSERT_EQ(got.cols(), m.cols());
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) EXPECT_EQ(got(i, j), round(m(i, j))) << i << "," << j;
}

// ---- dtype basics ----------------------------------------------------------

TEST(Safetensors, DTypeNamesAndSizes) {
  EXPECT_STREQ(itera::dtype_name(DType::BF16), "BF16");
  EXPECT_STREQ(itera::dtype_name(DType::BOOL), "BOOL");
  EXPECT_EQ(itera::dtype_size(DType::F64), 8u);
  EXPECT_EQ(itera::dtype_size(DType::F32), 4u);
  EXPECT_EQ(itera::dtype_size(DType::F16), 2u);
  EXPECT_EQ(itera::dtype_size(DType::BF16), 2u);
  EXPECT_EQ(itera::dtype_size(DType::I64), 8u);
  EXPECT_EQ(itera::dtype_size(DType::I8), 1u);
  EXPECT_EQ(itera::dtype_size(DType::BOOL), 1u);
  itera::TensorInfo t;
  t.shape = {3, 4, 5};
  EXPECT_EQ(t.numel(), 60);
  t.shape = {};
  EXPECT_EQ(t.numel(), 1);
}

// ---- writer -> file -> reader round trips ---------------------------------

TEST(Safetensors, RoundTripF32Exact) {
  TempDir dir;
  const Matrix a = test_matrix(5, 7, 3.0f);
  Matrix b(2, 3);
  b << 1e-30f, -0.0f, std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
      -123.456f, 7.0f;
  SafetensorsWriter w;
  w.add_matrix("layer.a", a);
  w.add_matrix("layer.b", b, DType::F32);
  w.set_metadata("format", "pt");
  w.set_metadata("note", "hello");
  const std::string path = dir.file("m.safetensors");
  w.write(path);

  const SafetensorsFile f = SafetensorsFile::open(path);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors()[0].name, "layer.a");  // header order = order added
  EXPECT_EQ(f.tensors()[1].name, "layer.b");
  const auto& ia = f.info("layer.a");
  EXPECT_EQ(ia.dtype, DType::F32);
  EXPECT_EQ(ia.shape, (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(ia.begin, 0u);
  EXPECT_EQ(ia.end, 5u * 7u * 4u);
  EXPECT_EQ(f.info("layer.b").begin, ia.end);  // contiguous, in order added
  EXPECT_EQ(f.info("layer.b").end, ia.end + 24u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("note"), "hello");
  EXPECT_EQ(f.metadata().size(), 2u);

  const Matrix ra = f.read_matrix("layer.a");
  ASSERT_EQ(ra.rows(), 5);
  ASSERT_EQ(ra.cols(), 7);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 7; ++c) EXPECT_EQ(ra(r, c), a(r, c));
  const Matrix rb = f.read_matrix("layer.b");
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(rb(r, c), b(r, c));
      EXPECT_EQ(std::signbit(rb(r, c)), std::signbit(b(r, c)));
    }
  // read_floats is row-major.
  const std::vector<float> fb = f.read_floats("layer.b");
  ASSERT_EQ(fb.size(), 6u);
  EXPECT_EQ(fb[2], std::numeric_limits<float>::max());
  EXPECT_EQ(fb[4], -123.456f);
  EXPECT_EQ(f.read_raw("layer.b"), f32_bytes({1e-30f, -0.0f, std::numeric_limits<float>::max(),
                                               std::numeric_limits<float>::denorm_min(), -123.456f, 7.0f}));
}

TEST(Safetensors, RoundTripF16EqualsRoundToF16) {
  TempDir dir;
  Matrix m = test_matrix(4, 9, 100.0f);
  m(0, 0) = 70000.0f;  // overflows F16 -> inf
  m(0, 1) = 1e-6f;     // F16 subnormal
  m(0, 2) = 1e-9f;     // underflows to 0
  m(0, 3) = 1.0f + std::ldexp(1.0f, -11);  // tie
  const SafetensorsFile f = write_one(dir, "h", m, DType::F16);
  EXPECT_EQ(f.info("h").dtype, DType::F16);
  EXPECT_EQ(f.info("h").end - f.info("h").begin, 4u * 9u * 2u);
  const Matrix r = f.read_matrix("h");
  expect_rounded(r, m, itera::round_to_f16);
  EXPECT_TRUE(std::isinf(r(0, 0)));
  EXPECT_EQ(r(0, 3), 1.0f);
  // Raw bytes are little-endian F16 patterns.
  const std::string raw = f.read_raw("h");
  ASSERT_EQ(raw.size(), 72u);
  EXPECT_EQ(raw.substr(0, 2), u16_bytes({0x7C00}));
  EXPECT_EQ(raw.substr(6, 2), u16_bytes({0x3C00}));
}

TEST(Safetensors, RoundTripBF16EqualsBF16Rounded) {
  TempDir dir;
  Matrix m = test_matrix(3, 5, 1e20f);
  m(2, 4) = 1.0f + std::ldexp(1.0f, -8);  // tie -> 1.0
  const SafetensorsFile f = write_one(dir, "b", m, DType::BF16);
  EXPECT_EQ(f.info("b").dtype, DType::BF16);
  const Matrix r = f.read_matrix("b");
  expect_rounded(r, m, bf16_round);
  EXPECT_EQ(r(2, 4), 1.0f);
  EXPECT_EQ(f.read_raw("b").substr(28, 2), u16_bytes({0x3F80}));
}

TEST(Safetensors, WriterLayoutPaddingAndDeterminism) {
  auto build = [] {
    SafetensorsWriter w;
    w.add_matrix("zeta", test_matrix(2, 3, 1.0f));
    w.add_matrix("alpha", test_matrix(1, 1, 2.0f), DType::F16);
    w.set_metadata("b", "2");
    w.set_metadata("a", "1");
    return w;
  };
  const std::string s1 = build().serialize();
  const std::string s2 = build().serialize();
  EXPECT_EQ(s1, s2);

  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(s1[i])) << (8 * i);
  EXPECT_EQ(n % 8, 0u);
  ASSERT_EQ(s1.size(), 8 + n + 24 + 2);
  const std::string header = s1.substr(8, n);
  EXPECT_EQ(header.front(), '{');
  const size_t close = header.find_last_of('}');
  EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos);  // only space padding
  // Buffer order follows the order added: "zeta" (F32, 24 bytes) then "alpha".
  EXPECT_NE(header.find(R"("zeta":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})"), std::string::npos)
      << header;
  EXPECT_NE(header.find(R"("alpha":{"dtype":"F16","shape":[1,1],"data_offsets":[24,26]})"), std::string::npos)
      << header;
  EXPECT_NE(header.find(R"("__metadata__":{"a":"1","b":"2"})"), std::string::npos) << header;
  EXPECT_EQ(s1.substr(8 + n + 24), u16_bytes({itera::float_to_f16(test_matrix(1, 1, 2.0f)(0, 0))}));

  TempDir dir;
  build().write(dir.file("x.safetensors"));
  EXPECT_EQ(slurp(dir.file("x.safetensors")), s1);
  // No metadata -> no __metadata__ key.
  SafetensorsWriter plain;
  plain.add_matrix("w", test_matrix(1, 2, 1.0f));
  EXPECT_EQ(plain.serialize().find("__metadata__"), std::string::npos);
}

TEST(Safetensors, WriterEmptyAndRawTensors) {
  TempDir dir;
  SafetensorsWriter w;
  w.add_raw("ints", DType::I32, {3}, std::string("\x01\x00\x00\x00\x02\x00\x00\x00\xff\xff\xff\xff", 12));
  w.add_raw("empty", DType::F32, {0, 5}, "");
  w.add_raw("scalar", DType::F64, {}, f64_bytes({2.5}));
  w.write(dir.file("r.safetensors"));
  const SafetensorsFile f = SafetensorsFile::open(dir.file("r.safetensors"));
  EXPECT_EQ(f.info("ints").dtype, DType::I32);
  EXPECT_EQ(f.read_raw("ints"), std::string("\x01\x00\x00\x00\x02\x00\x00\x00\xff\xff\xff\xff", 12));
  EXPECT_EQ(f.read_matrix("empty").rows(), 0);
  EXPECT_EQ(f.read_matrix("empty").cols(), 5);
  EXPECT_EQ(f.read_floats("scalar"), std::vector<float>{2.5f});
  EXPECT_TRUE(f.metadata().empty());
}

TEST(Safetensors, WriterRejectsBadInput) {
  SafetensorsWriter w;
  w.add_matrix("a", test_matrix(2, 2, 1.0f));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_matrix("a", test_matrix(1, 1, 1.0f)); }), {"duplicate", "'a'"}));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_raw("a", DType::U8, {1}, "x"); }), {"duplicate", "'a'"}));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_raw("r", DType::F32, {2, 3}, std::string(20, '\0')); }),
                           {"'r'", "20", "24"}));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_raw("neg", DType::F32, {-1, 3}, ""); }), {"'neg'", "negative"}));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_raw("big", DType::F32, {1LL << 40, 1LL << 40}, ""); }),
                           {"'big'", "too large"}));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_matrix("i", test_matrix(1, 1, 1.0f), DType::I32); }),
                           {"'i'", "I32", "F32, F16 and BF16"}));
  EXPECT_TRUE(contains_all(error_of([&] { w.add_raw("__metadata__", DType::U8, {1}, "x"); }), {"__metadata__"}));
  // Failed adds left the writer unchanged.
  TempDir dir;
  w.write(dir.file("w.safetensors"));
  EXPECT_EQ(SafetensorsFile::open(dir.file("w.safetensors")).tensors().size(), 1u);
  EXPECT_THROW(w.write(dir.file("no/such/dir/w.safetensors")), itera::Error);
}

// ---- hand-built files (independent of the writer) -------------------------

TEST(Safetensors, ReadsHandBuiltFile) {
  TempDir dir;
  // Deliberately unsorted keys, unpadded header, metadata last, tensors not in
  // buffer order.
  const std::string header =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},)"
      R"("d":{"dtype":"F64","shape":[1,2],"data_offsets":[20,36]},)"
      R"("c":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]},)"
      R"("i":{"dtype":"I8","shape":[3],"data_offsets":[36,39]},)"
      R"("__metadata__":{"format":"pt","who":"test"}})";
  const std::string data = u16_bytes({0x3C00, 0xC000, 0x3800, 0x7BFF}) + f32_bytes({3.5f, -0.25f}) +
                           u16_bytes({0x3F80, 0xC049}) + f64_bytes({0.1, -1e300}) + std::string("\x01\x02\x03", 3);
  const std::string path = dir.file("hand.safetensors");
  write_file(path, make_file_bytes(header, data));

  const SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.path(), path);
  ASSERT_EQ(f.tensors().size(), 5u);
  EXPECT_EQ(f.tensors()[0].name, "b");  // header order as written
  EXPECT_EQ(f.tensors()[1].name, "a");
  EXPECT_TRUE(f.has("a"));
  EXPECT_FALSE(f.has("__metadata__"));
  EXPECT_FALSE(f.has("zzz"));
  EXPECT_EQ(f.metadata().at("who"), "test");

  const Matrix a = f.read_matrix("a");
  ASSERT_EQ(a.rows(), 2);
  ASSERT_EQ(a.cols(), 2);
  EXPECT_EQ(a(0, 0), 1.0f);
  EXPECT_EQ(a(0, 1), -2.0f);
  EXPECT_EQ(a(1, 0), 0.5f);
  EXPECT_EQ(a(1, 1), 65504.0f);
  EXPECT_EQ(f.read_floats("b"), (std::vector<float>{3.5f, -0.25f}));
  EXPECT_EQ(f.read_floats("c"), (std::vector<float>{1.0f, -3.140625f}));
  const std::vector<float> d = f.read_floats("d");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], static_cast<float>(0.1));
  EXPECT_TRUE(std::isinf(d[1]) && d[1] < 0);
  EXPECT_EQ(f.read_raw("i"), std::string("\x01\x02\x03", 3));
  EXPECT_EQ(f.info("d").begin, 20u);
  EXPECT_EQ(f.info("d").end, 36u);

  EXPECT_TRUE(contains_all(error_of([&] { f.read_floats("i"); }), {"'i'", "I8", "F64, F32, F16 or BF16"}));
  EXPECT_TRUE(contains_all(error_of([&] { f.read_matrix("b"); }), {"'b'", "2-D", "[2]"}));
  EXPECT_TRUE(contains_all(error_of([&] { f.info("nope"); }), {"'nope'", path}));
  EXPECT_TRUE(contains_all(error_of([&] { f.read_raw("nope"); }), {"'nope'"}));
}

TEST(Safetensors, ReadsPaddedHeaderAndEmptyFile) {
  TempDir dir;
  const std::string path = dir.file("p.safetensors");
  write_file(path, make_file_bytes(R"({"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}     )", "ab"));
  EXPECT_EQ(SafetensorsFile::open(path).read_raw("x"), "ab");
  write_file(path, make_file_bytes("{}", ""));
  EXPECT_TRUE(SafetensorsFile::open(path).tensors().empty());
  // Two zero-size tensors at the same offset do not overlap.
  write_file(path, make_file_bytes(R"({"e1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                                   R"("e2":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]},)"
                                   R"("x":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}})",
                                   "\x01"));
  EXPECT_EQ(SafetensorsFile::open(path).tensors().size(), 3u);
}

// ---- malformed files -------------------------------------------------------

std::string one_tensor(const std::string& entry) { return std::string(R"({"t":)") + entry + "}"; }

TEST(Safetensors, RejectsBadFraming) {
  expect_open_error("", {"0 bytes", "8-byte"});
  expect_open_error("abcde", {"5 bytes", "8-byte"});
  std::string huge;
  put_le(huge, 200'000'000, 8);
  expect_open_error(huge + "{}", {"200000000", "absurdly large"});
  std::string longer;
  put_le(longer, 100, 8);
  expect_open_error(longer + "{}", {"header length 100", "exceeds", "2 bytes"});
  std::string all_ones;
  put_le(all_ones, ~0ULL, 8);
  expect_open_error(all_ones, {"absurdly large"});
  TempDir dir;
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsFile::open(dir.file("missing.safetensors")); }),
                           {"missing.safetensors"}));
}

TEST(Safetensors, RejectsBadHeaderJson) {
  expect_open_error(make_file_bytes("{\"t\": ", ""), {"not valid JSON"});
  expect_open_error(make_file_bytes("", ""), {"not valid JSON"});
  expect_open_error(make_file_bytes("[1,2]", ""), {"must be an object", "array"});
  expect_open_error(make_file_bytes("\"s\"", ""), {"must be an object"});
  expect_open_error(make_file_bytes(one_tensor("5"), ""), {"'t'", "must be an object"});
  expect_open_error(
      make_file_bytes(R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                      "ab"),
      {"duplicate", "'t'"});
}

TEST(Safetensors, RejectsBadEntries) {
  // Missing fields.
  expect_open_error(make_file_bytes(one_tensor(R"({"shape":[1],"data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "missing 'dtype'"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "missing 'shape'"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[1]})"), "abcd"),
                    {"'t'", "missing 'data_offsets'"});
  // Wrong JSON types.
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":32,"shape":[1],"data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "dtype must be a string", "number"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":"1","data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "shape must be an array"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "shape[0] must be an integer"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":{"a":0}})"), "abcd"),
                    {"'t'", "data_offsets must be [begin, end]"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[0]})"), "abcd"),
                    {"'t'", "data_offsets must be [begin, end]"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4,8]})"), "abcd"),
                    {"'t'", "data_offsets must be [begin, end]"});
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})"), "abcd"),
                    {"'t'", "non-negative"});
  // Unknown dtype lists the allowed ones.
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "unknown dtype 'F8_E4M3'", "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL"});
  // Negative dims.
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]})"), "abcd"),
                    {"'t'", "shape[1] is negative (-1)"});
  // begin > end.
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"U8","shape":[0],"data_offsets":[4,2]})"), "abcd"),
                    {"'t'", "[4, 2]", "begin > end"});
  // End beyond the buffer, naming its size.
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), "abcd"),
                    {"'t'", "beyond", "4 bytes"});
  // Size mismatch with both numbers.
  expect_open_error(make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"),
                                    std::string(8, '\0')),
                    {"'t'", "span 8 bytes", "needs 12 bytes"});
  // Shape whose element count overflows 64 bits (and would wrap to 0).
  expect_open_error(
      make_file_bytes(one_tensor(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]})"), ""),
      {"'t'", "too large"});
  expect_open_error(
      make_file_bytes(one_tensor(R"({"dtype":"F16","shape":[9223372036854775807,2],"data_offsets":[0,0]})"), ""),
      {"'t'", "too large"});
  expect_open_error(
      make_file_bytes(one_tensor(R"({"dtype":"F16","shape":[18446744073709551615],"data_offsets":[0,0]})"), ""),
      {"'t'", "too large"});
}

TEST(Safetensors, RejectsOverlapsAndHoles) {
  const std::string two_overlapping =
      R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  expect_open_error(make_file_bytes(two_overlapping, std::string(12, '\0')), {"overlaps", "'x'", "'y'"});
  const std::string same_range =
      R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})";
  expect_open_error(make_file_bytes(same_range, std::string(4, '\0')), {"overlaps"});
  const std::string hole_in_middle =
      R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
  expect_open_error(make_file_bytes(hole_in_middle, std::string(12, '\0')), {"hole", "[4, 8)", "'y'"});
  const std::string hole_at_start = R"({"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  expect_open_error(make_file_bytes(hole_at_start, std::string(8, '\0')), {"hole", "[0, 4)"});
  const std::string trailing = R"({"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  expect_open_error(make_file_bytes(trailing, std::string(10, '\0')), {"hole", "[4, 10)", "10 bytes"});
  expect_open_error(make_file_bytes("{}", "x"), {"hole", "[0, 1)"});
}

TEST(Safetensors, RejectsBadMetadata) {
  expect_open_error(make_file_bytes(R"({"__metadata__":[1]})", ""), {"__metadata__", "object", "array"});
  expect_open_error(make_file_bytes(R"({"__metadata__":{"k":"v","n":3}})", ""),
                    {"__metadata__", "'n'", "string"});
  expect_open_error(make_file_bytes(R"({"__metadata__":{"k":null}})", ""), {"'k'", "null"});
}

// ---- checkpoints -----------------------------------------------------------

std::string make_index(const std::string& weight_map_json) {
  return std::string(R"({"metadata":{"total_size":1234},"weight_map":)") + weight_map_json + "}";
}

struct Sharded {
  TempDir dir;
  Matrix q = test_matrix(3, 4, 1.0f);
  Matrix k = test_matrix(2, 4, -2.0f);
  Matrix o = test_matrix(4, 3, 0.5f);
  Matrix v = test_matrix(1, 6, 5.0f);
  Sharded() {
    SafetensorsWriter s1, s2;
    s1.add_matrix("layers.0.q", q);
    s1.add_matrix("layers.0.k", k, DType::F16);
    s2.add_matrix("layers.0.o", o, DType::BF16);
    s2.add_matrix("layers.0.v", v);
    s1.write(dir.file("model-00001-of-00002.safetensors"));
    s2.write(dir.file("model-00002-of-00002.safetensors"));
    write_file(dir.file("model.safetensors.index.json"),
               make_index(R"({"layers.0.q":"model-00001-of-00002.safetensors",)"
                          R"("layers.0.k":"model-00001-of-00002.safetensors",)"
                          R"("layers.0.v":"model-00002-of-00002.safetensors",)"
                          R"("layers.0.o":"model-00002-of-00002.safetensors"})"));
  }
};

void check_sharded(const SafetensorsCheckpoint& ck, const Sharded& s) {
  EXPECT_EQ(ck.tensor_names(),
            (std::vector<std::string>{"layers.0.k", "layers.0.o", "layers.0.q", "layers.0.v"}));
  EXPECT_TRUE(ck.has("layers.0.v"));
  EXPECT_FALSE(ck.has("layers.1.v"));
  EXPECT_EQ(ck.read_matrix("layers.0.q"), s.q);
  const Matrix k = ck.read_matrix("layers.0.k");
  for (int i = 0; i < k.rows(); ++i)
    for (int j = 0; j < k.cols(); ++j) EXPECT_EQ(k(i, j), itera::round_to_f16(s.k(i, j)));
  const Matrix o = ck.read_matrix("layers.0.o");
  for (int i = 0; i < o.rows(); ++i)
    for (int j = 0; j < o.cols(); ++j) EXPECT_EQ(o(i, j), bf16_round(s.o(i, j)));
  const std::vector<float> v = ck.read_floats("layers.0.v");
  ASSERT_EQ(v.size(), 6u);
  for (int j = 0; j < 6; ++j) EXPECT_EQ(v[static_cast<size_t>(j)], s.v(0, j));
  EXPECT_EQ(ck.info("layers.0.o").dtype, DType::BF16);
  EXPECT_EQ(ck.info("layers.0.o").shape, (std::vector<int64_t>{4, 3}));
  EXPECT_NE(ck.file_of("layers.0.k").path().find("model-00001-of-00002.safetensors"), std::string::npos);
  EXPECT_NE(ck.file_of("layers.0.v").path().find("model-00002-of-00002.safetensors"), std::string::npos);
  EXPECT_TRUE(contains_all(error_of([&] { ck.read_matrix("layers.9.q"); }), {"'layers.9.q'"}));
  EXPECT_TRUE(contains_all(error_of([&] { ck.info("nope"); }), {"'nope'"}));
}

TEST(SafetensorsCheckpoint, ShardedViaIndexFile) {
  Sharded s;
  check_sharded(SafetensorsCheckpoint::open(s.dir.file("model.safetensors.index.json")), s);
}

TEST(SafetensorsCheckpoint, ShardedViaDirectoryPrefersIndex) {
  Sharded s;
  // A model.safetensors beside the index must be ignored in favour of the index.
  SafetensorsWriter decoy;
  decoy.add_matrix("decoy", test_matrix(1, 1, 1.0f));
  decoy.write(s.dir.file("model.safetensors"));
  check_sharded(SafetensorsCheckpoint::open(s.dir.path()), s);
}

TEST(SafetensorsCheckpoint, SingleFileAndDirectory) {
  TempDir dir;
  const Matrix a = test_matrix(2, 5, 1.5f);
  SafetensorsWriter w;
  w.add_matrix("b.weight", a);
  w.add_matrix("a.weight", a, DType::F16);
  w.write(dir.file("model.safetensors"));
  for (const std::string& p : {dir.file("model.safetensors"), dir.path()}) {
    const SafetensorsCheckpoint ck = SafetensorsCheckpoint::open(p);
    EXPECT_EQ(ck.tensor_names(), (std::vector<std::string>{"a.weight", "b.weight"}));
    EXPECT_EQ(ck.read_matrix("b.weight"), a);
    EXPECT_EQ(ck.file_of("a.weight").path(), dir.file("model.safetensors"));
  }
  // Any .safetensors name works when given directly.
  w.write(dir.file("other.safetensors"));
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.file("other.safetensors")).tensor_names().size(), 2u);
}

TEST(SafetensorsCheckpoint, RejectsBadCheckpoints) {
  TempDir dir;
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(dir.file("nothing-here")); }),
                           {"nothing-here", "does not exist"}));
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(dir.path()); }),
                           {dir.path(), "model.safetensors.index.json", "model.safetensors"}));

  SafetensorsWriter s1, s2;
  s1.add_matrix("x", test_matrix(1, 2, 1.0f));
  s1.add_matrix("shared", test_matrix(1, 2, 1.0f));
  s2.add_matrix("y", test_matrix(1, 2, 1.0f));
  s2.add_matrix("shared", test_matrix(1, 2, 1.0f));
  s1.write(dir.file("s1.safetensors"));
  s2.write(dir.file("s2.safetensors"));
  const std::string index = dir.file("model.safetensors.index.json");

  // A tensor present in two shards.
  write_file(index, make_index(R"({"x":"s1.safetensors","y":"s2.safetensors"})"));
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }),
                           {"'shared'", "two shards", "s1.safetensors", "s2.safetensors"}));

  // Missing shard file.
  write_file(index, make_index(R"({"x":"s1.safetensors","z":"s3.safetensors"})"));
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }),
                           {"'s3.safetensors'", "'z'", "not found"}));

  // weight_map names a tensor its shard does not hold.
  SafetensorsWriter s4;
  s4.add_matrix("x4", test_matrix(1, 2, 1.0f));
  s4.write(dir.file("s4.safetensors"));
  write_file(index, make_index(R"({"x4":"s4.safetensors","y":"s4.safetensors"})"));
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }),
                           {"'y'", "'s4.safetensors'", "does not contain"}));

  // Malformed index files.
  write_file(index, "{not json");
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {index, "not valid JSON"}));
  write_file(index, R"({"metadata":{}})");
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {index, "weight_map"}));
  write_file(index, R"({"weight_map":[]})");
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {"weight_map", "object"}));
  write_file(index, R"({"weight_map":{"x4":7}})");
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {"'x4'", "shard file name"}));
  write_file(index, R"({"weight_map":{}})");
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {"empty"}));
  write_file(index, R"({"metadata":3,"weight_map":{"x4":"s4.safetensors"}})");
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {"metadata", "object"}));

  // A corrupt shard surfaces the shard's own error.
  write_file(dir.file("bad.safetensors"), "abc");
  write_file(index, make_index(R"({"x":"bad.safetensors"})"));
  EXPECT_TRUE(contains_all(error_of([&] { SafetensorsCheckpoint::open(index); }), {"bad.safetensors", "3 bytes"}));

  // The directory form finds the (good) index.
  write_file(index, make_index(R"({"x4":"s4.safetensors"})"));
  EXPECT_EQ(SafetensorsCheckpoint::open(dir.path()).tensor_names(), std::vector<std::string>{"x4"});
}

}  // namespace
