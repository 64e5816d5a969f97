#include "safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "file_io.h"
#include "error.h"
#include "half.h"

namespace itera {

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // 100 MB: anything larger is not a real header

constexpr DType kAllDTypes[] = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                                DType::I32, DType::I16, DType::I8,  DType::U8,   DType::BOOL};

std::string allowed_dtypes() {
  std::string s;
  for (DType d : kAllDTypes) {
    if (!s.empty()) s += ", ";
    s += dtype_name(d);
  }
  return s;
}

bool parse_dtype(const std::string& s, DType* out) {
  for (DType d : kAllDTypes) {
    if (s == dtype_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

bool is_float_dtype(DType d) {
  return d == DType::F64 || d == DType::F32 || d == DType::F16 || d == DType::BF16;
}

// product(shape) * elem_size, or false if a dimension is negative or the
// result does not fit in 64 bits (numel must also fit in int64_t).
bool checked_nbytes(const std::vector<int64_t>& shape, size_t elem_size, uint64_t* numel_out,
                    uint64_t* bytes_out) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return false;
  }
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<uint64_t>(elem_size), &bytes)) return false;
  *numel_out = n;
  *bytes_out = bytes;
  return true;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

uint64_t load_le(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

void store_le(std::string& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

// Parses JSON text, rejecting duplicate keys in any object (nlohmann would
// silently keep only one of them). Throws itera::Error prefixed with `what`.
ojson parse_json_strict(const char* begin, const char* end, const std::string& what) {
  std::vector<std::set<std::string>> seen;  // keys of each open object
  std::string duplicate;
  ojson::parser_callback_t cb = [&](int /*depth*/, ojson::parse_event_t event,
                                    ojson& parsed) {
    using E = ojson::parse_event_t;
    if (event == E::object_start) {
      seen.emplace_back();
    } else if (event == E::object_end) {
      if (!seen.empty()) seen.pop_back();
    } else if (event == E::key && !seen.empty() && parsed.is_string()) {
      const auto& k = parsed.get_ref<const std::string&>();
      if (!seen.back().insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  };
  ojson j;
  try {
    j = ojson::parse(begin, end, cb);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: header is not valid JSON: {}", what, e.what()));
  }
  if (!duplicate.empty()) throw Error(fmt::format("{}: duplicate JSON key '{}'", what, duplicate));
  return j;
}

std::string json_type(const ojson& j) { return j.type_name(); }

}  // namespace

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F64: return "F64";
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::I16: return "I16";
    case DType::I8: return "I8";
    case DType::U8: return "U8";
    case DType::BOOL: return "BOOL";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F64:
    case DType::I64: return 8;
    case DType::F32:
    case DType::I32: return 4;
    case DType::F16:
    case DType::BF16:
    case DType::I16: return 2;
    case DType::I8:
    case DType::U8:
    case DType::BOOL: return 1;
  }
  return 0;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // validated against overflow when read or added
  return n;
}

// ---------------------------------------------------------------------------
// SafetensorsFile

SafetensorsFile SafetensorsFile::open(const std::string& path) { return parse(read_file(path), path); }

SafetensorsFile SafetensorsFile::parse(std::string file_bytes, const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  auto bytes = std::make_shared<const std::string>(std::move(file_bytes));
  const std::string where = fmt::format("safetensors file '{}'", path);
  const uint64_t file_size = bytes->size();
  if (file_size < 8) {
    throw Error(fmt::format("{}: file is only {} bytes, shorter than the 8-byte header length prefix",
                            where, file_size));
  }
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes->data());
  const uint64_t n = load_le(raw, 8);
  if (n > kMaxHeaderBytes) {
    throw Error(fmt::format("{}: header length {} bytes is absurdly large (at most {} allowed); "
                            "not a safetensors file?",
                            where, n, kMaxHeaderBytes));
  }
  if (n > file_size - 8) {
    throw Error(fmt::format("{}: header length {} bytes exceeds the {} bytes that follow the "
                            "8-byte prefix (file is truncated or not safetensors)",
                            where, n, file_size - 8));
  }
  const uint64_t buffer_size = file_size - 8 - n;
  f.data_start_ = 8 + n;
  f.bytes_ = bytes;

  const char* hbegin = bytes->data() + 8;
  const ojson header = parse_json_strict(hbegin, hbegin + n, where);
  if (!header.is_object()) {
    throw Error(fmt::format("{}: header JSON must be an object, got {}", where, json_type(header)));
  }

  std::set<std::string> names;
  for (const auto& [key, val] : header.items()) {
    if (key == "__metadata__") {
      if (!val.is_object()) {
        throw Error(fmt::format("{}: __metadata__ must be an object of string values, got {}", where,
                                json_type(val)));
      }
      for (const auto& [mk, mv] : val.items()) {
        if (!mv.is_string()) {
          throw Error(fmt::format("{}: __metadata__ key '{}' must be a string value, got {}", where,
                                  mk, json_type(mv)));
        }
        f.metadata_[mk] = mv.get<std::string>();
      }
      continue;
    }
    const std::string tw = fmt::format("{}: tensor '{}'", where, key);
    if (!val.is_object()) {
      throw Error(fmt::format("{}: entry must be an object with dtype, shape and data_offsets, got {}",
                              tw, json_type(val)));
    }
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!val.contains(field)) {
        throw Error(fmt::format("{}: missing '{}' (each tensor needs dtype, shape and data_offsets)",
                                tw, field));
      }
    }
    TensorInfo t;
    t.name = key;

    const ojson& jd = val["dtype"];
    if (!jd.is_string()) throw Error(fmt::format("{}: dtype must be a string, got {}", tw, json_type(jd)));
    const std::string ds = jd.get<std::string>();
    if (!parse_dtype(ds, &t.dtype)) {
      throw Error(fmt::format("{}: unknown dtype '{}' (allowed: {})", tw, ds, allowed_dtypes()));
    }

    const ojson& js = val["shape"];
    if (!js.is_array()) {
      throw Error(fmt::format("{}: shape must be an array of non-negative integers, got {}", tw,
                              json_type(js)));
    }
    for (size_t i = 0; i < js.size(); ++i) {
      const ojson& d = js[i];
      if (!d.is_number_integer()) {
        throw Error(fmt::format("{}: shape[{}] must be an integer, got {} ({})", tw, i, json_type(d),
                                d.dump()));
      }
      if (!d.is_number_unsigned()) {
        throw Error(fmt::format("{}: shape[{}] is negative ({}); dimensions must be >= 0", tw, i,
                                d.get<int64_t>()));
      }
      const uint64_t u = d.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw Error(fmt::format("{}: shape[{}] = {} is too large", tw, i, u));
      }
      t.shape.push_back(static_cast<int64_t>(u));
    }

    const ojson& jo = val["data_offsets"];
    if (!jo.is_array() || jo.size() != 2 || !jo[0].is_number_integer() || !jo[1].is_number_integer()) {
      throw Error(fmt::format("{}: data_offsets must be [begin, end] (two non-negative integers), got {}",
                              tw, jo.dump()));
    }
    if (!jo[0].is_number_unsigned() || !jo[1].is_number_unsigned()) {
      throw Error(fmt::format("{}: data_offsets {} must be non-negative", tw, jo.dump()));
    }
    t.begin = jo[0].get<uint64_t>();
    t.end = jo[1].get<uint64_t>();
    if (t.begin > t.end) {
      throw Error(fmt::format("{}: data_offsets [{}, {}] have begin > end; need begin <= end", tw,
                              t.begin, t.end));
    }
    if (t.end > buffer_size) {
      throw Error(fmt::format("{}: data_offsets [{}, {}] end beyond the byte buffer of {} bytes", tw,
                              t.begin, t.end, buffer_size));
    }
    uint64_t numel = 0, nbytes = 0;
    if (!checked_nbytes(t.shape, dtype_size(t.dtype), &numel, &nbytes)) {
      throw Error(fmt::format("{}: shape {} is too large (element count overflows)", tw,
                              shape_str(t.shape)));
    }
    if (t.end - t.begin != nbytes) {
      throw Error(fmt::format("{}: data_offsets [{}, {}] span {} bytes but shape {} of {} needs {} "
                              "bytes ({} elements x {} bytes)",
                              tw, t.begin, t.end, t.end - t.begin, shape_str(t.shape), ds, nbytes,
                              numel, dtype_size(t.dtype)));
    }
    names.insert(key);
    f.tensors_.push_back(std::move(t));
  }

  // The tensors must tile the byte buffer exactly: no overlaps and no holes.
  std::vector<const TensorInfo*> order;
  for (const auto& t : f.tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t pos = 0;
  const TensorInfo* prev = nullptr;
  for (const TensorInfo* t : order) {
    if (t->begin < pos) {
      throw Error(fmt::format("{}: tensor '{}' (bytes [{}, {})) overlaps tensor '{}' (bytes [{}, {})); "
                              "tensors must not share bytes",
                              where, t->name, t->begin, t->end, prev->name, prev->begin, prev->end));
    }
    if (t->begin > pos) {
      throw Error(fmt::format("{}: hole in the byte buffer: bytes [{}, {}) before tensor '{}' belong to "
                              "no tensor; the buffer must be fully covered",
                              where, pos, t->begin, t->name));
    }
    pos = t->end;
    prev = t;
  }
  if (pos != buffer_size) {
    throw Error(fmt::format("{}: hole in the byte buffer: bytes [{}, {}) at the end belong to no tensor "
                            "(buffer is {} bytes); the buffer must be fully covered",
                            where, pos, buffer_size, buffer_size));
  }
  return f;
}

bool SafetensorsFile::has(const std::string& name) const {
  return std::any_of(tensors_.begin(), tensors_.end(),
                     [&](const TensorInfo& t) { return t.name == name; });
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return t;
  }
  throw Error(fmt::format("safetensors file '{}' has no tensor '{}' ({} tensors)", path_, name,
                          tensors_.size()));
}

std::string SafetensorsFile::read_raw(const std::string& name) const {
  const TensorInfo& t = info(name);
  return bytes_->substr(data_start_ + t.begin, t.end - t.begin);
}

std::vector<float> SafetensorsFile::read_floats(const std::string& name) const {
  const TensorInfo& t = info(name);
  if (!is_float_dtype(t.dtype)) {
    throw Error(fmt::format("safetensors file '{}': tensor '{}' has dtype {}; expected a float dtype "
                            "(F64, F32, F16 or BF16)",
                            path_, name, dtype_name(t.dtype)));
  }
  const size_t es = dtype_size(t.dtype);
  const size_t count = (t.end - t.begin) / es;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes_->data() + data_start_ + t.begin);
  std::vector<float> out(count);
  for (size_t i = 0; i < count; ++i, p += es) {
    const uint64_t v = load_le(p, es);
    switch (t.dtype) {
      case DType::F64: {
        double d;
        std::memcpy(&d, &v, sizeof d);
        out[i] = static_cast<float>(d);
        break;
      }
      case DType::F32: {
        const auto u = static_cast<uint32_t>(v);
        std::memcpy(&out[i], &u, sizeof u);
        break;
      }
      case DType::F16: out[i] = f16_to_float(static_cast<uint16_t>(v)); break;
      case DType::BF16: out[i] = bf16_to_float(static_cast<uint16_t>(v)); break;
      default: break;  // unreachable: checked above
    }
  }
  return out;
}

Matrix SafetensorsFile::read_matrix(const std::string& name) const {
  const TensorInfo& t = info(name);
  if (t.shape.size() != 2) {
    throw Error(fmt::format("safetensors file '{}': tensor '{}' has shape {} ({}-D); a matrix must be 2-D",
                            path_, name, shape_str(t.shape), t.shape.size()));
  }
  const std::vector<float> v = read_floats(name);
  Matrix m(static_cast<Eigen::Index>(t.shape[0]), static_cast<Eigen::Index>(t.shape[1]));
  if (!v.empty()) std::memcpy(m.data(), v.data(), v.size() * sizeof(float));
  return m;
}

// ---------------------------------------------------------------------------
// SafetensorsCheckpoint

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  if (!fs::exists(p, ec)) throw Error(fmt::format("checkpoint '{}' does not exist", path));

  fs::path target = p;
  if (fs::is_directory(p, ec)) {
    const fs::path index = p / "model.safetensors.index.json";
    const fs::path single = p / "model.safetensors";
    if (fs::is_regular_file(index, ec)) {
      target = index;
    } else if (fs::is_regular_file(single, ec)) {
      target = single;
    } else {
      throw Error(fmt::format("checkpoint directory '{}' contains neither model.safetensors.index.json "
                              "nor model.safetensors",
                              path));
    }
  }

  SafetensorsCheckpoint ck;
  const std::string tstr = target.string();
  const bool is_index = tstr.size() >= 5 && tstr.compare(tstr.size() - 5, 5, ".json") == 0;
  if (!is_index) {
    ck.files_.push_back(SafetensorsFile::open(tstr));
    for (const auto& t : ck.files_[0].tensors()) ck.where_[t.name] = 0;
    return ck;
  }

  // A sharded checkpoint described by an index file.
  const std::string where = fmt::format("safetensors index '{}'", tstr);
  const std::string text = read_file(tstr);
  const ojson index = parse_json_strict(text.data(), text.data() + text.size(), where);
  if (!index.is_object()) {
    throw Error(fmt::format("{}: must be a JSON object with a \"weight_map\", got {}", where,
                            json_type(index)));
  }
  if (index.contains("metadata") && !index["metadata"].is_object()) {
    throw Error(fmt::format("{}: \"metadata\" must be an object, got {}", where,
                            json_type(index["metadata"])));
  }
  if (!index.contains("weight_map")) {
    throw Error(fmt::format("{}: missing \"weight_map\" (an object mapping tensor name to shard file)",
                            where));
  }
  const ojson& wm = index["weight_map"];
  if (!wm.is_object()) {
    throw Error(fmt::format("{}: \"weight_map\" must be an object mapping tensor name to shard file, "
                            "got {}",
                            where, json_type(wm)));
  }
  if (wm.empty()) throw Error(fmt::format("{}: \"weight_map\" is empty", where));

  std::map<std::string, std::string> weight_map;  // tensor -> shard file name
  std::map<std::string, std::string> first_user;  // shard -> first tensor naming it
  for (const auto& [tensor, shard] : wm.items()) {
    if (!shard.is_string() || shard.get<std::string>().empty()) {
      throw Error(fmt::format("{}: weight_map entry for tensor '{}' must be a shard file name string, "
                              "got {}",
                              where, tensor, shard.dump()));
    }
    const std::string s = shard.get<std::string>();
    // A shard is a file in the index's own directory: no path separators, no "..".
    if (s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s == "." || s == ".." ||
        s.find('\0') != std::string::npos)
      throw Error(fmt::format("{}: weight_map entry for tensor '{}' names shard '{}', which is not a plain file name "
                              "in the index's directory",
                              where, tensor, s));
    weight_map[tensor] = s;
    first_user.emplace(s, tensor);
  }

  const fs::path dir = target.parent_path();
  std::map<std::string, size_t> shard_index;  // shard name -> index into files_
  for (const auto& [shard, tensor] : first_user) {  // sorted: deterministic file order
    const fs::path sp = dir / shard;
    if (!fs::is_regular_file(sp, ec)) {
      throw Error(fmt::format("{}: shard '{}' (holding tensor '{}') not found at '{}'", where, shard,
                              tensor, sp.string()));
    }
    shard_index[shard] = ck.files_.size();
    ck.files_.push_back(SafetensorsFile::open(sp.string()));
  }

  for (size_t i = 0; i < ck.files_.size(); ++i) {
    for (const auto& t : ck.files_[i].tensors()) {
      const auto [it, inserted] = ck.where_.emplace(t.name, i);
      if (!inserted) {
        throw Error(fmt::format("{}: tensor '{}' is present in two shards, '{}' and '{}'", where, t.name,
                                ck.files_[it->second].path(), ck.files_[i].path()));
      }
    }
  }
  for (const auto& [tensor, shard] : weight_map) {
    const size_t fi = shard_index.at(shard);
    if (!ck.files_[fi].has(tensor)) {
      throw Error(fmt::format("{}: tensor '{}' is mapped to shard '{}' but that shard does not contain it",
                              where, tensor, shard));
    }
  }
  return ck;
}

std::vector<std::string> SafetensorsCheckpoint::tensor_names() const {
  std::vector<std::string> names;
  names.reserve(where_.size());
  for (const auto& kv : where_) names.push_back(kv.first);
  return names;  // std::map keeps them sorted
}

bool SafetensorsCheckpoint::has(const std::string& name) const { return where_.count(name) != 0; }

const SafetensorsFile& SafetensorsCheckpoint::file_of(const std::string& name) const {
  const auto it = where_.find(name);
  if (it == where_.end()) {
    std::vector<std::string> paths;
    for (const auto& f : files_) paths.push_back(f.path());
    throw Error(fmt::format("checkpoint ({}) has no tensor '{}'", fmt::join(paths, ", "), name));
  }
  return files_[it->second];
}

const TensorInfo& SafetensorsCheckpoint::info(const std::string& name) const {
  return file_of(name).info(name);
}

Matrix SafetensorsCheckpoint::read_matrix(const std::string& name) const {
  return file_of(name).read_matrix(name);
}

std::vector<float> SafetensorsCheckpoint::read_floats(const std::string& name) const {
  return file_of(name).read_floats(name);
}

// ---------------------------------------------------------------------------
// SafetensorsWriter

void SafetensorsWriter::add_matrix(const std::string& name, const Matrix& m, DType dtype) {
  if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16) {
    throw Error(fmt::format("cannot store matrix '{}' as {}: add_matrix supports F32, F16 and BF16",
                            name, dtype_name(dtype)));
  }
  const size_t n = static_cast<size_t>(m.size());
  std::string bytes;
  bytes.reserve(n * dtype_size(dtype));
  const float* data = m.data();  // row-major
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::F32: {
        uint32_t u;
        std::memcpy(&u, &data[i], sizeof u);
        store_le(bytes, u, 4);
        break;
      }
      case DType::F16: store_le(bytes, float_to_f16(data[i]), 2); break;
      default: store_le(bytes, float_to_bf16(data[i]), 2); break;  // BF16
    }
  }
  add_raw(name, dtype, {static_cast<int64_t>(m.rows()), static_cast<int64_t>(m.cols())},
          std::move(bytes));
}

void SafetensorsWriter::add_raw(const std::string& name, DType dtype, std::vector<int64_t> shape,
                                std::string bytes) {
  if (name.empty()) throw Error("safetensors writer: tensor name must not be empty");
  if (name == "__metadata__") {
    throw Error("safetensors writer: '__metadata__' is reserved and cannot be a tensor name");
  }
  for (const auto& e : entries_) {
    if (e.name == name) {
      throw Error(fmt::format("safetensors writer: duplicate tensor name '{}'", name));
    }
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      throw Error(fmt::format("safetensors writer: tensor '{}': shape[{}] is negative ({})", name, i,
                              shape[i]));
    }
  }
  uint64_t numel = 0, nbytes = 0;
  if (!checked_nbytes(shape, dtype_size(dtype), &numel, &nbytes)) {
    throw Error(fmt::format("safetensors writer: tensor '{}': shape {} is too large", name,
                            shape_str(shape)));
  }
  if (bytes.size() != nbytes) {
    throw Error(fmt::format("safetensors writer: tensor '{}': got {} bytes but shape {} of {} needs {} "
                            "bytes ({} elements x {} bytes)",
                            name, bytes.size(), shape_str(shape), dtype_name(dtype), nbytes, numel,
                            dtype_size(dtype)));
  }
  entries_.push_back(Entry{name, dtype, std::move(shape), std::move(bytes)});
}

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
  metadata_[key] = value;
}

std::string SafetensorsWriter::serialize() const {
  // ordered_json: "__metadata__" first, then tensors in the order added, matching
  // the order of their bytes in the buffer. Metadata keys come sorted from the map.
  ojson header = ojson::object();
  if (!metadata_.empty()) {
    ojson md = ojson::object();
    for (const auto& [k, v] : metadata_) md[k] = v;
    header["__metadata__"] = std::move(md);
  }
  uint64_t offset = 0;
  for (const auto& e : entries_) {
    ojson t = ojson::object();
    t["dtype"] = dtype_name(e.dtype);
    t["shape"] = e.shape;
    t["data_offsets"] = {offset, offset + e.bytes.size()};
    header[e.name] = std::move(t);
    offset += e.bytes.size();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& ex) {
    throw Error(fmt::format("safetensors writer: cannot encode header (tensor names and metadata must "
                            "be valid UTF-8): {}",
                            ex.what()));
  }
  // Pad with spaces so the byte buffer starts 8-byte aligned (8 + N is a multiple of 8).
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + offset);
  store_le(out, text.size(), 8);
  out += text;
  for (const auto& e : entries_) out += e.bytes;
  return out;
}

void SafetensorsWriter::write(const std::string& path) const { write_file_atomic(path, serialize()); }

}  // namespace itera
