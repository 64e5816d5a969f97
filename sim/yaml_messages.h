#pragma once
// Wording shared by the YAML readers (accelerator configs, sweep files): what a value
// is, for "got ..." in messages, and errors that name the file and the node's line.
#include <string>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace itera {

// "nothing", "a mapping", "a sequence", "an empty sequence", "the quoted string '…'" or "'…'".
std::string shown(const YAML::Node& v);

// Throws itera::Error "FILE:LINE: what" (or "FILE: what" when the node has no position).
[[noreturn]] void fail_at(const std::string& file, const YAML::Node& at, const std::string& what);

}  // namespace itera
