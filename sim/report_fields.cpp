#include "report_fields.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <type_traits>

#include <fmt/format.h>

#include "error.h"
#include "int_math.h"
#include "units.h"

namespace itera {

namespace {

using nlohmann::json;


// ---- building records -------------------------------------------------------------

template <class>
struct MemberOf;
template <class C, class T>
struct MemberOf<T C::*> {
  using Record = C;
  using Type = T;
};
template <auto M>
using RecordOf = typename MemberOf<decltype(M)>::Record;

template <class T>
constexpr FieldKind kind_of() {
  if constexpr (std::is_same_v<T, std::string>) return FieldKind::Text;
  else if constexpr (std::is_floating_point_v<T>) return FieldKind::Real;
  else return FieldKind::Integer;
}

constexpr const char* default_format(FieldKind kind) { return kind == FieldKind::Real ? "{:.4f}" : "{}"; }

template <class T>
FieldValue value_of(const T& v) {
  if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(v);
  else return v;
}

template <class T>
void store(T& member, const FieldValue& v) {
  if constexpr (std::is_same_v<T, int>) {
    const int64_t x = std::get<int64_t>(v);
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
      throw Error(fmt::format("is {}, out of range", x));
    member = static_cast<int>(x);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    member = std::get<int64_t>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    member = std::get<double>(v);
  } else {
    member = std::get<std::string>(v);
  }
}

template <auto M>
FieldValue get_member(const RecordOf<M>& record, const SimReport&) {
  return value_of(record.*M);
}
template <auto M>
void set_member(RecordOf<M>& record, const FieldValue& v) {
  store(record.*M, v);
}

// A figure kept in member M; its kind follows the member's type.
template <auto M>
Field<RecordOf<M>> member(const char* key, const char* unit) {
  constexpr FieldKind kind = kind_of<typename MemberOf<decltype(M)>::Type>();
  return {key, unit, kind, default_format(kind), &get_member<M>, &set_member<M>};
}

// Buffer B's element of the per-buffer byte counts M.
template <auto M, Buffer B>
FieldValue get_element(const RecordOf<M>& record, const SimReport&) {
  return value_of((record.*M)[B]);
}
template <auto M, Buffer B>
void set_element(RecordOf<M>& record, const FieldValue& v) {
  store((record.*M)[B], v);
}
template <auto M, Buffer B>
Field<RecordOf<M>> buffer_bytes(const char* key) {
  return {key, "bytes", FieldKind::Integer, "{}", &get_element<M, B>, &set_element<M, B>};
}

// Member M of a layer's SCALE-Sim figures.
template <auto M>
FieldValue get_scalesim(const LayerReport& l, const SimReport&) {
  return value_of(l.scalesim.*M);
}
template <auto M>
void set_scalesim(LayerReport& l, const FieldValue& v) {
  store(l.scalesim.*M, v);
}
template <auto M>
LayerField scalesim(const char* key, const char* unit) {
  constexpr FieldKind kind = kind_of<typename MemberOf<decltype(M)>::Type>();
  return {key, unit, kind, default_format(kind), &get_scalesim<M>, &set_scalesim<M>};
}

// A figure computed from the others (not in the JSON).
LayerField derived(const char* key, const char* unit, FieldValue (*get)(const LayerReport&, const SimReport&)) {
  return {key, unit, FieldKind::Real, default_format(FieldKind::Real), get, nullptr};
}
TotalField derived(const char* key, const char* unit, FieldValue (*get)(const SimReport&, const SimReport&)) {
  return {key, unit, FieldKind::Real, default_format(FieldKind::Real), get, nullptr};
}

Unit parse_unit(const std::string& text) {
  for (Unit u : {Unit::Main, Unit::LowRank})
    if (text == to_string(u)) return u;
  throw Error(fmt::format("is '{}', not main or low_rank", text));
}

// Per-cycle bytes of a layer, over its total cycles.
double per_cycle(int64_t bytes, const LayerReport& l) {
  return ratio(static_cast<double>(bytes), static_cast<double>(l.total_cycles));
}

// ---- JSON ---------------------------------------------------------------------------

std::vector<std::string> key_parts(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.', start)) {
    parts.emplace_back(key.substr(start, dot - start));
    start = dot + 1;
  }
  parts.emplace_back(key.substr(start));
  return parts;
}

const json* find_path(const json& object, std::string_view key) {
  const json* node = &object;
  for (const std::string& part : key_parts(key)) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

bool integer_out_of_range(const json& v) {
  return v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

const char* json_kind(const json& v) {
  if (integer_out_of_range(v)) return "an integer beyond 64 bits";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a real number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return v.is_array() ? "an array" : "an object";
}

// The value when `v` is of `kind`: any number for a Real field.
std::optional<FieldValue> value_from_json(const json& v, FieldKind kind) {
  switch (kind) {
    case FieldKind::Integer:
      if (v.is_number_integer() && !integer_out_of_range(v)) return FieldValue(v.get<int64_t>());
      break;
    case FieldKind::Real:
      if (v.is_number()) return FieldValue(v.get<double>());
      break;
    case FieldKind::Text:
      if (v.is_string()) return FieldValue(v.get<std::string>());
      break;
  }
  return std::nullopt;
}

template <class Record>
const Field<Record>* find_in(const std::vector<Field<Record>>& fields, std::string_view key) {
  const auto it = std::find_if(fields.begin(), fields.end(), [&](const Field<Record>& f) { return key == f.key; });
  return it == fields.end() ? nullptr : &*it;
}

}  // namespace

const char* to_string(FieldKind kind) {
  switch (kind) {
    case FieldKind::Integer: return "an integer";
    case FieldKind::Real: return "a number";
    case FieldKind::Text: return "a string";
  }
  return "?";
}

const std::vector<LayerField>& layer_fields() {
  using L = LayerReport;
  using S = SimReport;
  static const std::vector<LayerField> fields = {
      member<&L::name>("name", "text"),
      member<&L::kind>("kind", "text"),
      {"array", "text", FieldKind::Text, "{}",
       [](const L& l, const S&) -> FieldValue { return std::string(to_string(l.unit)); },
       [](L& l, const FieldValue& v) { l.unit = parse_unit(std::get<std::string>(v)); }},
      member<&L::repeat>("repeat", "count"),
      member<&L::m>("M", "count"),
      member<&L::k>("K", "count"),
      member<&L::n>("N", "count"),
      member<&L::wbits>("wbits", "bits"),
      member<&L::abits>("abits", "bits"),
      member<&L::rank>("rank", "count"),
      member<&L::tile_m>("tile.M", "count"),
      member<&L::tile_k>("tile.K", "count"),
      member<&L::tile_n>("tile.N", "count"),
      member<&L::steps>("tile.steps", "count"),
      member<&L::total_cycles>("total_cycles", "cycles"),
      member<&L::compute_cycles>("compute_cycles", "cycles"),
      member<&L::stall_cycles>("stall_cycles", "cycles"),
      member<&L::stall_dram>("stall_dram_cycles", "cycles"),
      member<&L::stall_bank>("stall_bank_cycles", "cycles"),
      member<&L::stall_dependency>("stall_dependency_cycles", "cycles"),
      member<&L::macs>("macs", "count"),
      member<&L::pe_active>("pe_active_cycles", "cycles"),
      member<&L::folds>("folds", "count"),
      member<&L::pe_utilization>("pe_utilization", "ratio"),
      member<&L::mapping_efficiency>("mapping_efficiency", "ratio"),
      member<&L::dram_read_bytes>("dram_read_bytes", "bytes"),
      member<&L::dram_write_bytes>("dram_write_bytes", "bytes"),
      member<&L::compulsory_bytes>("dram_compulsory_bytes", "bytes"),
      member<&L::dram_busy_cycles>("dram_busy_cycles", "cycles"),
      member<&L::sram_port_cycles>("sram_port_cycles", "cycles"),
      member<&L::dram_bw_percent>("dram_bandwidth_percent", "percent"),
      member<&L::row_hit_rate>("row_hit_rate", "ratio"),
      buffer_bytes<&L::sram_read_bytes, Buffer::Weight>("sram.weight.read_bytes"),
      buffer_bytes<&L::sram_write_bytes, Buffer::Weight>("sram.weight.write_bytes"),
      buffer_bytes<&L::sram_read_bytes, Buffer::Input>("sram.input.read_bytes"),
      buffer_bytes<&L::sram_write_bytes, Buffer::Input>("sram.input.write_bytes"),
      buffer_bytes<&L::sram_read_bytes, Buffer::Output>("sram.output.read_bytes"),
      buffer_bytes<&L::sram_write_bytes, Buffer::Output>("sram.output.write_bytes"),
      member<&L::bound>("bound", "text"),
      scalesim<&ScaleSimFigures::total_cycles_incl_prefetch>("scalesim.total_cycles_incl_prefetch", "cycles"),
      scalesim<&ScaleSimFigures::total_cycles>("scalesim.total_cycles", "cycles"),
      scalesim<&ScaleSimFigures::stall_cycles>("scalesim.stall_cycles", "cycles"),
      scalesim<&ScaleSimFigures::overall_util_percent>("scalesim.overall_util_percent", "percent"),
      scalesim<&ScaleSimFigures::mapping_efficiency_percent>("scalesim.mapping_efficiency_percent", "percent"),
      scalesim<&ScaleSimFigures::compute_util_percent>("scalesim.compute_util_percent", "percent"),
      scalesim<&ScaleSimFigures::ifmap_sram_bw>("scalesim.ifmap_sram_bw", "words/cycle"),
      scalesim<&ScaleSimFigures::filter_sram_bw>("scalesim.filter_sram_bw", "words/cycle"),
      scalesim<&ScaleSimFigures::ofmap_sram_bw>("scalesim.ofmap_sram_bw", "words/cycle"),
      scalesim<&ScaleSimFigures::ifmap_dram_bw>("scalesim.ifmap_dram_bw", "words/cycle"),
      scalesim<&ScaleSimFigures::filter_dram_bw>("scalesim.filter_dram_bw", "words/cycle"),
      scalesim<&ScaleSimFigures::ofmap_dram_bw>("scalesim.ofmap_dram_bw", "words/cycle"),
      // Derived (the table's and the CSV reports' columns).
      derived("pe_utilization_percent", "percent",
              [](const L& l, const S&) -> FieldValue { return 100.0 * l.pe_utilization; }),
      derived("mapping_efficiency_percent", "percent",
              [](const L& l, const S&) -> FieldValue { return 100.0 * l.mapping_efficiency; }),
      derived("latency_us", "us",
              [](const L& l, const S& r) -> FieldValue {
                return static_cast<double>(l.total_cycles) * r.period_ns / 1000.0;
              }),
      // Bytes per cycle of the layer's window: what the array reads of the input and weight
      // buffers and writes to the output buffer, the DMA's fills of the input and weight
      // buffers, and the output written back.
      derived("bandwidth.input_sram_read", "bytes/cycle",
              [](const L& l, const S&) -> FieldValue { return per_cycle(l.sram_read_bytes[Buffer::Input], l); }),
      derived("bandwidth.weight_sram_read", "bytes/cycle",
              [](const L& l, const S&) -> FieldValue { return per_cycle(l.sram_read_bytes[Buffer::Weight], l); }),
      derived("bandwidth.output_sram_write", "bytes/cycle",
              [](const L& l, const S&) -> FieldValue { return per_cycle(l.sram_write_bytes[Buffer::Output], l); }),
      derived("bandwidth.input_fill", "bytes/cycle",
              [](const L& l, const S&) -> FieldValue { return per_cycle(l.sram_write_bytes[Buffer::Input], l); }),
      derived("bandwidth.weight_fill", "bytes/cycle",
              [](const L& l, const S&) -> FieldValue { return per_cycle(l.sram_write_bytes[Buffer::Weight], l); }),
      derived("bandwidth.output_write_back", "bytes/cycle",
              [](const L& l, const S&) -> FieldValue { return per_cycle(l.dram_write_bytes, l); }),
  };
  return fields;
}

const std::vector<TotalField>& total_fields() {
  using S = SimReport;
  static const std::vector<TotalField> fields = {
      member<&S::source>("source", "text"),
      member<&S::fidelity>("fidelity", "text"),
      member<&S::dram>("dram", "text"),
      member<&S::clock_mhz>("clock_mhz", "MHz"),
      member<&S::pes>("pes", "PEs"),
      member<&S::total_cycles>("total_cycles", "cycles"),
      member<&S::compute_cycles>("compute_cycles", "cycles"),
      member<&S::stall_cycles>("stall_cycles", "cycles"),
      member<&S::stall_dram>("stall_dram_cycles", "cycles"),
      member<&S::stall_bank>("stall_bank_cycles", "cycles"),
      member<&S::stall_dependency>("stall_dependency_cycles", "cycles"),
      member<&S::macs>("macs", "count"),
      member<&S::pe_utilization>("pe_utilization", "ratio"),
      member<&S::latency_us>("latency_us", "us"),
      member<&S::dram_read_bytes>("dram_read_bytes", "bytes"),
      member<&S::dram_write_bytes>("dram_write_bytes", "bytes"),
      member<&S::dram_peak_bytes_per_cycle>("dram_peak_bytes_per_cycle", "bytes/cycle"),
      member<&S::dram_bw_percent>("dram_bandwidth_percent", "percent"),
      member<&S::row_hit_rate>("row_hit_rate", "ratio"),
      buffer_bytes<&S::sram_read_bytes, Buffer::Weight>("sram.weight.read_bytes"),
      buffer_bytes<&S::sram_write_bytes, Buffer::Weight>("sram.weight.write_bytes"),
      buffer_bytes<&S::sram_read_bytes, Buffer::Input>("sram.input.read_bytes"),
      buffer_bytes<&S::sram_write_bytes, Buffer::Input>("sram.input.write_bytes"),
      buffer_bytes<&S::sram_read_bytes, Buffer::Output>("sram.output.read_bytes"),
      buffer_bytes<&S::sram_write_bytes, Buffer::Output>("sram.output.write_bytes"),
      // Derived (the table's summary).
      derived("compute_cycles_percent", "percent",
              [](const S& r, const S&) -> FieldValue {
                return 100.0 * ratio(static_cast<double>(r.compute_cycles), static_cast<double>(r.total_cycles));
              }),
      derived("pe_utilization_percent", "percent",
              [](const S& r, const S&) -> FieldValue { return 100.0 * r.pe_utilization; }),
  };
  return fields;
}

const LayerField* find_layer_field(std::string_view key) { return find_in(layer_fields(), key); }
const TotalField* find_total_field(std::string_view key) { return find_in(total_fields(), key); }

const LayerField& layer_field(std::string_view key) {
  if (const LayerField* f = find_layer_field(key)) return *f;
  throw Error(fmt::format("no layer report field '{}'", key));
}

const TotalField& total_field(std::string_view key) {
  if (const TotalField* f = find_total_field(key)) return *f;
  throw Error(fmt::format("no report total field '{}'", key));
}

std::string format_value(const FieldValue& value, std::string_view format) {
  return std::visit([&](const auto& v) { return fmt::format(fmt::runtime(format), v); }, value);
}

template <class Record>
json fields_to_json(const std::vector<Field<Record>>& fields, const Record& record, const SimReport& report) {
  json object = json::object();
  for (const Field<Record>& f : fields) {
    if (!f.in_json()) continue;
    json* node = &object;
    for (const std::string& part : key_parts(f.key)) node = &(*node)[part];
    *node = std::visit([](const auto& v) { return json(v); }, f.get(record, report));
  }
  return object;
}

template <class Record>
void fields_from_json(const std::vector<Field<Record>>& fields, const json& object, Record& record,
                      const std::string& where) {
  if (!object.is_object()) throw Error(fmt::format("{} is not a JSON object", where));
  for (const Field<Record>& f : fields) {
    if (!f.in_json()) continue;
    const json* node = find_path(object, f.key);
    if (node == nullptr) throw Error(fmt::format("{} has no '{}'", where, f.key));
    const std::optional<FieldValue> value = value_from_json(*node, f.kind);
    if (!value)
      throw Error(fmt::format("{}: '{}' must be {}, not {}", where, f.key, to_string(f.kind), json_kind(*node)));
    try {
      f.set(record, *value);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: '{}' {}", where, f.key, e.what()));
    }
  }
}

template json fields_to_json(const std::vector<LayerField>&, const LayerReport&, const SimReport&);
template json fields_to_json(const std::vector<TotalField>&, const SimReport&, const SimReport&);
template void fields_from_json(const std::vector<LayerField>&, const json&, LayerReport&, const std::string&);
template void fields_from_json(const std::vector<TotalField>&, const json&, SimReport&, const std::string&);

}  // namespace itera
