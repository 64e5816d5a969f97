#pragma once
// A subcommand of the `itera` CLI, chosen by name from a registry.
//
// Two executables run them: `itera` (no SystemC) runs every command that simulates
// nothing, and for `simulate`, `sweep` and `dse` execs `itera-simulator`, the binary
// beside it that links SystemC, with the same arguments; `itera-simulator` runs every
// command in-process.
#include <functional>
#include <string>
#include <vector>

namespace itera::cli {

// argv excludes the program and subcommand names. Returns the exit code.
using CommandRun = std::function<int(const std::vector<std::string>& args)>;

struct Command {
  std::string name;
  std::string summary;
  // Empty for the commands that run the SystemC model (simulate, sweep, dse): they are
  // in itera-simulator only (simulator_command).
  CommandRun run;
};

// All subcommands, in the order `itera --help` lists them.
const std::vector<Command>& commands();

// The run of a SystemC command by name (simulate, sweep, dse); empty for any other.
// Defined in the simulator's library (simulator_commands.cpp), not in itera's.
CommandRun simulator_command(const std::string& name);

// Runs one command as the CLI does: an error it throws is printed as
// "itera SUB: error: ..." (exit 1; "internal error", exit 3, for an unexpected one).
int run_command(const std::string& sub, const CommandRun& run, const std::vector<std::string>& args);

// The part of main() both executables share: usage, --help, --version, and the command
// by name; `simulating(command, argv)` runs a command whose `run` is empty.
int run_cli(int argc, char** argv, const std::function<int(const Command&, char**)>& simulating);

// `itera`'s main(): a SystemC command execs itera-simulator from the directory of
// /proc/self/exe with the same argv (so the process, its pid and exit status are the
// simulator's); its absence is an error naming the path expected.
int run_itera(int argc, char** argv);

// `itera-simulator`'s main(): every command in-process (simulator_commands.cpp).
int run_itera_simulator(int argc, char** argv);

// Where `itera` looks for itera-simulator: beside its own executable.
std::string simulator_path();

}  // namespace itera::cli
