#include "dataflow.h"

#include <fmt/format.h>

#include "error.h"
#include "int_math.h"

namespace itera {

const char* to_string(Dim d) { return d == Dim::M ? "M" : d == Dim::K ? "K" : "N"; }

const std::vector<DataflowRecord>& dataflow_table() {
  static const std::vector<DataflowRecord> table = {
      {Dataflow::WeightStationary, "ws", Dim::K, Dim::N, Dim::M, Operand::Weight, Buffer::Weight, true},
      {Dataflow::OutputStationary, "os", Dim::M, Dim::N, Dim::K, Operand::Output, Buffer::Output, false},
      {Dataflow::InputStationary, "is", Dim::K, Dim::M, Dim::N, Operand::Input, Buffer::Input, true},
  };
  return table;
}

const DataflowRecord& dataflow_record(Dataflow d) {
  for (const DataflowRecord& r : dataflow_table())
    if (r.id == d) return r;
  throw Error(fmt::format("internal: dataflow {} has no record in the dataflow table", static_cast<int>(d)));
}

int64_t array_unit(const DataflowRecord& r, Dim d, int rows, int cols, int pack) {
  const int64_t base = d == r.rows ? rows : d == r.cols ? cols : 1;
  return d == r.packed ? base * pack : base;
}

int64_t slots(const DataflowRecord& r, Dim d, int64_t size, int pack) {
  return d == r.packed ? ceil_div(size, pack) : size;
}

bool splits_reduction(const DataflowRecord& r, int64_t row_folds, int64_t col_folds) {
  return (r.rows == Dim::K && row_folds > 1) || (r.cols == Dim::K && col_folds > 1);
}

}  // namespace itera
