#include <cstdlib>

#include "command.h"

// libsystemc expects the program to define sc_main; itera-simulator has its own main()
// and starts the kernel itself (models/accelerator.cpp), so this entry is never used.
extern "C" int sc_main(int, char**) { return 0; }

// `itera-simulator`: every command of `itera`, in-process, the SystemC ones (simulate,
// sweep, dse) included; `itera` execs it for those with the same argv.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);  // keep reports free of the kernel banner
  return itera::cli::run_itera_simulator(argc, argv);
}
