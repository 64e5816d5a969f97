#pragma once
// Writes a whole file or nothing: the bytes go to "<path>.tmp.<pid>" in the
// same directory, are flushed, and the temp file is renamed over <path>.
#include <string>
#include <string_view>

namespace itera {

// Throws itera::Error naming the path when the file cannot be written.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Reads a whole file; throws itera::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace itera
