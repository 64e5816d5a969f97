// `itera shapes`: the built-in catalog of LLM layer shapes, with sources.
#include <iostream>

#include <fmt/format.h>

#include "catalog.h"
#include "options_util.h"

namespace itera::cli {

int run_shapes(const std::vector<std::string>& args) {
  po::options_description desc("itera shapes options");
  std::string name;
  desc.add_options()("shape", po::value(&name), "show one model only");
  po::variables_map vm;
  if (!parse_options("shapes", "usage: itera shapes [--shape NAME]", desc, args, vm)) return 0;
  for (const auto& m : catalog()) {
    if (!name.empty() && m.name != name) continue;
    std::cout << fmt::format("{}: {} blocks, hidden {}, intermediate {}, {} heads ({} KV), vocab {}\n  source: {}\n",
                             m.name, m.n_layers, m.hidden, m.intermediate, m.n_heads, m.n_kv_heads, m.vocab, m.source);
    for (const auto& l : m.layers)
      std::cout << fmt::format("    {:<44} {:>6} x {:<6} x{}\n", l.name, l.rows, l.cols, l.repeat);
    std::cout << fmt::format("  linear weights in blocks: {}\n\n", m.block_params());
  }
  if (!name.empty()) find_catalog_model(name);  // unknown name: error listing the known ones
  return 0;
}

}  // namespace itera::cli
