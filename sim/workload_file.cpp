#include "workload_file.h"

#include <filesystem>

#include <fmt/format.h>

#include "file_io.h"
#include "error.h"
#include "scalesim_topology.h"
#include "text.h"

namespace itera {

Trace read_workload(const std::string& path) {
  const std::string text = read_file(path);
  // A layer trace: its first line, after an optional byte-order mark and blanks, starts
  // with 'itera-trace'.
  const size_t start = text.find_first_not_of(" \t", has_utf8_bom(text) ? 3 : 0);
  if (start != std::string::npos && text.compare(start, 11, "itera-trace") == 0) return parse_trace(text, path);
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".csv" || ext == ".CSV") {
    Trace t = parse_scalesim_topology(text, path);
    t.meta.insert(t.meta.begin(), {"source", meta_value("scalesim " + path)});
    return t;
  }
  throw Error(fmt::format("{}: not a workload: expected a layer trace (first line 'itera-trace 1', see "
                          "docs/trace-format.md) or a SCALE-Sim GEMM topology with a .csv name "
                          "(header 'Layer Name, M, N, K,')",
                          path));
}

}  // namespace itera
