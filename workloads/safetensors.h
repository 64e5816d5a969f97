#pragma once
// Hugging Face safetensors files (https://github.com/huggingface/safetensors):
//   8 bytes  little-endian u64 N = header length
//   N bytes  UTF-8 JSON: {"name": {"dtype": "F32", "shape": [r, c], "data_offsets": [b, e]}, ...,
//                         "__metadata__": {"key": "string value", ...}}
//   rest     the byte buffer; data_offsets are relative to its start.
// Reading validates everything the header claims: known dtype, offsets inside the
// buffer, end - begin == product(shape) * dtype size, no overlapping tensors and no
// holes. Sharded checkpoints are read through model.safetensors.index.json.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "matrix.h"

namespace itera {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* dtype_name(DType d);
size_t dtype_size(DType d);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // offsets into the byte buffer
  uint64_t end = 0;
  int64_t numel() const;
};

// One .safetensors file, read whole into memory and validated on open.
class SafetensorsFile {
 public:
  // Throws itera::Error naming the file and what is wrong.
  static SafetensorsFile open(const std::string& path);
  // The same for a file's bytes already in memory; `path` names it in messages (which
  // are those of open) and is what path() returns.
  static SafetensorsFile parse(std::string bytes, const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in header order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool has(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;  // throws if absent

  // Any float dtype (F64/F32/F16/BF16) converted to float, in row-major order.
  std::vector<float> read_floats(const std::string& name) const;
  // A 2-D float tensor as a matrix (rows = shape[0]); throws if not 2-D or not float.
  Matrix read_matrix(const std::string& name) const;
  // The tensor's raw little-endian bytes.
  std::string read_raw(const std::string& name) const;

 private:
  std::string path_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
  std::shared_ptr<const std::string> bytes_;  // whole file
  uint64_t data_start_ = 0;                    // 8 + N
};

// A checkpoint that may be sharded. `path` is a .safetensors file, a
// model.safetensors.index.json file, or a directory holding either
// (model.safetensors.index.json is preferred over model.safetensors).
class SafetensorsCheckpoint {
 public:
  static SafetensorsCheckpoint open(const std::string& path);
  std::vector<std::string> tensor_names() const;  // sorted
  bool has(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;
  Matrix read_matrix(const std::string& name) const;
  std::vector<float> read_floats(const std::string& name) const;
  const SafetensorsFile& file_of(const std::string& name) const;

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, size_t> where_;  // tensor name -> index into files_
};

// Builds a safetensors file in memory and writes it atomically.
class SafetensorsWriter {
 public:
  // Stores a float matrix converted to dtype (F32, F16 or BF16).
  void add_matrix(const std::string& name, const Matrix& m, DType dtype = DType::F32);
  // Stores raw little-endian bytes; size must equal product(shape) * dtype_size.
  void add_raw(const std::string& name, DType dtype, std::vector<int64_t> shape, std::string bytes);
  void set_metadata(const std::string& key, const std::string& value);
  // Serialises (tensors in the order added, header padded with spaces to a multiple of 8).
  std::string serialize() const;
  void write(const std::string& path) const;  // atomic

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::string bytes;
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace itera
