#pragma once
// The accelerator's compute units and on-chip buffers, by name.
//
// A unit is one PE array with its weight, input and output SRAMs and its DMA
// controller: the main array, and, with low_rank.datapath: dedicated, a second array
// that runs the low-rank ops (lr_down, lr_up) concurrently. unit_arrays() describes
// each unit's array once; the tile plan, the fold work and the SystemC blocks take
// that description rather than the whole config.
#include <array>
#include <cstdint>
#include <vector>

#include "accel_config.h"
#include "trace.h"

namespace itera {

enum class Unit { Main = 0, LowRank = 1 };
enum class Buffer { Weight = 0, Input = 1, Output = 2 };

constexpr std::array<Buffer, 3> kBuffers = {Buffer::Weight, Buffer::Input, Buffer::Output};
constexpr int index_of(Buffer b) { return static_cast<int>(b); }
constexpr int index_of(Unit u) { return static_cast<int>(u); }

const char* to_string(Unit u);    // "main" | "low_rank"
const char* to_string(Buffer b);  // "weight" | "input" | "output"

// Per-buffer values, indexed by Buffer.
template <class T>
struct PerBuffer {
  std::array<T, 3> v{};
  T& operator[](Buffer b) { return v[static_cast<size_t>(index_of(b))]; }
  const T& operator[](Buffer b) const { return v[static_cast<size_t>(index_of(b))]; }
};

// One PE array as the hardware description sees it.
struct ArrayDesc {
  Unit unit = Unit::Main;
  int rows = 0, cols = 0;
  Dataflow dataflow = Dataflow::WeightStationary;
  ArrayTiming timing = ArrayTiming::Overlapped;
  int native_bits = 8;
  bool pack_lower_bits = true;
  int64_t pes() const { return int64_t{rows} * cols; }
  // MACs per PE per cycle for weights of `wbits`.
  int pack_for(int wbits) const;
};

// The buffers of a unit, by name.
const BufferConfig& buffer_config(const BuffersConfig& b, Buffer which);

// The units of `config`: the main array, and the dedicated low-rank array if any. Built
// once per run (simulate_trace) and handed to everything that needs an array.
std::vector<ArrayDesc> unit_arrays(const AccelConfig& config);
// The unit of `arrays` that runs an op of `kind`: low-rank ops go to the dedicated
// low-rank array when there is one.
Unit unit_for(const std::vector<ArrayDesc>& arrays, OpKind kind);
// The description of unit `u` in `arrays`.
const ArrayDesc& array_of(const std::vector<ArrayDesc>& arrays, Unit u);

}  // namespace itera
