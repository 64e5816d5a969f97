#include "units.h"

#include "fold_timing.h"

namespace itera {

const char* to_string(Unit u) { return u == Unit::Main ? "main" : "low_rank"; }

const char* to_string(Buffer b) {
  switch (b) {
    case Buffer::Weight: return "weight";
    case Buffer::Input: return "input";
    case Buffer::Output: return "output";
  }
  return "?";
}

int ArrayDesc::pack_for(int wbits) const { return mac_packing(native_bits, wbits, pack_lower_bits); }

const BufferConfig& buffer_config(const BuffersConfig& b, Buffer which) {
  return which == Buffer::Weight ? b.weight : which == Buffer::Input ? b.input : b.output;
}

std::vector<ArrayDesc> unit_arrays(const AccelConfig& c) {
  ArrayDesc main;
  main.unit = Unit::Main;
  main.rows = c.array.rows;
  main.cols = c.array.cols;
  main.dataflow = c.array.dataflow;
  main.timing = c.array.timing;
  main.native_bits = c.pe.native_bits;
  main.pack_lower_bits = c.pe.pack_lower_bits;
  std::vector<ArrayDesc> out = {main};
  if (c.low_rank.datapath == LowRankDatapath::Dedicated) {
    ArrayDesc lr = main;
    lr.unit = Unit::LowRank;
    lr.rows = c.low_rank.dedicated_rows;
    lr.cols = c.low_rank.dedicated_cols;
    out.push_back(lr);
  }
  return out;
}

Unit unit_for(const std::vector<ArrayDesc>& arrays, OpKind kind) {
  return arrays.size() > 1 && kind != OpKind::Dense ? Unit::LowRank : Unit::Main;
}

const ArrayDesc& array_of(const std::vector<ArrayDesc>& arrays, Unit u) {
  return arrays.at(static_cast<size_t>(index_of(u)));
}

}  // namespace itera
