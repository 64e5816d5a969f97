#include "compressed_io.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "file_io.h"
#include "error.h"
#include "method.h"
#include "half.h"
#include "safetensors.h"

namespace itera {

namespace {

using nlohmann::json;

json spec_json(const QuantSpec& s) {
  return {{"bits", s.bits}, {"symmetric", s.symmetric}, {"granularity", granularity_name(s.granularity)},
          {"group", s.group}};
}

// An integer field in [lo, hi]; a value that does not fit (e.g. 2^32 + 5) is an error,
// never truncated.
int int_field(const json& j, const char* key, int64_t lo, int64_t hi, const std::string& what) {
  const json& v = j.at(key);
  bool ok = false;
  int64_t x = 0;
  if (v.is_number_unsigned()) {
    ok = v.get<uint64_t>() <= static_cast<uint64_t>(hi);
    x = ok ? static_cast<int64_t>(v.get<uint64_t>()) : 0;
  } else if (v.is_number_integer()) {
    x = v.get<int64_t>();
    ok = true;
  }
  if (!ok || x < lo || x > hi)
    throw Error(fmt::format("{}: '{}' must be an integer in {}..{} (got {})", what, key, lo, hi, v.dump()));
  return static_cast<int>(x);
}

QuantSpec spec_from_json(const json& j, const std::string& what, bool allow_fp16) {
  QuantSpec s;
  s.bits = int_field(j, "bits", 1, 64, what);
  s.symmetric = j.at("symmetric").get<bool>();
  s.granularity = parse_granularity(j.at("granularity").get<std::string>());
  s.group = int_field(j, "group", 0, INT32_MAX, what);
  validate_quant_spec(s, what, allow_fp16);  // a hand-edited file must not reach the quantizer's arithmetic
  return s;
}

std::string f16_bytes(const float* v, size_t n) {
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    const uint16_t h = float_to_f16(v[i]);
    out[2 * i] = static_cast<char>(h & 0xff);
    out[2 * i + 1] = static_cast<char>(h >> 8);
  }
  return out;
}

void add_quantized(SafetensorsWriter& w, const std::string& prefix, const QuantizedMatrix& q) {
  if (q.spec.is_float16()) {
    w.add_matrix(prefix + ".values", q.values, DType::F16);
    return;
  }
  std::string codes(q.codes.size(), '\0');
  for (size_t i = 0; i < q.codes.size(); ++i) codes[i] = static_cast<char>(static_cast<uint8_t>(q.codes[i] & 0xff));
  w.add_raw(prefix + ".codes", q.spec.symmetric ? DType::I8 : DType::U8, {q.rows, q.cols}, std::move(codes));
  w.add_raw(prefix + ".scales", DType::F16, {q.scale_rows, q.scale_cols}, f16_bytes(q.scales.data(), q.scales.size()));
  if (!q.spec.symmetric) {
    std::string zeros(q.zeros.size(), '\0');
    for (size_t i = 0; i < q.zeros.size(); ++i) zeros[i] = static_cast<char>(static_cast<uint8_t>(q.zeros[i]));
    w.add_raw(prefix + ".zeros", DType::U8, {q.scale_rows, q.scale_cols}, std::move(zeros));
  }
}

QuantizedMatrix read_quantized(const SafetensorsFile& f, const std::string& prefix, const QuantSpec& spec, int rows,
                               int cols) {
  QuantizedMatrix q;
  q.rows = rows;
  q.cols = cols;
  q.spec = spec;
  auto expect_shape = [&](const std::string& name, int64_t r, int64_t c) {
    const TensorInfo& info = f.info(name);
    if (info.shape != std::vector<int64_t>{r, c})
      throw Error(fmt::format("'{}': tensor '{}' has the wrong shape; expected [{}, {}]", f.path(), name, r, c));
  };
  if (spec.is_float16()) {
    expect_shape(prefix + ".values", rows, cols);
    q.values = f.read_matrix(prefix + ".values");
    return q;
  }
  q.scale_rows = spec.granularity == Granularity::PerTensor ? 1 : rows;
  q.scale_cols = spec.groups_per_row(cols);
  expect_shape(prefix + ".codes", rows, cols);
  expect_shape(prefix + ".scales", q.scale_rows, q.scale_cols);
  const std::string codes = f.read_raw(prefix + ".codes");
  q.codes.resize(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    const auto byte = static_cast<uint8_t>(codes[i]);
    q.codes[i] = spec.symmetric ? static_cast<int16_t>(static_cast<int8_t>(byte)) : static_cast<int16_t>(byte);
    if (q.codes[i] < spec.qmin() || q.codes[i] > spec.qmax())
      throw Error(fmt::format("'{}': tensor '{}' element {} = {} is outside the {}-bit range [{}, {}]", f.path(),
                              prefix + ".codes", i, q.codes[i], spec.bits, spec.qmin(), spec.qmax()));
  }
  const std::vector<float> scales = f.read_floats(prefix + ".scales");
  q.scales.assign(scales.begin(), scales.end());
  if (!spec.symmetric) {
    expect_shape(prefix + ".zeros", q.scale_rows, q.scale_cols);
    const std::string zeros = f.read_raw(prefix + ".zeros");
    q.zeros.resize(zeros.size());
    for (size_t i = 0; i < zeros.size(); ++i) {
      q.zeros[i] = static_cast<int16_t>(static_cast<uint8_t>(zeros[i]));
      if (q.zeros[i] > spec.qmax())
        throw Error(fmt::format("'{}': tensor '{}' zero point {} = {} exceeds the {}-bit maximum {}", f.path(),
                                prefix + ".zeros", i, q.zeros[i], spec.bits, spec.qmax()));
    }
  }
  return q;
}

}  // namespace

void save_compressed(const std::string& path, const std::vector<SavedLayer>& layers) {
  write_file_atomic(path, serialize_compressed(layers));
}

std::string serialize_compressed(const std::vector<SavedLayer>& layers) {
  SafetensorsWriter w;
  w.set_metadata("format", "itera-compressed");
  w.set_metadata("version", "1");
  json order = json::array();
  for (const auto& s : layers) {
    const CompressedLayer& l = s.layer;
    json meta = {{"method", l.method}, {"form", form_name(l.form)}, {"rows", l.rows}, {"cols", l.cols},
                 {"repeat", s.repeat}, {"rank", l.rank()}};
    meta["dense"] = l.dense ? spec_json(l.dense->spec) : json(nullptr);
    meta["factor"] = l.low_rank ? spec_json(l.low_rank->at.spec) : json(nullptr);
    w.set_metadata("layer:" + l.name, meta.dump());
    order.push_back(l.name);
    if (l.dense) add_quantized(w, l.name + ".D", *l.dense);
    if (l.low_rank) {
      add_quantized(w, l.name + ".A", l.low_rank->at);
      add_quantized(w, l.name + ".B", l.low_rank->b);
    }
  }
  w.set_metadata("layers", order.dump());
  return w.serialize();
}

std::vector<SavedLayer> load_compressed(const std::string& path) { return parse_compressed(read_file(path), path); }

std::vector<SavedLayer> parse_compressed(std::string bytes, const std::string& path) {
  const SafetensorsFile f = SafetensorsFile::parse(std::move(bytes), path);
  const auto& md = f.metadata();
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = md.find(key);
    if (it == md.end())
      throw Error(fmt::format("'{}' is not an itera compressed file: __metadata__ has no '{}'", path, key));
    return it->second;
  };
  if (get("format") != "itera-compressed")
    throw Error(fmt::format("'{}': __metadata__ format is '{}', expected 'itera-compressed'", path, get("format")));
  if (get("version") != "1")
    throw Error(fmt::format("'{}': unsupported itera-compressed version '{}'; this build reads version 1", path,
                            get("version")));
  std::vector<SavedLayer> out;
  try {
    for (const auto& name_j : json::parse(get("layers"))) {
      const std::string name = name_j.get<std::string>();
      const json meta = json::parse(get("layer:" + name));
      SavedLayer s;
      CompressedLayer& l = s.layer;
      l.name = name;
      const std::string where = fmt::format("'{}' layer '{}'", path, name);
      l.method = meta.at("method").get<std::string>();
      const std::vector<std::string> methods = method_names();
      if (std::find(methods.begin(), methods.end(), l.method) == methods.end())
        throw Error(fmt::format("{}: unknown method '{}'; known: {}", where, l.method, fmt::join(methods, ", ")));
      l.form = parse_form(meta.at("form").get<std::string>());
      l.rows = int_field(meta, "rows", 1, INT32_MAX, where);
      l.cols = int_field(meta, "cols", 1, INT32_MAX, where);
      s.repeat = int_field(meta, "repeat", 1, INT32_MAX, where);
      const int rank = int_field(meta, "rank", 0, INT32_MAX, where);
      if (l.rows < 1 || l.cols < 1 || s.repeat < 1 || rank < 0 || rank > std::min(l.rows, l.cols))
        throw Error(fmt::format("'{}': layer '{}' has invalid metadata (rows {}, cols {}, repeat {}, rank {})", path,
                                name, l.rows, l.cols, s.repeat, rank));
      if (!meta.at("dense").is_null())
        l.dense = read_quantized(f, name + ".D", spec_from_json(meta.at("dense"), "'" + path + "' layer '" + name + "' dense bits", false), l.rows, l.cols);
      if (!meta.at("factor").is_null()) {
        const QuantSpec fs = spec_from_json(meta.at("factor"), "'" + path + "' layer '" + name + "' factor bits", true);
        l.low_rank = LowRankFactors{read_quantized(f, name + ".A", fs, rank, l.rows),
                                    read_quantized(f, name + ".B", fs, rank, l.cols)};
      }
      out.push_back(std::move(s));
    }
  } catch (const json::exception& e) {
    throw Error(fmt::format("'{}': malformed itera metadata: {}", path, e.what()));
  }
  return out;
}

}  // namespace itera
