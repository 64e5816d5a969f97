#include "yaml_messages.h"

#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include "error.h"

namespace itera {

namespace {

// Records where each document starts. A document that starts where the one before it
// did consumed nothing: the parser is stuck and would go on making empty documents.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = started_ && mark.pos == last_.pos;
    last_ = mark;
    started_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  bool stuck() const { return stuck_; }
  const YAML::Mark& last() const { return last_; }

 private:
  bool started_ = false;
  bool stuck_ = false;
  YAML::Mark last_;
};

}  // namespace

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

std::vector<YAML::Node> load_yaml_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (!starts.stuck()) continue;
    const YAML::Mark& at = starts.last();
    const char c = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size() ? text[static_cast<size_t>(at.pos)] : '\0';
    throw YAML::ParserException(at, c == ',' ? "unexpected ','; a comma separates items only inside [...] or {...}"
                                             : "unexpected text here: it starts no value");
  }
  return YAML::LoadAll(text);
}

}  // namespace itera
