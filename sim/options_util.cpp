#include "options_util.h"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "error.h"
#include "file_io.h"

namespace itera::cli {

bool parse_options(const std::string& command, const std::string& usage, const po::options_description& desc,
                   const std::vector<std::string>& args, po::variables_map& vm,
                   const po::positional_options_description* positional) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << usage << "\n\n" << desc << "\n";
      return false;
    }
  }
  // Boost parses "-1" into an unsigned seed by wrapping it to 2^64 - 1; refuse it.
  for (size_t i = 0; i < args.size(); ++i) {
    const bool inline_value = args[i].rfind("--seed=", 0) == 0;
    const std::string value = inline_value ? args[i].substr(7) : (args[i] == "--seed" && i + 1 < args.size() ? args[i + 1] : "");
    if (!value.empty() && value[0] == '-')
      throw Error(fmt::format("--seed must be a non-negative integer (got '{}'); see 'itera {} --help'", value, command));
  }
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("{}; see 'itera {} --help'", e.what(), command));
  }
  return true;
}

void check_jobs(const char* option, int value) {
  if (value < 1 || value > kMaxJobs)
    throw Error(fmt::format("{} must be in 1..{} (got {})", option, kMaxJobs, value));
}

void refuse_overwriting_model(const std::string& out, const std::string& option, const std::string& model) {
  if (out.empty() || model.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(model, ec)) return refuse_overwriting_input(out, option, model, "--model");
  for (const auto& entry : std::filesystem::directory_iterator(model, ec))
    refuse_overwriting_input(out, option, entry.path().string(), "file of --model");
}

}  // namespace itera::cli
