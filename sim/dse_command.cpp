// `itera dse`: the co-design exploration (sim/dse/): decompositions x accelerator
// configs scored on accuracy, simulated cycles and FPGA resources, with the Pareto
// front and the latency cut at matched accuracy. `itera dse merge` joins the output
// directories of --shard runs into the output of a single run.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dse_outputs.h"
#include "dse_run.h"
#include "dse_spec.h"
#include "error.h"
#include "file_io.h"
#include "fork_pool.h"
#include "fpga_device_files.h"
#include "options_util.h"

namespace itera::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kRunFile = "dse-run.json";

void parse_shard(const std::string& text, int& shard, int& shards) {
  const size_t slash = text.find('/');
  auto whole = [](const std::string& s, int& v) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    v = std::stoi(s);
    return true;
  };
  if (slash == std::string::npos || !whole(text.substr(0, slash), shard) || !whole(text.substr(slash + 1), shards) ||
      shards < 1 || shards > 100000 || shard >= shards)
    throw Error(fmt::format("--shard '{}' must be I/N with 0 <= I < N <= 100000 (e.g. 0/4)", text));
}

void make_out_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw Error(fmt::format("--out '{}' exists and is not a directory", dir));
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create the output directory '{}': {}", dir, ec.message()));
}

std::vector<std::string> known_devices() {
  std::vector<std::string> names;
  for (const FpgaDevice& d : builtin_fpga_devices().all()) names.push_back(d.name);
  return names;
}

void write_results(const dse::DseResult& r, const std::string& dir) {
  StagedOutputs outputs;
  outputs.add(dir + "/points.csv", dse::points_csv(r));
  outputs.add(dir + "/pareto.csv", dse::pareto_csv(r, false));
  outputs.add(dir + "/pareto_dsp.csv", dse::pareto_csv(r, true));
  outputs.add(dir + "/summary.json", dse::summary_json(r).dump(2) + "\n");
  outputs.add(dir + "/report.md", dse::report_markdown(r));
  outputs.commit();
}

json run_record(const dse::DseSpec& spec, const std::string& spec_text, int shard, int shards) {
  return {{"spec_file", fs::absolute(spec.file).lexically_normal().string()},
          {"spec_text", spec_text},
          {"shard", shard},
          {"shards", shards}};
}

int run_dse_merge(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: itera dse merge DIR_OUT SHARD_DIR...\n"
                 "Joins the output directories of 'itera dse --shard I/N' runs (all N shards of one spec) into\n"
                 "DIR_OUT, with the same files a single run writes.\n";
    return 0;
  }
  if (args.size() < 2) throw Error("usage: itera dse merge DIR_OUT SHARD_DIR... (at least one shard directory)");
  const std::string out = args[0];
  std::string spec_text, spec_file;
  int shards = 0;
  std::vector<bool> seen;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string run_path = args[i] + "/" + kRunFile;
    json rec;
    try {
      rec = json::parse(read_file(run_path));
    } catch (const json::exception& e) {
      throw Error(fmt::format("'{}' is not a DSE run record: {}", run_path, e.what()));
    }
    if (!rec.contains("spec_text") || !rec.contains("shards") || !rec.contains("shard"))
      throw Error(fmt::format("'{}' is not a DSE run record (no spec_text / shard / shards)", run_path));
    const int n = rec["shards"].get<int>(), s = rec["shard"].get<int>();
    if (i == 1) {
      spec_text = rec["spec_text"].get<std::string>();
      spec_file = rec["spec_file"].get<std::string>();
      shards = n;
      seen.assign(static_cast<size_t>(n), false);
    } else if (rec["spec_text"].get<std::string>() != spec_text || n != shards) {
      throw Error(fmt::format("'{}' is a shard of another run (a different spec or shard count than '{}')", args[i],
                              args[1]));
    }
    if (s < 0 || s >= shards) throw Error(fmt::format("'{}': shard {} is outside 0..{}", run_path, s, shards - 1));
    if (seen[static_cast<size_t>(s)]) throw Error(fmt::format("shard {} is given twice ('{}')", s, args[i]));
    seen[static_cast<size_t>(s)] = true;
  }
  for (int s = 0; s < shards; ++s)
    if (!seen[static_cast<size_t>(s)]) throw Error(fmt::format("shard {}/{} is missing", s, shards));
  make_out_dir(out);
  // Gather every shard's cached results.
  for (size_t i = 1; i < args.size(); ++i) {
    std::error_code ec;
    const fs::path cache = fs::path(args[i]) / "cache";
    if (!fs::is_directory(cache, ec)) continue;
    for (const auto& e : fs::recursive_directory_iterator(cache, ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      const fs::path rel = fs::relative(e.path(), args[i]);
      const fs::path dest = fs::path(out) / rel;
      fs::create_directories(dest.parent_path(), ec);
      if (!fs::exists(dest)) write_file_atomic(dest.string(), read_file(e.path().string()));
    }
  }
  const dse::DseSpec spec = dse::parse_dse_spec(spec_text, spec_file, known_devices());
  dse::DseOptions o;
  o.out_dir = out;
  o.compute = false;
  o.progress = false;
  const dse::DseResult r = dse::run_dse(spec, o);
  write_file_atomic(out + "/" + kRunFile, run_record(spec, spec_text, 0, 1).dump(2) + "\n");
  write_results(r, out);
  std::cout << fmt::format("merged {} shards into {}: {} points\n", shards, out, r.points.size());
  return 0;
}

}  // namespace

int run_dse(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "merge") return run_dse_merge({args.begin() + 1, args.end()});
  std::string spec_path, out_dir, shard_text;
  int jobs = 1;
  bool no_progress = false;
  po::options_description desc("itera dse options");
  // clang-format off
  desc.add_options()
    ("spec", po::value(&spec_path), "required: the DSE spec (YAML; configs/README.md, \"Co-design DSE\")")
    ("out", po::value(&out_dir), "required: output directory (points.csv, pareto.csv, summary.json, report.md, cache/)")
    ("jobs", po::value(&jobs)->default_value(1), "worker processes")
    ("shard", po::value(&shard_text), "I/N: evaluate only slice I of N (join the slices with 'itera dse merge'); not with strategy evolutionary")
    ("no-progress", po::bool_switch(&no_progress), "no progress line on standard error");
  // clang-format on
  po::variables_map vm;
  if (!parse_options("dse",
                     "usage: itera dse --spec FILE.yaml --out DIR [--jobs N] [--shard I/N]\n"
                     "       itera dse merge DIR_OUT SHARD_DIR...",
                     desc, args, vm))
    return 0;
  if (spec_path.empty()) throw Error("missing --spec FILE.yaml (the DSE spec)");
  if (out_dir.empty()) throw Error("missing --out DIR (where the results go)");
  check_jobs("--jobs", jobs);
  int shard = 0, shards = 1;
  if (!shard_text.empty()) parse_shard(shard_text, shard, shards);

  const std::string spec_text = read_file(spec_path);
  const dse::DseSpec spec = dse::parse_dse_spec(spec_text, spec_path, known_devices());
  make_out_dir(out_dir);
  write_file_atomic(out_dir + "/" + kRunFile, run_record(spec, spec_text, shard, shards).dump(2) + "\n");
  dse::DseOptions o;
  o.out_dir = out_dir;
  o.jobs = jobs;
  o.shard = shard;
  o.shards = shards;
  o.progress = !no_progress;
  dse::DseResult r;
  try {
    r = dse::run_dse(spec, o);
  } catch (const dse::Interrupted& e) {
    throw Error(fmt::format("{}; finished results are kept in '{}/cache': rerun the same command to resume",
                            e.what(), out_dir));
  }
  if (shards > 1) {
    std::cout << fmt::format("shard {}/{}: {} points evaluated into {}; join all shards with 'itera dse merge'\n",
                             shard, shards, r.points.size(), out_dir);
    return 0;
  }
  write_results(r, out_dir);
  std::cout << dse::report_markdown(r);
  return 0;
}

}  // namespace itera::cli
