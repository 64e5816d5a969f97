#pragma once
// Wording shared by the YAML readers (accelerator configs, sweep files): what a value
// is, for "got ..." in messages, and errors that name the file and the node's line;
// and the loading of their text.
#include <string>
#include <vector>

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

// YAML::LoadAll(text), except where yaml-cpp 0.7 would loop forever: a token that
// starts no value at the top level (a ',' outside [...] and {...}, e.g. a line that is
// only ",") makes it read empty documents without end, holding every one in memory.
// There this throws YAML::ParserException at that token instead, like any syntax error.
std::vector<YAML::Node> load_yaml_documents(const std::string& text);

}  // namespace itera
