// `itera dram`: checks a DRAM preset's device and controller (models/dram/dram_core.h)
// by itself, as one checks DRAMsim3 or Ramulator: a request stream (a DRAMsim3 trace, or
// a sequential or random stream of one-burst requests) driven into the core alone, and
// the bandwidth, row-buffer hit rate and read latency it reached
// (dram_request_run.h, dram_report.h). No accelerator, no config file, no SystemC kernel.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dram_core.h"
#include "dram_preset_files.h"
#include "dram_report.h"
#include "dram_request_run.h"
#include "dramsim3_trace.h"
#include "error.h"
#include "file_io.h"
#include "options_util.h"

namespace itera::cli {

namespace {

constexpr int kMaxQueueDepth = 4096;
constexpr int64_t kMaxRequests = static_cast<int64_t>(kMaxDramTraceCycle);  // one request a cycle at most
constexpr int64_t kMaxCycles = static_cast<int64_t>(kMaxDramTraceCycle);

struct DramArgs {
  std::string preset, mapping = kDefaultAddressMapping, trace_path, stream, json_path;
  int queue_depth = hw::DramCore::kDefaultQueueDepth;
  int64_t requests = 0, cycles = 0;
  double write_ratio = 0;
  uint64_t seed = 1;
};

bool given(const po::variables_map& vm, const char* option) { return vm.count(option) > 0 && !vm[option].defaulted(); }

// Checks the options that do not need the preset; throws itera::Error.
void check_args(const DramArgs& a, const po::variables_map& vm) {
  if (a.preset.empty())
    throw Error(fmt::format("--preset is required; known presets: {}", dram_preset_names()));
  const bool trace = given(vm, "trace"), stream = given(vm, "stream");
  if (trace == stream)
    throw Error(fmt::format("give exactly one of --trace FILE (a DRAMsim3 trace) and --stream seq|random; got {}",
                            trace ? "both" : "neither"));
  if (stream) {
    if (a.stream != "seq" && a.stream != "random")
      throw Error(fmt::format("--stream '{}' is not known; allowed: seq, random", a.stream));
    if (!given(vm, "requests")) throw Error("--stream needs --requests N (N >= 1): how many requests to make");
    if (a.requests < 1 || a.requests > kMaxRequests)
      throw Error(fmt::format("--requests must be in 1..{} (got {})", kMaxRequests, a.requests));
    if (!(a.write_ratio >= 0 && a.write_ratio <= 1))
      throw Error(fmt::format("--write-ratio must be in [0, 1], the probability that a request writes (got {})",
                              a.write_ratio));
  } else {
    for (const char* option : {"requests", "write-ratio", "seed"})
      if (given(vm, option))
        throw Error(fmt::format("--{} goes with --stream; a trace's requests are its lines", option));
  }
  if (given(vm, "cycles") && (a.cycles < 1 || a.cycles > kMaxCycles))
    throw Error(fmt::format("--cycles must be in 1..{} (got {})", kMaxCycles, a.cycles));
  if (a.queue_depth < 1 || a.queue_depth > kMaxQueueDepth)
    throw Error(fmt::format("--queue-depth must be in 1..{} (got {})", kMaxQueueDepth, a.queue_depth));
  refuse_overwriting_input(a.json_path, "--json", a.trace_path, "--trace");
}

std::string stream_source(const DramArgs& a) {
  std::string s = "stream " + a.stream;
  if (a.stream == "random" || (a.write_ratio > 0 && a.write_ratio < 1)) s += fmt::format(", seed {}", a.seed);
  if (a.write_ratio > 0) s += fmt::format(", write ratio {:g}", a.write_ratio);
  return s;
}

}  // namespace

int run_dram(const std::vector<std::string>& args) {
  DramArgs a;
  po::options_description desc("itera dram options");
  // clang-format off
  desc.add_options()
    ("preset", po::value(&a.preset), "the DRAM preset (a file in configs/dram/), e.g. ddr4-3200")
    ("mapping", po::value(&a.mapping)->default_value(a.mapping), "address mapping in DRAMsim3 notation: the six fields ro ch ra ba bg co from the most significant bit, e.g. rochrababgco")
    ("queue-depth", po::value(&a.queue_depth)->default_value(a.queue_depth), "bursts each channel's controller holds")
    ("trace", po::value(&a.trace_path), "a DRAMsim3 trace: one request per line, '<hex address> <READ|WRITE> <cycle>'")
    ("stream", po::value(&a.stream), "seq | random: --requests one-burst requests, all at cycle 0, at addresses 0, B, 2B, ... or uniform over the device")
    ("requests", po::value(&a.requests), "with --stream: how many requests")
    ("write-ratio", po::value(&a.write_ratio)->default_value(0.0, "0"), "with --stream: the probability that a request writes, in [0, 1] (1/3: DRAMsim3's 2:1 read/write mix)")
    ("seed", po::value(&a.seed)->default_value(1), "with --stream: seed of the random addresses and read/write choices")
    ("cycles", po::value(&a.cycles), "run exactly this many DRAM cycles (default: until every request has entered and been served)")
    ("json", po::value(&a.json_path), "also write the report as JSON to this file ('-' = standard output; the table then goes to standard error)");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("dram",
                     "usage: itera dram --preset NAME [--mapping STR] [--queue-depth N]\n"
                     "                  (--trace FILE | --stream seq|random --requests N [--write-ratio F] [--seed S])\n"
                     "                  [--cycles N] [--json OUT.json|-]",
                     desc, args, vm))
    return 0;
  check_args(a, vm);
  const DramTiming& timing = find_dram_preset(a.preset);
  hw::DramCore core(timing, a.mapping, a.queue_depth);

  std::unique_ptr<DramRequestSource> requests;
  std::string source;
  if (!a.trace_path.empty()) {
    requests = std::make_unique<TraceRequests>(read_dramsim3_trace(a.trace_path));
    source = "trace " + a.trace_path;
  } else {
    const auto pattern = a.stream == "seq" ? StreamRequests::Pattern::Sequential : StreamRequests::Pattern::Random;
    requests = std::make_unique<StreamRequests>(pattern, static_cast<uint64_t>(a.requests), a.write_ratio, a.seed,
                                                core.burst_bytes(), dram_device_bytes(timing));
    source = stream_source(a);
  }

  DramReport report;
  report.preset = timing.name;
  report.mapping = a.mapping;
  report.queue_depth = a.queue_depth;
  report.source = source;
  report.tck_ns = timing.tck_ns;
  report.peak_gbps = timing.peak_gbps();
  report.run = run_dram_requests(core, timing, *requests, static_cast<uint64_t>(a.cycles));

  if (!a.json_path.empty()) {
    StagedOutputs outputs;
    outputs.add(a.json_path, dram_report_json(report).dump(2) + "\n");
    outputs.commit();
  }
  (a.json_path == "-" ? std::cerr : std::cout) << dram_report_table(report);
  return 0;
}

}  // namespace itera::cli
