#include "command.h"

int main(int argc, char** argv) { return itera::cli::run_itera(argc, argv); }
