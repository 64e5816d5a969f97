#include "command.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <new>
#include <iostream>

#include <fmt/format.h>

#include "error.h"

namespace itera::cli {

int run_decompose(const std::vector<std::string>& args);
int run_shapes(const std::vector<std::string>& args);
int run_generate(const std::vector<std::string>& args);
int run_trace(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_dram(const std::vector<std::string>& args);
int run_resources(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"decompose", "quantize and low-rank-decompose linear layers; report error per layer", run_decompose},
      {"generate", "generate text with a llama2.c model, optionally with decomposed weights", run_generate},
      {"eval", "KL divergence, top-1 agreement and perplexity of a compressed model vs full precision", run_eval},
      {"shapes", "list the built-in catalog of LLM layer shapes and their sources", run_shapes},
      {"trace", "write the layer trace (one inference step) of a compressed model for the simulator", run_trace},
      {"simulate", "run a layer trace (or SCALE-Sim GEMM topology) on the SystemC accelerator model", {}},
      {"sweep", "simulate one trace over a grid of accelerator configs (worker processes, resumable)", {}},
      {"dram", "drive a request stream (a DRAMsim3 trace, or sequential/random) into a DRAM preset alone: bandwidth, "
               "row hits, read latency",
       run_dram},
      {"resources", "estimate the FPGA resources (DSP, BRAM36, URAM, LUT) of an accelerator config on a device",
       run_resources},
      {"dse", "co-design exploration: decompositions x accelerators on accuracy, simulated latency and FPGA resources",
       {}},
  };
  return all;
}

namespace {
void print_usage(std::ostream& os) {
  os << "itera: quantization + iterative low-rank decomposition of LLM layers, and accelerator simulation\n\n"
        "usage: itera <command> [options]\n"
        "       itera <command> --help\n\n"
        "commands:\n";
  for (const auto& c : commands()) os << fmt::format("  {:<12} {}\n", c.name, c.summary);
}
}  // namespace

int run_cli(int argc, char** argv, const std::function<int(const Command&, char**)>& simulating) {
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  const std::string sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (sub == "--version") {
    std::cout << "itera 0.1.0\n";
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name != sub) continue;
    if (!c.run) return simulating(c, argv);
    return run_command(sub, c.run, std::vector<std::string>(argv + 2, argv + argc));
  }
  std::string known;
  for (const auto& c : commands()) known += (known.empty() ? "" : ", ") + c.name;
  std::cerr << fmt::format("itera: unknown command '{}'; known commands: {}\n", sub, known);
  return 2;
}

int run_command(const std::string& sub, const CommandRun& run, const std::vector<std::string>& args) {
  try {
    return run(args);
  } catch (const std::bad_alloc&) {
    std::cerr << "itera " << sub << ": error: out of memory (the input is too large for this machine)\n";
    return 1;
  } catch (const Error& e) {
    std::cerr << "itera " << sub << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "itera " << sub << ": internal error: " << e.what() << "\n";
    return 3;
  }
}

std::string simulator_path() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error(fmt::format("cannot find the itera binary's directory: /proc/self/exe: {}", ec.message()));
  return (self.parent_path() / "itera-simulator").string();
}

int run_itera(int argc, char** argv) {
  return run_cli(argc, argv, [](const Command& c, char** all) {
    std::string path;
    try {
      path = simulator_path();
    } catch (const Error& e) {
      std::cerr << "itera " << c.name << ": error: " << e.what() << "\n";
      return 1;
    }
    // The same argv (argv[0] included) and environment: usage, errors and exit status
    // are the simulator's, in this very process.
    ::execv(path.c_str(), all);
    const int err = errno;
    std::cerr << fmt::format(
        "itera {}: error: cannot run '{}': {}; 'itera {}' runs in itera-simulator, which must be beside the itera "
        "binary (building the 'itera' target builds both)\n",
        c.name, path, std::strerror(err), c.name);
    return 1;
  });
}

}  // namespace itera::cli
