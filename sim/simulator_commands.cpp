// The commands that `itera` leaves to itera-simulator: those that run the SystemC
// model. Only the simulator's library (itera_sim) has this file, so only
// itera-simulator links SystemC.
#include <iostream>

#include "command.h"

namespace itera::cli {

int run_simulate(const std::vector<std::string>& args);
int run_sweep(const std::vector<std::string>& args);
int run_dse(const std::vector<std::string>& args);

CommandRun simulator_command(const std::string& name) {
  if (name == "simulate") return run_simulate;
  if (name == "sweep") return run_sweep;
  if (name == "dse") return run_dse;
  return {};
}

int run_itera_simulator(int argc, char** argv) {
  return run_cli(argc, argv, [argc](const Command& c, char** all) {
    const CommandRun run = simulator_command(c.name);
    if (!run) {  // a command listed without a run and unknown here (test_cli checks there is none)
      std::cerr << "itera " << c.name << ": internal error: itera-simulator has no such command\n";
      return 3;
    }
    return run_command(c.name, run, std::vector<std::string>(all + 2, all + argc));
  });
}

}  // namespace itera::cli
