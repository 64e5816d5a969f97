#include "yaml_messages.h"

#include <fmt/format.h>

#include "error.h"

namespace itera {

std::string shown(const YAML::Node& v) {
  if (!v.IsDefined() || v.IsNull()) return "nothing";
  if (v.IsMap()) return "a mapping";
  if (v.IsSequence()) return v.size() == 0 ? "an empty sequence" : "a sequence";
  if (v.Tag() == "!") return fmt::format("the quoted string '{}'", v.Scalar());
  return fmt::format("'{}'", v.Scalar());
}

void fail_at(const std::string& file, const YAML::Node& at, const std::string& what) {
  const YAML::Mark mark = at.Mark();
  if (mark.is_null()) throw Error(fmt::format("{}: {}", file, what));
  throw Error(fmt::format("{}:{}: {}", file, mark.line + 1, what));
}

}  // namespace itera
