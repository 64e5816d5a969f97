// Saved decompositions: parse_compressed (the in-memory form of load_compressed) on
// arbitrary bytes (a safetensors file whose __metadata__ describes the layers). An
// accepted layer must have the shapes its metadata gives, a finite storage cost, and
// (when small) reconstruct.
#include <algorithm>
#include <cmath>

#include "compressed_io.h"
#include "fuzz_support.h"
#include "targets.h"

namespace itera::fuzz {

int compressed(const uint8_t* data, size_t size) {
  const std::optional<std::vector<SavedLayer>> layers =
      accepted([&] { return parse_compressed(bytes_of(data, size), "fuzz.itc"); });
  if (!layers) return 0;
  for (const SavedLayer& s : *layers) {
    const CompressedLayer& l = s.layer;
    FUZZ_CHECK(l.rows >= 1 && l.cols >= 1 && s.repeat >= 1, "layer sizes");
    if (l.dense) FUZZ_CHECK(l.dense->rows == l.rows && l.dense->cols == l.cols, "dense shape");
    if (l.low_rank) {
      FUZZ_CHECK(l.low_rank->at.cols == l.rows && l.low_rank->b.cols == l.cols, "factor shapes");
      FUZZ_CHECK(l.low_rank->b.rows == l.rank() && l.rank() <= std::min(l.rows, l.cols), "rank");
    }
    FUZZ_CHECK(std::isfinite(l.bits_per_weight()) && l.bits_per_weight() >= 0, "bits per weight");
    if (int64_t{l.rows} * l.cols <= 4096) {
      const Matrix w = must("reconstruct", [&] { return l.reconstruct(); });
      FUZZ_CHECK(w.rows() == l.rows && w.cols() == l.cols, "reconstructed shape");
    }
  }
  return 0;
}

}  // namespace itera::fuzz

ITERA_FUZZ_TARGET(compressed)
