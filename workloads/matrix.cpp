#include "matrix.h"

#include <cmath>
#include <fmt/format.h>

#include "error.h"

namespace itera {

void require_finite(const std::string& tensor_name, const Matrix& w) {
  for (Eigen::Index r = 0; r < w.rows(); ++r) {
    for (Eigen::Index c = 0; c < w.cols(); ++c) {
      const float v = w(r, c);
      if (!std::isfinite(v)) {
        throw Error(fmt::format("tensor '{}' has a non-finite value ({}) at index [{}, {}] (flat {}); "
                                "weights must be finite",
                                tensor_name, v, r, c, r * w.cols() + c));
      }
    }
  }
}

}  // namespace itera
