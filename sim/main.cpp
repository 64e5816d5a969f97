#include "command.h"

// `itera`: every command that simulates nothing runs here, without SystemC; simulate,
// sweep and dse exec itera-simulator (simulator_main.cpp) beside this binary.
int main(int argc, char** argv) { return itera::cli::run_itera(argc, argv); }
