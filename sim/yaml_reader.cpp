#include "yaml_reader.h"

#include <cmath>
#include <map>
#include <sstream>
#include <utility>

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

// A plain (unquoted) scalar: numbers and booleans must be written as such.
bool plain_scalar(const YAML::Node& v) { return v.IsScalar() && v.Tag() != "!"; }

std::string where(const std::string& path) { return path.empty() ? "at the top level" : "in '" + path + "'"; }

// The digits of a number after its sign start with a zero followed by another digit
// ("016", "-007.5"): YAML 1.1 reads 016 as octal 14, YAML 1.2 and this reader as 16.
bool leading_zero(const std::string& s) {
  const size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  return s.size() > i + 1 && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

// `s` without the leading zeros of its digits ("016" -> "16", "-00.5" -> "-0.5").
std::string without_leading_zeros(const std::string& s) {
  const size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  size_t j = i;
  while (j + 1 < s.size() && s[j] == '0' && s[j + 1] >= '0' && s[j + 1] <= '9') ++j;
  return s.substr(0, i) + s.substr(j);
}

const Field* find(const Fields& fields, const std::string& name) {
  for (const Field& f : fields)
    if (name == f.name) return &f;
  return nullptr;
}

std::string leading_zero_message(const std::string& path, const std::string& s) {
  return fmt::format(
      "{} = {}: a number may not start with a zero (YAML 1.1 reads it as octal, YAML 1.2 as decimal); write {}",
      path, s, without_leading_zeros(s));
}

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

int line_of(const YAML::Node& n) { return n.Mark().is_null() ? 0 : n.Mark().line + 1; }

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string field_names(const Fields& fields) {
  std::string out;
  for (const Field& f : fields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
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


YamlReader::YamlReader(std::string file, Keys keys) : file_(std::move(file)), keys_(keys) {}

void YamlReader::fail(const YAML::Node& at, const std::string& what) const { fail_at(file_, at, what); }

void YamlReader::fail(int line, const std::string& what) const {
  throw Error(fmt::format("{}:{}: {}", file_, line, what));
}

YAML::Node YamlReader::load_document(const std::string& text, const DocumentKind& kind,
                                     const std::string& top_keys) const {
  std::vector<YAML::Node> docs;
  try {
    docs = load_yaml_documents(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) throw Error(fmt::format("{}: YAML syntax error: {}", file_, e.msg));
    throw Error(fmt::format("{}:{}: YAML syntax error: {}", file_, e.mark.line + 1, e.msg));
  }
  if (docs.size() > 1) fail(docs[1], fmt::format("more than one YAML document; {} holds one mapping", kind.holder));
  if (docs.empty() || docs[0].IsNull())
    throw Error(fmt::format("{}: {}; expected a mapping with keys {}", file_, kind.empty, top_keys));
  if (!docs[0].IsMap())
    fail(docs[0], fmt::format("the top level must be a mapping with keys {}; got {}", top_keys, shown(docs[0])));
  return docs[0];
}

void YamlReader::fields(const YAML::Node& map, const std::string& path, const Fields& fields,
                        const YAML::Node* owner) const {
  std::map<std::string, int> seen;  // key -> 1-based line
  // yaml-cpp iterators yield key/value pairs by value: a reference to it->first would dangle.
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) fail(key, fmt::format("a key {} is {}, not a name", where(path), shown(key)));
    const std::string full = join_path(path, key.Scalar());
    const Field* field = find(fields, key.Scalar());
    if (!field)
      fail(key, fmt::format("unknown key '{}'; allowed keys {}: {}", full, where(path), field_names(fields)));
    const auto [first, fresh] = seen.emplace(key.Scalar(), key.Mark().line + 1);
    if (!fresh) fail(key, fmt::format("duplicate key '{}' (first given on line {})", full, first->second));
    field->read(key, entry.second, full);
  }
  if (keys_ == Keys::Required)
    for (const Field& f : fields)
      if (!seen.count(f.name))
        fail(owner ? *owner : map, fmt::format("missing key '{}' {}; every key must be given: {}",
                                               join_path(path, f.name), where(path), field_names(fields)));
}

void YamlReader::mapping(const YAML::Node& key, const YAML::Node& v, const std::string& path,
                         const Fields& fields) const {
  if (!v.IsMap())
    fail(key, fmt::format("{} must be a mapping with keys {}; got {}", path, field_names(fields), shown(v)));
  this->fields(v, path, fields, &key);
}

int YamlReader::integer(const YAML::Node& key, const YAML::Node& v, const std::string& path, int lo, int hi) const {
  const std::string range = fmt::format("{}..{}", lo, hi);
  long long x = 0;
  const std::string& s = v.Scalar();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  const bool whole = plain_scalar(v) && !s.empty() && end == s.data() + s.size();
  if (!whole || (ec != std::errc() && ec != std::errc::result_out_of_range))
    fail(key, fmt::format("{} must be an integer in {}; got {}", path, range, shown(v)));
  if (leading_zero(s)) fail(key, leading_zero_message(path, s));
  if (ec == std::errc::result_out_of_range || x < lo || x > hi)
    fail(key, fmt::format("{} = {} is out of range; allowed: {}", path, s, range));
  return static_cast<int>(x);
}

double YamlReader::number(const YAML::Node& key, const YAML::Node& v, const std::string& path,
                          const std::function<bool(double)>& allowed, const char* range) const {
  double x = 0;
  const std::string& s = v.Scalar();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  const bool whole = plain_scalar(v) && !s.empty() && end == s.data() + s.size();
  if (!whole || ec != std::errc() || !std::isfinite(x))
    fail(key, fmt::format("{} must be a number, allowed: {}; got {}", path, range, shown(v)));
  if (leading_zero(s)) fail(key, leading_zero_message(path, s));
  if (!allowed(x)) fail(key, fmt::format("{} = {} is out of range; allowed: {}", path, s, range));
  return x;
}

bool YamlReader::boolean(const YAML::Node& key, const YAML::Node& v, const std::string& path) const {
  if (plain_scalar(v)) {
    const std::string& s = v.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  fail(key, fmt::format("{} must be a boolean (true or false); got {}", path, shown(v)));
}

std::string YamlReader::text(const YAML::Node& key, const YAML::Node& v, const std::string& path) const {
  if (!v.IsScalar() || v.Scalar().empty())
    fail(key, fmt::format("{} must be a non-empty string; got {}", path, shown(v)));
  return v.Scalar();
}

}  // namespace itera
