#pragma once
// Events of the tile pipeline that a model of the data (not the timing) can follow:
// the DMA controller reports tile loads and finished output tiles, the PE array
// reports computed tiles. Functional mode (functional_model.h) is such an observer;
// a timing-only run has none.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "op_task.h"
#include "tile_job.h"
#include "units.h"

namespace itera::hw {

class TileObserver {
 public:
  virtual ~TileObserver() = default;
  // The DMA moved a tile of `task` into `buffer`: `bytes` as the DRAM returned them.
  // Weight tiles are W(step.ki, step.ni), input tiles X(step.mi, step.ki); an output
  // tile Y(step.mi, step.ni) is read back before an op that accumulates onto an
  // earlier op's output adds to it (then tile_finished follows for that tile).
  virtual void tile_loaded(const OpTask& task, Buffer buffer, const TileStep& step, const uint8_t* bytes,
                           size_t count) = 0;
  // The array finished every fold of `job`.
  virtual void tile_computed(const TileJob& job) = 0;
  // Output tile (step.mi, step.ni) of `task` is final; `payload` receives the bytes the
  // DMA writes back (when step.write_y; a tile that stays on chip has no payload to fill).
  virtual void tile_finished(const OpTask& task, const TileStep& step, std::vector<uint8_t>& payload) = 0;
};

}  // namespace itera::hw
