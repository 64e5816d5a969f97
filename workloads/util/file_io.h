#pragma once
// Whole-file input and output. Writes put the whole file or nothing: the bytes go to
// "<path>.tmp.<pid>" in the same directory, are flushed, and the temp file is renamed
// over <path>.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace itera {

// Throws itera::Error naming the path when the file cannot be written.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Several output files that must appear together or not at all: each is first
// written to a temp file; commit() renames them all only when every write worked.
// If anything fails, the temp files are removed and no target is touched.
class StagedOutputs {
 public:
  void add(std::string path, std::string bytes);
  void commit();  // throws itera::Error naming the file that could not be written

 private:
  std::vector<std::pair<std::string, std::string>> files_;
};

// Reads a whole file; throws itera::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace itera
