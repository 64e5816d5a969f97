#pragma once
// The schema of the simulate report: one record per reported figure, for a layer and
// for the whole run. Every form of the report is generated from these two tables:
// the JSON (every field with a setter, at its key path), the terminal table and the
// CSV reports (columns chosen by key, with their own headers; sim_report.cpp) and the
// sweep's results.csv (sweep_report.cpp), and the JSON is read back through them.
//
// To add a figure: give LayerReport / SimReport its member (or derive it from others)
// and add one record to layer_fields() or total_fields() in report_fields.cpp.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim_report.h"

namespace itera {

enum class FieldKind { Integer, Real, Text };
const char* to_string(FieldKind kind);  // "an integer" | "a number" | "a string"

// A figure's value: Integer fields hold int64_t, Real double, Text std::string.
using FieldValue = std::variant<int64_t, double, std::string>;

// One reported figure of a Record (LayerReport or SimReport).
template <class Record>
struct Field {
  const char* key;     // the JSON path, '.' between levels: "total_cycles", "tile.M", "sram.weight.read_bytes"
  const char* unit;    // cycles, bytes, bytes/cycle, ratio, percent, us, MHz, PEs, bits, count, text
  FieldKind kind;
  const char* format;  // its text in the CSV reports (fmt): "{}" or "{:.4f}"
  // The value; the SimReport is the context of a layer (for a SimReport, the record itself).
  FieldValue (*get)(const Record& record, const SimReport& report);
  // Stores a value of `kind`; throws itera::Error (a reason, without the key) when it does not
  // fit. nullptr: derived from the other figures, so not in the JSON.
  void (*set)(Record& record, const FieldValue& value);

  bool in_json() const { return set != nullptr; }
};
using LayerField = Field<LayerReport>;
using TotalField = Field<SimReport>;

// In a fixed order (the JSON's own order is by key: nlohmann::json sorts objects).
const std::vector<LayerField>& layer_fields();
const std::vector<TotalField>& total_fields();

// The field with this key; an unknown key is a programming error: throws itera::Error.
const LayerField& layer_field(std::string_view key);
const TotalField& total_field(std::string_view key);
// nullptr when there is no such field.
const LayerField* find_layer_field(std::string_view key);
const TotalField* find_total_field(std::string_view key);

// The value in an fmt format with one replacement field ("{}", "{:.1f}%", ...).
std::string format_value(const FieldValue& value, std::string_view format);

// The record's JSON figures as an object nested by key path.
template <class Record>
nlohmann::json fields_to_json(const std::vector<Field<Record>>& fields, const Record& record,
                              const SimReport& report);
// Sets the record's JSON figures from `object`; throws itera::Error naming `where` and the
// key of a figure that is missing or of the wrong type.
template <class Record>
void fields_from_json(const std::vector<Field<Record>>& fields, const nlohmann::json& object, Record& record,
                      const std::string& where);

}  // namespace itera
