#pragma once
// A subcommand of the `itera` CLI, chosen by name from a registry.
#include <functional>
#include <string>
#include <vector>

namespace itera::cli {

struct Command {
  std::string name;
  std::string summary;
  // argv excludes the program and subcommand names. Returns the exit code.
  std::function<int(const std::vector<std::string>& args)> run;
};

// All subcommands, in the order `itera --help` lists them.
const std::vector<Command>& commands();

// Entry point shared by main() and the tests.
int run_itera(int argc, char** argv);

}  // namespace itera::cli
