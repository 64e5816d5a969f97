#include "options_util.h"

#include <iostream>

#include <fmt/format.h>

#include "error.h"

namespace itera::cli {

bool parse_options(const std::string& command, const std::string& usage, const po::options_description& desc,
                   const std::vector<std::string>& args, po::variables_map& vm) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << usage << "\n\n" << desc << "\n";
      return false;
    }
  }
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("{}; see 'itera {} --help'", e.what(), command));
  }
  return true;
}

}  // namespace itera::cli
