#pragma once
// Whole-file input and output.
//
// Writes put the whole file or nothing. Where an output named PATH goes:
//   "-"                      standard output;
//   a regular file, or none  the bytes go to "<PATH>.tmp.<pid>" in the same directory,
//                            are flushed, and the temp file is renamed over PATH;
//   a symlink                followed (to any depth): its final target is replaced as
//                            above and the link stays a link;
//   a device, FIFO, socket   written in place (never renamed over: /dev/null stays a
//                            device);
//   a directory              an error.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace itera {

struct OutputTarget {
  enum Kind { Stdout, Replace, InPlace } kind = Replace;
  std::string path;  // the file actually written (the symlink's final target)
};
// Throws itera::Error naming the path when it is a directory or a symlink loop.
OutputTarget resolve_output(const std::string& path);

// Throws itera::Error naming the path when the file cannot be written.
void write_file_atomic(const std::string& path, std::string_view bytes);

// For outputs produced as files by other code (e.g. a library writing a waveform): a
// path to stage output `path` in (beside its final target, or in the temp directory
// for standard output and devices), and the step that moves the finished staged file
// into place by the rules above (removing it). install_file throws itera::Error naming
// `path` and removes the staged file on failure.
std::string staging_path(const std::string& path);
void install_file(const std::string& staged, const std::string& path);

// Several output files that must appear together or not at all: each is first
// written to a temp file; commit() renames them all only when every write worked
// (standard output and in-place targets are written before the renames). If anything
// fails, the temp files are removed and no replaced target is touched.
class StagedOutputs {
 public:
  void add(std::string path, std::string bytes);
  void commit();  // throws itera::Error naming the file that could not be written

 private:
  std::vector<std::pair<std::string, std::string>> files_;
};

// Reads a whole file; throws itera::Error naming the path when it cannot (also for a
// directory).
std::string read_file(const std::string& path);

// True when both paths exist and are the same file (same device and inode), however
// they are spelled.
bool same_file(const std::string& a, const std::string& b);

// Throws itera::Error when output `out` (given to `out_option`) is the same file as an
// input (`in`, described by `in_what`), so that an input is never overwritten.
void refuse_overwriting_input(const std::string& out, const std::string& out_option, const std::string& in,
                              const std::string& in_what);

}  // namespace itera
