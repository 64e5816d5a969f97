#pragma once
// An estimate of the FPGA resources (DSP48E2 slices, BRAM36 blocks, URAM288 blocks and
// LUTs) an accelerator config takes on an AMD UltraScale+ device, for the co-design
// search: every unit that runs (the main array and, with low_rank.datapath: dedicated,
// the low-rank array), their PEs and their weight, input and output buffers, at the
// (weight bits, activation bits) pairs the design runs. docs/fpga-resources.md derives
// every formula and gives its source; in short:
//
// DSPs. A PE does p = mac_packing(native_bits, wbits, pack_lower_bits) MACs per cycle
// (fold_timing.h), on p output features that share the PE's input; the DSP count covers
// exactly those MACs. One DSP48E2 computes L products that share one operand:
//   L = 4 when wbits <= 4 and abits <= 4   (FINN's RTL MVU, mvu_4sx4u: 4 MACs per DSP48)
//   L = 2 when wbits <= 8 and abits <= 8   (AMD WP486; FINN's mvu_8sx8u_dsp48)
//   L = 1 when the product fits the 27 x 18 multiplier (the wider operand <= 27 bits, the
//         narrower <= 18)
//   otherwise ceil(wide / 27) * ceil(narrow / 18) DSPs per product.
// The shared operand is the one a row of the array broadcasts: the activation in ws and
// os (and the PE's packed lanes share it too), the weight in is (where only the lane j
// of neighbouring PEs shares it). Per row: ws, os: ceil(cols p / L); is: the fewer of
// p ceil(cols / L) and cols ceil(p / L). DSPs = rows x that, the most over the pairs the
// unit must run (the slices are shared by the modes).
//
// Memories. Each bank is a memory of word_bits = 8 width_bytes and words =
// ceil(kb 1024 / (banks width_bytes)); kb is the whole buffer, both halves when double-
// buffered (as the simulator counts it, sram_ports.h). A primitive of aspect w x d takes
// ceil(word_bits / w) ceil(depth / d) blocks per copy; BRAM36 aspects 1x32K .. 36x1K are
// true dual port (2 ports for the array), 72x512 is simple dual port (its read port
// serves the array, its write port the fills), URAM288 is 72x4096 with 2 ports. Copies
// are added for ports beyond a copy's. A double-buffered bank is laid out either as one
// memory (the DMA takes one more port) or as two halves of half the depth (the DMA uses
// the idle half, as the simulator assumes); the cheaper wins. A bank goes to URAM when
// the device has URAM and its URAMs hold no more bits than its BRAM36s would (1 URAM =
// 8 BRAM36), else to BRAM36.
//
// LUTs. FINN-R's estimate of a matrix-vector unit, each MAC lane taken as a FINN PE with
// one SIMD lane: per unit 300 + ceil(1.1 x lanes x (mult + (wbits + abits) + acc)),
// lanes = PEs x p, acc = 32 (the simulator's partial sums), mult = 0 on DSPs or
// (2 ceil((wbits + abits) / 6) - 1)(wbits + abits) as LUT multipliers; plus one address
// counter of ceil(log2 words) LUTs per port of every bank (the array's and the DMA's).
// It is an estimate, not a synthesis result.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "accel_config.h"
#include "trace.h"
#include "units.h"

namespace itera {

// The operand widths one op runs at.
struct Precision {
  int wbits = 8;
  int abits = 8;
};
inline bool operator==(const Precision& a, const Precision& b) { return a.wbits == b.wbits && a.abits == b.abits; }
inline bool operator!=(const Precision& a, const Precision& b) { return !(a == b); }
std::string to_string(const Precision& p);  // "w4a8"

// Where the multiplies go: DSP slices (default) or LUTs (FINN's resType lut).
enum class MultiplierStyle { Dsp, Lut };
const std::vector<Spelling<MultiplierStyle>>& multiplier_spellings();  // dsp | lut
const char* to_string(MultiplierStyle s);

// A device's totals (configs/fpga/*.yaml, read by sim/fpga_device_files.h).
struct FpgaDevice {
  std::string name;  // the preset name, e.g. "zcu104"
  std::string part;  // what it is, e.g. "Zynq UltraScale+ XCZU7EV (ZCU104 board)"
  int64_t dsp = 0, bram36 = 0, uram = 0, lut = 0;
  std::string source;
};

enum class Resource { Dsp = 0, Bram36 = 1, Uram = 2, Lut = 3 };
constexpr std::array<Resource, 4> kResources = {Resource::Dsp, Resource::Bram36, Resource::Uram, Resource::Lut};
const char* to_string(Resource r);  // "DSP", "BRAM36", "URAM", "LUT"
const char* json_key(Resource r);   // "dsp", "bram36", "uram", "lut"

struct FpgaResources {
  int64_t dsp = 0, bram36 = 0, uram = 0, lut = 0;
  int64_t operator[](Resource r) const;
  FpgaResources& operator+=(const FpgaResources& o);
};
bool operator==(const FpgaResources& a, const FpgaResources& b);
inline bool operator!=(const FpgaResources& a, const FpgaResources& b) { return !(a == b); }
int64_t available(const FpgaDevice& d, Resource r);

// ---- DSPs ----

// How one DSP48E2 serves products of `wbits` x `abits` (signed operands): `lanes`
// products sharing one operand per DSP, or, for products wider than 27 x 18, one
// product on `dsps_per_product` DSPs (lanes = 1).
struct DspPacking {
  int lanes = 1;
  int dsps_per_product = 1;
  const char* source = "";  // which packing, and where it comes from
};
DspPacking dsp_packing(int wbits, int abits);

// DSP slices of `array` running `p` (0 for LUT multipliers is the caller's business).
int64_t array_dsps(const ArrayDesc& array, const Precision& p);

// ---- LUTs ----

constexpr int64_t kFinnLutBase = 300;     // FINN-R c0: per unit
constexpr int64_t kFinnLutScaleTenths = 11;  // FINN-R c1 = 1.1, in tenths
// One LUT multiplier of wbits x abits (FINN-R): (2 ceil((w + a) / 6) - 1)(w + a).
int64_t lut_multiplier_luts(int wbits, int abits);
// LUTs of `array` running `p`: 300 + ceil(1.1 x PEs x pack x (mult + w + a + 32)).
int64_t array_luts(const ArrayDesc& array, const Precision& p, MultiplierStyle style);

// ---- memories ----

enum class MemoryKind { Bram36, Uram };
const char* to_string(MemoryKind k);  // "BRAM36" | "URAM"

// One configuration of a memory primitive.
struct MemoryAspect {
  MemoryKind kind = MemoryKind::Bram36;
  int width = 0;          // bits per word
  int depth = 0;          // words
  int array_ports = 0;    // ports a copy offers the array
  bool dma_port = false;  // a further port (simple dual port's write port) takes the DMA's fills
  const char* name = "";  // "36x1024", "72x512 SDP", "72x4096"
};
// BRAM36: 1x32768, 2x16384, 4x8192, 9x4096, 18x2048, 36x1024 (true dual port), 72x512
// (simple dual port), in this order; URAM288: 72x4096.
const std::vector<MemoryAspect>& bram36_aspects();
const MemoryAspect& uram_aspect();

enum class BankLayout { Whole, Halves };  // one memory | two halves (double-buffered only)
const char* to_string(BankLayout l);        // "whole" | "halves"

// One bank's memory on one primitive.
struct BankMapping {
  MemoryAspect aspect;
  BankLayout layout = BankLayout::Whole;
  int64_t copies = 0;  // per memory (per half), for ports
  int64_t blocks = 0;  // primitives for the bank: memories x copies x ceil(bits / w) x ceil(depth / d)
};

// The bank geometry of a buffer.
struct BankShape {
  int64_t word_bits = 0;  // width_bytes x 8
  int64_t words = 0;      // ceil(kb 1024 / (banks width_bytes))
  int ports = 0;
  bool double_buffer = false;
};
BankShape bank_shape(const BufferConfig& b);

// A bank laid out on one aspect; throws itera::Error if the layout does not apply
// (halves of a single-buffered bank).
BankMapping map_bank(const BankShape& bank, const MemoryAspect& aspect, BankLayout layout);
// The cheapest mapping over the aspects and layouts of one kind (ties: the earlier
// aspect in the table, then whole before halves).
BankMapping best_bank_mapping(const BankShape& bank, MemoryKind kind);

// ---- the estimate ----

struct BufferEstimate {
  Buffer buffer = Buffer::Weight;
  BufferConfig config;
  BankShape bank;
  BankMapping bram;    // the best BRAM36 mapping of one bank
  BankMapping uram;    // the best URAM mapping of one bank
  MemoryKind chosen = MemoryKind::Bram36;
  int64_t control_luts = 0;  // banks x (ports + 1) x ceil(log2 words)
  FpgaResources resources;   // banks x the chosen mapping's blocks, and the control LUTs
};

struct ArrayEstimate {
  std::vector<Precision> precisions;  // the pairs the unit must run
  Precision dsp_sizing;               // the pair that needs the most DSPs (first of equals)
  Precision lut_sizing;               // the pair that needs the most LUTs
  int pack = 1;                       // MACs per PE per cycle at dsp_sizing
  DspPacking packing;                 // at dsp_sizing
  FpgaResources resources;            // dsp, lut
};

struct UnitEstimate {
  ArrayDesc array;
  ArrayEstimate compute;
  PerBuffer<BufferEstimate> buffers;
  FpgaResources total;
};

struct ResourceEstimate {
  MultiplierStyle multipliers = MultiplierStyle::Dsp;
  bool uram_allowed = false;
  std::vector<UnitEstimate> units;
  FpgaResources total;
};

struct EstimateOptions {
  MultiplierStyle multipliers = MultiplierStyle::Dsp;
  bool use_uram = false;  // the device has URAM
};

// The pairs each unit must run, indexed by index_of(Unit).
using UnitPrecisions = std::vector<std::vector<Precision>>;
// The same pairs for every unit of `arrays`.
UnitPrecisions same_precisions(const std::vector<ArrayDesc>& arrays, const std::vector<Precision>& pairs);
// The pairs of the ops each unit runs (unit_for); a unit that runs no op of the trace
// is sized for its PEs' native width (native_bits x native_bits).
UnitPrecisions trace_precisions(const Trace& trace, const std::vector<ArrayDesc>& arrays);
// The pairs of a decomposed model without its trace: dense weights of `wbits` and
// low-rank factors of `factor_bits` (16: F16), both against activations of `abits`; 0
// leaves a part out (no dense part in the factorized form, no factors for plain
// quantization). Factors run on the dedicated low-rank array when there is one, else on
// the main array. A unit left with nothing is sized at its native width, as above.
UnitPrecisions decomposition_precisions(const std::vector<ArrayDesc>& arrays, int wbits, int factor_bits, int abits);

// Throws itera::Error when a unit has no pair or a width is outside 1..64.
ResourceEstimate estimate_resources(const AccelConfig& config, const UnitPrecisions& precisions,
                                    const EstimateOptions& options);
// For `device`: URAM is used when it has any.
ResourceEstimate estimate_resources(const AccelConfig& config, const UnitPrecisions& precisions,
                                    const FpgaDevice& device, MultiplierStyle multipliers = MultiplierStyle::Dsp);

// ---- against a device ----

// used / available (0 when both are 0; +inf when only the device has none).
double utilization(const FpgaResources& used, const FpgaDevice& device, Resource r);
// Every resource used <= max_utilization x available (max_utilization in (0, 1]).
bool feasible(const FpgaResources& used, const FpgaDevice& device, double max_utilization);
// The resources over the limit, in kResources order.
std::vector<Resource> over_limit(const FpgaResources& used, const FpgaDevice& device, double max_utilization);

}  // namespace itera
