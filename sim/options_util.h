#pragma once
// Shared Boost.Program_options plumbing for the subcommands: parsing with errors
// turned into itera::Error, and --help printing.
#include <iosfwd>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace itera::cli {

namespace po = boost::program_options;

// Parses args against desc; throws itera::Error with Boost's message and a hint.
// Returns false when --help was given (after printing usage + desc to stdout).
bool parse_options(const std::string& command, const std::string& usage, const po::options_description& desc,
                   const std::vector<std::string>& args, po::variables_map& vm,
                   const po::positional_options_description* positional = nullptr);

// The most worker threads or processes --jobs / --threads take (this is a 2..64-core
// tool; more is a typo).
constexpr int kMaxJobs = 256;
// Throws itera::Error naming `option` unless 1 <= value <= kMaxJobs.
void check_jobs(const char* option, int value);

// Throws itera::Error when output `out` (of `option`) is the model checkpoint `model`, or,
// for a model directory, one of the files in it: an input is never overwritten.
void refuse_overwriting_model(const std::string& out, const std::string& option, const std::string& model);

}  // namespace itera::cli
