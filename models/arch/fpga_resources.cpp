#include "fpga_resources.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "dataflow.h"
#include "error.h"
#include "int_math.h"
#include "tile_plan.h"

namespace itera {

std::string to_string(const Precision& p) { return fmt::format("w{}a{}", p.wbits, p.abits); }

const std::vector<Spelling<MultiplierStyle>>& multiplier_spellings() {
  static const std::vector<Spelling<MultiplierStyle>> table = {{"dsp", MultiplierStyle::Dsp},
                                                               {"lut", MultiplierStyle::Lut}};
  return table;
}

const char* to_string(MultiplierStyle s) { return s == MultiplierStyle::Dsp ? "dsp" : "lut"; }

const char* to_string(Resource r) {
  switch (r) {
    case Resource::Dsp: return "DSP";
    case Resource::Bram36: return "BRAM36";
    case Resource::Uram: return "URAM";
    case Resource::Lut: return "LUT";
  }
  return "?";
}

const char* json_key(Resource r) {
  switch (r) {
    case Resource::Dsp: return "dsp";
    case Resource::Bram36: return "bram36";
    case Resource::Uram: return "uram";
    case Resource::Lut: return "lut";
  }
  return "?";
}

int64_t FpgaResources::operator[](Resource r) const {
  switch (r) {
    case Resource::Dsp: return dsp;
    case Resource::Bram36: return bram36;
    case Resource::Uram: return uram;
    case Resource::Lut: return lut;
  }
  return 0;
}

FpgaResources& FpgaResources::operator+=(const FpgaResources& o) {
  dsp += o.dsp;
  bram36 += o.bram36;
  uram += o.uram;
  lut += o.lut;
  return *this;
}

bool operator==(const FpgaResources& a, const FpgaResources& b) {
  return a.dsp == b.dsp && a.bram36 == b.bram36 && a.uram == b.uram && a.lut == b.lut;
}

int64_t available(const FpgaDevice& d, Resource r) {
  switch (r) {
    case Resource::Dsp: return d.dsp;
    case Resource::Bram36: return d.bram36;
    case Resource::Uram: return d.uram;
    case Resource::Lut: return d.lut;
  }
  return 0;
}

// ---- DSPs ----

namespace {

constexpr int kDspWideBits = 27;    // DSP48E2 multiplier: 27 x 18 bits, two's complement
constexpr int kDspNarrowBits = 18;

// The operand a GEMM operand's index set leaves out: X is M x K, W is K x N.
bool involves(Operand o, Dim d) {
  if (o == Operand::Input) return d == Dim::M || d == Dim::K;
  return d == Dim::K || d == Dim::N;  // Operand::Weight
}

// The multiplied operand (X or W) that does not vary along `d`, if any.
std::optional<Operand> shared_along(Dim d) {
  if (!involves(Operand::Input, d)) return Operand::Input;
  if (!involves(Operand::Weight, d)) return Operand::Weight;
  return std::nullopt;
}

void check_precision(const Precision& p) {
  if (p.wbits < 1 || p.wbits > 64 || p.abits < 1 || p.abits > 64)
    throw Error(fmt::format("operand widths must be 1..64 bits; got weights {} bits, activations {} bits", p.wbits,
                            p.abits));
}

}  // namespace

DspPacking dsp_packing(int wbits, int abits) {
  check_precision({wbits, abits});
  if (wbits <= 4 && abits <= 4) return {4, 1, "4 lanes per DSP48 for operands <= 4 bits (FINN RTL MVU, mvu_4sx4u)"};
  if (wbits <= 8 && abits <= 8) return {2, 1, "2 lanes per DSP48 for operands <= 8 bits (AMD WP486; FINN mvu_8sx8u)"};
  const int wide = std::max(wbits, abits), narrow = std::min(wbits, abits);
  if (wide <= kDspWideBits && narrow <= kDspNarrowBits) return {1, 1, "1 product per DSP48E2 (27 x 18 multiplier)"};
  const int dsps = static_cast<int>(ceil_div(wide, kDspWideBits) * ceil_div(narrow, kDspNarrowBits));
  return {1, dsps, "a product wider than 27 x 18 tiled over ceil(wide / 27) x ceil(narrow / 18) DSP48E2s"};
}

int64_t array_dsps(const ArrayDesc& array, const Precision& p) {
  const DspPacking packing = dsp_packing(p.wbits, p.abits);
  const int64_t pack = array.pack_for(p.wbits);
  const int64_t cols = array.cols;
  if (packing.dsps_per_product > 1) return array.pes() * pack * packing.dsps_per_product;
  const int64_t lanes = packing.lanes;
  const DataflowRecord& r = dataflow_record(array.dataflow);
  // Products grouped on one DSP must share one operand in the same cycle.
  const std::optional<Operand> row_shares = shared_along(r.cols);     // along a row of PEs
  const std::optional<Operand> lanes_share = shared_along(r.packed);  // within a PE's packed MACs
  int64_t per_row = cols * ceil_div(pack, lanes);  // within each PE only
  if (row_shares && row_shares == lanes_share) {
    per_row = ceil_div(cols * pack, lanes);  // every product of the row shares it
  } else if (row_shares) {
    per_row = std::min(per_row, pack * ceil_div(cols, lanes));  // lane j of neighbouring PEs
  }
  return int64_t{array.rows} * per_row;
}

// ---- LUTs ----

int64_t lut_multiplier_luts(int wbits, int abits) {
  check_precision({wbits, abits});
  const int64_t wa = wbits + abits;
  return (2 * ceil_div(wa, 6) - 1) * wa;
}

int64_t array_luts(const ArrayDesc& array, const Precision& p, MultiplierStyle style) {
  check_precision(p);
  const int64_t lanes = array.pes() * array.pack_for(p.wbits);
  const int64_t mult = style == MultiplierStyle::Lut ? lut_multiplier_luts(p.wbits, p.abits) : 0;
  const int64_t adder = p.wbits + p.abits;      // FINN-R's adder tree with one SIMD lane: (W + A)(2 x 1 - 1)
  const int64_t acc = kAccumulatorBytes * 8;    // the simulator's 32-bit partial sums
  return kFinnLutBase + ceil_div(kFinnLutScaleTenths * lanes * (mult + adder + acc), 10);
}

// ---- memories ----

const char* to_string(MemoryKind k) { return k == MemoryKind::Bram36 ? "BRAM36" : "URAM"; }
const char* to_string(BankLayout l) { return l == BankLayout::Whole ? "whole" : "halves"; }

const std::vector<MemoryAspect>& bram36_aspects() {
  static const std::vector<MemoryAspect> aspects = {
      {MemoryKind::Bram36, 1, 32768, 2, false, "1x32768"},  {MemoryKind::Bram36, 2, 16384, 2, false, "2x16384"},
      {MemoryKind::Bram36, 4, 8192, 2, false, "4x8192"},    {MemoryKind::Bram36, 9, 4096, 2, false, "9x4096"},
      {MemoryKind::Bram36, 18, 2048, 2, false, "18x2048"},  {MemoryKind::Bram36, 36, 1024, 2, false, "36x1024"},
      {MemoryKind::Bram36, 72, 512, 1, true, "72x512 SDP"},
  };
  return aspects;
}

const MemoryAspect& uram_aspect() {
  static const MemoryAspect aspect{MemoryKind::Uram, 72, 4096, 2, false, "72x4096"};
  return aspect;
}

BankShape bank_shape(const BufferConfig& b) {
  if (b.kb < 1 || b.banks < 1 || b.ports < 1 || b.width_bytes < 1)
    throw Error(fmt::format("a buffer needs kb, banks, ports and width_bytes >= 1; got {} KiB, {} banks, {} ports, "
                            "{} B words",
                            b.kb, b.banks, b.ports, b.width_bytes));
  BankShape s;
  s.word_bits = int64_t{b.width_bytes} * 8;
  s.words = ceil_div(int64_t{b.kb} * 1024, int64_t{b.banks} * b.width_bytes);
  s.ports = b.ports;
  s.double_buffer = b.double_buffer;
  return s;
}

BankMapping map_bank(const BankShape& bank, const MemoryAspect& aspect, BankLayout layout) {
  if (layout == BankLayout::Halves && !bank.double_buffer)
    throw Error("a bank is laid out in two halves only when it is double-buffered");
  // Whole: the DMA fills the idle half while the array works on the other, so a
  // double-buffered bank needs one more port, unless the primitive has a separate
  // write port for it. Halves: the DMA uses the half the array is not using.
  const bool dma_needs_port = layout == BankLayout::Whole && bank.double_buffer && !aspect.dma_port;
  const int64_t demand = bank.ports + (dma_needs_port ? 1 : 0);
  const int64_t memories = layout == BankLayout::Halves ? 2 : 1;
  const int64_t depth = ceil_div(bank.words, memories);
  BankMapping m;
  m.aspect = aspect;
  m.layout = layout;
  m.copies = ceil_div(demand, aspect.array_ports);
  m.blocks = memories * m.copies * ceil_div(bank.word_bits, aspect.width) * ceil_div(depth, aspect.depth);
  return m;
}

BankMapping best_bank_mapping(const BankShape& bank, MemoryKind kind) {
  const std::vector<MemoryAspect> aspects =
      kind == MemoryKind::Bram36 ? bram36_aspects() : std::vector<MemoryAspect>{uram_aspect()};
  std::optional<BankMapping> best;
  for (const MemoryAspect& a : aspects) {
    for (BankLayout layout : {BankLayout::Whole, BankLayout::Halves}) {
      if (layout == BankLayout::Halves && !bank.double_buffer) continue;
      const BankMapping m = map_bank(bank, a, layout);
      if (!best || m.blocks < best->blocks) best = m;
    }
  }
  return *best;
}

namespace {

// ceil(log2(n)) for n >= 1: the address bits of n words.
int64_t address_bits(int64_t n) {
  int64_t bits = 0;
  while ((int64_t{1} << bits) < n) ++bits;
  return bits;
}

BufferEstimate estimate_buffer(Buffer which, const BufferConfig& config, bool use_uram) {
  BufferEstimate e;
  e.buffer = which;
  e.config = config;
  e.bank = bank_shape(config);
  e.bram = best_bank_mapping(e.bank, MemoryKind::Bram36);
  e.uram = best_bank_mapping(e.bank, MemoryKind::Uram);
  // One URAM288 holds the bits of 8 BRAM36 (288 Kb / 36 Kb): URAM when it takes no more.
  constexpr int64_t kBram36PerUram = 8;
  e.chosen = use_uram && e.uram.blocks * kBram36PerUram <= e.bram.blocks ? MemoryKind::Uram : MemoryKind::Bram36;
  if (e.chosen == MemoryKind::Uram)
    e.resources.uram = int64_t{config.banks} * e.uram.blocks;
  else
    e.resources.bram36 = int64_t{config.banks} * e.bram.blocks;
  e.control_luts = int64_t{config.banks} * (config.ports + 1) * address_bits(e.bank.words);
  e.resources.lut = e.control_luts;
  return e;
}

ArrayEstimate estimate_array(const ArrayDesc& array, const std::vector<Precision>& precisions,
                             MultiplierStyle style) {
  if (precisions.empty())
    throw Error(fmt::format("no operand widths given for the {} array", to_string(array.unit)));
  ArrayEstimate e;
  e.precisions = precisions;
  int64_t most_dsps = -1, most_luts = -1;
  for (const Precision& p : precisions) {
    check_precision(p);
    const int64_t dsps = style == MultiplierStyle::Dsp ? array_dsps(array, p) : 0;
    const int64_t luts = array_luts(array, p, style);
    if (dsps > most_dsps) {
      most_dsps = dsps;
      e.dsp_sizing = p;
    }
    if (luts > most_luts) {
      most_luts = luts;
      e.lut_sizing = p;
    }
  }
  e.pack = array.pack_for(e.dsp_sizing.wbits);
  e.packing = dsp_packing(e.dsp_sizing.wbits, e.dsp_sizing.abits);
  e.resources.dsp = most_dsps;
  e.resources.lut = most_luts;
  return e;
}

}  // namespace

UnitPrecisions same_precisions(const std::vector<ArrayDesc>& arrays, const std::vector<Precision>& pairs) {
  return UnitPrecisions(arrays.size(), pairs);
}

namespace {

void add_pair(UnitPrecisions& out, const std::vector<ArrayDesc>& arrays, OpKind kind, const Precision& p) {
  std::vector<Precision>& unit = out.at(static_cast<size_t>(index_of(unit_for(arrays, kind))));
  if (std::find(unit.begin(), unit.end(), p) == unit.end()) unit.push_back(p);
}

void fill_native(UnitPrecisions& out, const std::vector<ArrayDesc>& arrays) {
  for (size_t u = 0; u < out.size(); ++u)
    if (out[u].empty()) out[u].push_back({arrays[u].native_bits, arrays[u].native_bits});
}

}  // namespace

UnitPrecisions trace_precisions(const Trace& trace, const std::vector<ArrayDesc>& arrays) {
  UnitPrecisions out(arrays.size());
  for (const TraceOp& op : trace.ops) add_pair(out, arrays, op.kind, {op.wbits, op.abits});
  fill_native(out, arrays);
  return out;
}

UnitPrecisions decomposition_precisions(const std::vector<ArrayDesc>& arrays, int wbits, int factor_bits, int abits) {
  UnitPrecisions out(arrays.size());
  if (wbits > 0) add_pair(out, arrays, OpKind::Dense, {wbits, abits});
  if (factor_bits > 0) {
    add_pair(out, arrays, OpKind::LowRankDown, {factor_bits, abits});  // and lr_up: the same unit and widths
  }
  fill_native(out, arrays);
  for (const auto& unit : out)
    for (const Precision& p : unit) check_precision(p);
  return out;
}

ResourceEstimate estimate_resources(const AccelConfig& config, const UnitPrecisions& precisions,
                                    const EstimateOptions& options) {
  const std::vector<ArrayDesc> arrays = unit_arrays(config);
  if (precisions.size() != arrays.size())
    throw Error(fmt::format("operand widths are given for {} units; the config has {}", precisions.size(),
                            arrays.size()));
  ResourceEstimate out;
  out.multipliers = options.multipliers;
  out.uram_allowed = options.use_uram;
  for (size_t u = 0; u < arrays.size(); ++u) {
    UnitEstimate unit;
    unit.array = arrays[u];
    unit.compute = estimate_array(arrays[u], precisions[u], options.multipliers);
    unit.total = unit.compute.resources;
    // Each unit has its own weight, input and output SRAMs, of the sizes in `buffers`.
    for (Buffer b : kBuffers) {
      unit.buffers[b] = estimate_buffer(b, buffer_config(config.buffers, b), options.use_uram);
      unit.total += unit.buffers[b].resources;
    }
    out.total += unit.total;
    out.units.push_back(std::move(unit));
  }
  return out;
}

ResourceEstimate estimate_resources(const AccelConfig& config, const UnitPrecisions& precisions,
                                    const FpgaDevice& device, MultiplierStyle multipliers) {
  EstimateOptions options;
  options.multipliers = multipliers;
  options.use_uram = device.uram > 0;
  return estimate_resources(config, precisions, options);
}

// ---- against a device ----

double utilization(const FpgaResources& used, const FpgaDevice& device, Resource r) {
  const int64_t have = available(device, r);
  if (have > 0) return static_cast<double>(used[r]) / static_cast<double>(have);
  return used[r] == 0 ? 0.0 : std::numeric_limits<double>::infinity();
}

std::vector<Resource> over_limit(const FpgaResources& used, const FpgaDevice& device, double max_utilization) {
  if (!(max_utilization > 0 && max_utilization <= 1))
    throw Error(fmt::format("max_utilization must be in (0, 1]; got {}", max_utilization));
  std::vector<Resource> over;
  for (Resource r : kResources) {
    // A relative margin keeps e.g. 0.29 x 100 (28.999999999999996 in binary) from refusing 29.
    const double limit = max_utilization * static_cast<double>(available(device, r));
    if (static_cast<double>(used[r]) > limit * (1 + 1e-12)) over.push_back(r);
  }
  return over;
}

bool feasible(const FpgaResources& used, const FpgaDevice& device, double max_utilization) {
  return over_limit(used, device, max_utilization).empty();
}

}  // namespace itera
