// safetensors files: SafetensorsFile::parse (the in-memory form of open) on arbitrary
// bytes. Every tensor of an accepted file must read back: raw bytes of the declared
// span, floats of the declared element count, and 2-D float tensors as matrices.
#include "fuzz_support.h"
#include "safetensors.h"
#include "targets.h"

namespace itera::fuzz {

int safetensors(const uint8_t* data, size_t size) {
  const std::optional<SafetensorsFile> f =
      accepted([&] { return SafetensorsFile::parse(bytes_of(data, size), "fuzz.safetensors"); });
  if (!f) return 0;
  for (const TensorInfo& t : f->tensors()) {
    FUZZ_CHECK(f->has(t.name), "has() misses a listed tensor");
    const std::string raw = must("read_raw", [&] { return f->read_raw(t.name); });
    FUZZ_CHECK(raw.size() == t.end - t.begin, "read_raw size");
    FUZZ_CHECK(raw.size() == static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype), "size is not numel x dtype size");
    const bool is_float =
        t.dtype == DType::F64 || t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16;
    if (!is_float) continue;
    FUZZ_CHECK(must("read_floats", [&] { return f->read_floats(t.name); }).size() == static_cast<size_t>(t.numel()),
               "read_floats count");
    if (t.shape.size() == 2) {
      const Matrix m = must("read_matrix", [&] { return f->read_matrix(t.name); });
      FUZZ_CHECK(m.rows() == t.shape[0] && m.cols() == t.shape[1], "read_matrix shape");
    }
  }
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(safetensors)
