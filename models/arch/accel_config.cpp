#include "accel_config.h"

#include <fmt/format.h>

#include "dataflow.h"
#include "error.h"

namespace itera {

namespace {

template <class E>
const char* spelling(const std::vector<Spelling<E>>& table, E value) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  return "?";
}

std::string describe_buffer(const char* name, const BufferConfig& b) {
  return fmt::format("{} {} KB ({} banks x {} ports x {} B{})", name, b.kb, b.banks, b.ports, b.width_bytes,
                     b.double_buffer ? ", double-buffered" : "");
}

std::string describe_memory(const MemoryConfig& m) {
  std::string dram;
  if (m.dram.is_simple()) {
    dram = fmt::format("simple, {} GB/s, {} ns latency", m.dram.simple.bandwidth_gbps, m.dram.simple.latency_ns);
  } else {
    const DramTiming& t = m.dram.timing();
    dram = fmt::format("{}, {} x {}-bit channel{} at {} MT/s, {} GB/s peak", t.name, t.channels, t.bus_bits,
                       t.channels == 1 ? "" : "s", t.data_rate_mts, t.peak_gbps());
  }
  return m.ideal ? "ideal (no memory stalls; " + dram + " unused)" : dram;
}

}  // namespace

const std::vector<Spelling<Dataflow>>& dataflow_spellings() {
  static const std::vector<Spelling<Dataflow>> table = [] {
    std::vector<Spelling<Dataflow>> t;
    for (const DataflowRecord& r : dataflow_table()) t.push_back({r.name, r.id});
    return t;
  }();
  return table;
}

const std::vector<Spelling<ArrayTiming>>& timing_spellings() {
  static const std::vector<Spelling<ArrayTiming>> table = {{"overlapped", ArrayTiming::Overlapped},
                                                           {"classic", ArrayTiming::Classic}};
  return table;
}

const std::vector<Spelling<LowRankDatapath>>& datapath_spellings() {
  static const std::vector<Spelling<LowRankDatapath>> table = {{"shared", LowRankDatapath::Shared},
                                                               {"dedicated", LowRankDatapath::Dedicated}};
  return table;
}

const char* to_string(Dataflow d) { return spelling(dataflow_spellings(), d); }
const char* to_string(ArrayTiming t) { return spelling(timing_spellings(), t); }
const char* to_string(LowRankDatapath p) { return spelling(datapath_spellings(), p); }

const DramTiming& DramConfig::timing() const {
  if (is_simple()) throw Error("memory.dram is 'simple': there is no DRAM preset timing");
  if (preset.name != name) throw Error(fmt::format("internal: DRAM preset '{}' was never resolved", name));
  return preset;
}

double DramConfig::peak_gbps() const { return is_simple() ? simple.bandwidth_gbps : timing().peak_gbps(); }

std::string describe(const AccelConfig& c) {
  const std::string low_rank = c.low_rank.datapath == LowRankDatapath::Shared
                                   ? std::string("shared (low-rank GEMMs on the main array)")
                                   : fmt::format("dedicated {}x{} array, concurrent", c.low_rank.dedicated_rows,
                                                 c.low_rank.dedicated_cols);
  return fmt::format(
      "array: {}x{} PEs, {} dataflow, {} timing, {} MHz\n"
      "PEs: {}-bit multipliers, lower-bit packing {}\n"
      "memory: {}\n"
      "buffers: {}, {}, {}\n"
      "low-rank datapath: {}",
      c.array.rows, c.array.cols, to_string(c.array.dataflow), to_string(c.array.timing), c.clock_mhz,
      c.pe.native_bits, c.pe.pack_lower_bits ? "on" : "off", describe_memory(c.memory),
      describe_buffer("weight", c.buffers.weight), describe_buffer("input", c.buffers.input),
      describe_buffer("output", c.buffers.output), low_rank);
}

}  // namespace itera
