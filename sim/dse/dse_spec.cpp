#include "dse_spec.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "catalog.h"
#include "compressed_layer.h"
#include "error.h"
#include "file_io.h"
#include "method.h"
#include "yaml_reader.h"

namespace itera::dse {

namespace {

namespace fs = std::filesystem;

const DocumentKind kSpecFile{"a DSE spec", "the spec is empty"};

std::string resolve(const std::string& spec_file, const std::string& path) {
  const fs::path p(path);
  if (p.is_absolute()) return path;
  const fs::path dir = fs::path(spec_file).parent_path();
  return dir.empty() ? path : (dir / p).string();
}

template <class E>
struct Named {
  const char* name;
  E value;
};
const std::vector<Named<AccuracyMetric>> kMetrics = {{"kl_mean", AccuracyMetric::KlMean},
                                                     {"ppl_ratio", AccuracyMetric::PplRatio},
                                                     {"weight_error", AccuracyMetric::WeightError}};
const std::vector<Named<SearchStrategy>> kStrategies = {{"exhaustive", SearchStrategy::Exhaustive},
                                                        {"random", SearchStrategy::Random},
                                                        {"evolutionary", SearchStrategy::Evolutionary}};
const std::vector<Named<RankAllocation>> kAllocations = {{"uniform", RankAllocation::Uniform},
                                                         {"sensitivity", RankAllocation::Sensitivity}};
const std::vector<Named<int>> kActAware = {{"none", 0}, {"diag", 1}, {"exact", 2}};
const std::vector<Named<int>> kPhases = {{"decode", 0}, {"prefill", 1}};

template <class E>
const char* name_of(const std::vector<Named<E>>& table, E value) {
  for (const auto& n : table)
    if (n.value == value) return n.name;
  return "?";
}

// Where each key was given (its key node by dotted path), for checks across keys.
struct Seen {
  std::map<std::string, YAML::Node> nodes;
  void add(const std::string& path, const YAML::Node& key) { nodes.emplace(path, key); }
  bool has(const std::string& path) const { return nodes.count(path) > 0; }
  YAML::Node at(const std::string& path) const {
    const auto it = nodes.find(path);
    return it == nodes.end() ? YAML::Node() : it->second;
  }
};

// A non-empty list of distinct scalars, each read by `one` (which fails naming the value).
template <class T, class ReadOne>
void read_list(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path,
               GridList<T>& out, ReadOne one) {
  if (!v.IsSequence() || v.size() == 0)
    r.fail(key, fmt::format("{} must be a non-empty list of values, e.g. [a, b]; got {}", path, shown(v)));
  out = GridList<T>{};
  out.key_line = line_of(key);
  for (const YAML::Node& item : v) {
    const int line = line_of(item) > 0 ? line_of(item) : line_of(key);
    const T value = one(item, line);
    for (size_t i = 0; i < out.values.size(); ++i)
      if (out.values[i] == value)
        r.fail(line, fmt::format("{} lists {} twice (first on line {})", path, item.Scalar(), out.lines[i]));
    out.values.push_back(value);
    out.lines.push_back(line);
  }
}

void read_int_list(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path,
                   GridList<int>& out, int lo, int hi, const char* allowed) {
  read_list(r, key, v, path, out, [&](const YAML::Node& item, int line) {
    int x = 0;
    const std::string text = item.IsScalar() ? item.Scalar() : std::string();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (!item.IsScalar() || item.Tag() == "!" || text.empty() || ec != std::errc() ||
        end != text.data() + text.size() || x < lo || x > hi || (text.size() > 1 && text[0] == '0'))
      r.fail(line, fmt::format("{}: {} is not allowed; allowed: {}", path, shown(item), allowed));
    return x;
  });
}

void read_name_list(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path,
                    GridList<std::string>& out, const std::vector<std::string>& allowed) {
  std::string names;
  for (const std::string& n : allowed) names += (names.empty() ? "" : ", ") + n;
  read_list(r, key, v, path, out, [&](const YAML::Node& item, int line) {
    if (item.IsScalar())
      for (const std::string& n : allowed)
        if (item.Scalar() == n) return n;
    r.fail(line, fmt::format("{}: {} is not allowed; allowed: {}", path, shown(item), names));
  });
}

std::string path_text(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path) {
  return resolve(r.file(), r.text(key, v, path));
}

int64_t positive_count(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path) {
  const std::string text = v.IsScalar() ? v.Scalar() : std::string();
  int64_t x = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (!v.IsScalar() || text.empty() || ec != std::errc() || end != text.data() + text.size() || x < 1 ||
      x > 1000000000)
    r.fail(key, fmt::format("{} must be a whole number in 1..1000000000; got {}", path, shown(v)));
  return x;
}

uint64_t seed_value(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path) {
  const std::string text = v.IsScalar() ? v.Scalar() : std::string();
  uint64_t x = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (!v.IsScalar() || text.empty() || ec != std::errc() || end != text.data() + text.size())
    r.fail(key, fmt::format("{} must be a whole number in 0..18446744073709551615; got {}", path, shown(v)));
  return x;
}

template <class E>
E pick(const YamlReader& r, const YAML::Node& key, const YAML::Node& v, const std::string& path,
       const std::vector<Named<E>>& table) {
  return r.choice(key, v, path, table);
}

}  // namespace

const char* to_string(AccuracyMetric m) { return name_of(kMetrics, m); }
const char* to_string(SearchStrategy s) { return name_of(kStrategies, s); }
const char* to_string(RankAllocation a) { return name_of(kAllocations, a); }

DseSpec parse_dse_spec(const std::string& text, const std::string& file,
                       const std::vector<std::string>& known_devices) {
  const YamlReader r(file);
  DseSpec s;
  s.file = file;
  s.hardware.file = file;
  Seen seen;
  YAML::Node hw_base_key, hw_base, hw_grid_key, hw_grid;
  bool has_hw_base = false, has_hw_grid = false;
  std::string act_aware = "none";

  auto note = [&](const std::string& path, const YAML::Node& key) { seen.add(path, key); };
  auto field = [&](const char* name, auto read) {
    return Field{name, [&, name, read](const YAML::Node& k, const YAML::Node& v, const std::string& p) {
                   note(p, k);
                   read(k, v, p);
                 }};
  };

  const Fields accuracy = {
      field("text", [&](auto& k, auto& v, auto& p) { s.text = path_text(r, k, v, p); }),
      field("tokens", [&](auto& k, auto& v, auto& p) { s.tokens = r.integer(k, v, p, 1, 100000000); }),
      field("window", [&](auto& k, auto& v, auto& p) { s.window = r.integer(k, v, p, 2, 1000000); }),
      field("calib_text", [&](auto& k, auto& v, auto& p) { s.calib_text = path_text(r, k, v, p); }),
      field("calib_tokens", [&](auto& k, auto& v, auto& p) { s.calib_tokens = r.integer(k, v, p, 1, 100000000); }),
      field("act_aware", [&](auto& k, auto& v, auto& p) { act_aware = kActAware[pick(r, k, v, p, kActAware)].name; }),
      field("metric", [&](auto& k, auto& v, auto& p) { s.metric = pick(r, k, v, p, kMetrics); }),
      field("max", [&](auto& k, auto& v, auto& p) {
        s.max = r.number(k, v, p, [](double x) { return x > 0 && x < 1e300; }, "a number > 0");
        s.max_line = line_of(k);
      }),
  };
  const Fields workload = {
      field("phase", [&](auto& k, auto& v, auto& p) { s.phase = kPhases[pick(r, k, v, p, kPhases)].name; }),
      field("seq_len", [&](auto& k, auto& v, auto& p) { s.seq_len = r.integer(k, v, p, 1, 1 << 24); }),
      field("batch", [&](auto& k, auto& v, auto& p) { s.batch = r.integer(k, v, p, 1, 1 << 20); }),
      field("abits", [&](auto& k, auto& v, auto& p) { s.abits = r.integer(k, v, p, 2, 16); }),
  };
  const Fields hardware = {
      field("base", [&](auto& k, auto& v, auto&) {
        hw_base_key = k;
        hw_base = v;
        has_hw_base = true;
      }),
      field("grid", [&](auto& k, auto& v, auto&) {
        hw_grid_key = k;
        hw_grid = v;
        has_hw_grid = true;
      }),
  };
  std::vector<std::string> devices = {"none"};
  devices.insert(devices.end(), known_devices.begin(), known_devices.end());
  const Fields device = {
      field("name", [&](auto& k, auto& v, auto& p) {
        std::string names;
        for (const std::string& d : devices) names += (names.empty() ? "" : ", ") + d;
        if (!v.IsScalar()) r.fail(k, fmt::format("{} must be an FPGA preset name or none ({}); got {}", p, names, shown(v)));
        bool known = false;
        for (const std::string& d : devices) known = known || d == v.Scalar();
        if (!known) r.fail(k, fmt::format("{} = '{}' is not a known FPGA device; allowed: {}", p, v.Scalar(), names));
        s.device = v.Scalar();
      }),
      field("max_utilization", [&](auto& k, auto& v, auto& p) {
        s.max_utilization = r.number(k, v, p, [](double x) { return x > 0 && x <= 1; }, "(0, 1]");
      }),
  };
  const std::vector<std::string> methods = method_names();
  const Fields dec_grid = {
      field("method", [&](auto& k, auto& v, auto& p) { read_name_list(r, k, v, p, s.method, methods); }),
      field("form", [&](auto& k, auto& v, auto& p) { read_name_list(r, k, v, p, s.form, {"factorized", "compensated"}); }),
      field("bits", [&](auto& k, auto& v, auto& p) { read_int_list(r, k, v, p, s.bits, 2, 8, "2..8"); }),
      field("group", [&](auto& k, auto& v, auto& p) { read_int_list(r, k, v, p, s.group, 0, 1 << 20, "0 (per channel) or a group size >= 1"); }),
      field("factor_bits", [&](auto& k, auto& v, auto& p) {
        read_int_list(r, k, v, p, s.factor_bits, 2, 16, "2..8, or 16 (unquantized F16)");
        for (size_t i = 0; i < s.factor_bits.values.size(); ++i)
          if (s.factor_bits.values[i] > 8 && s.factor_bits.values[i] != 16)
            r.fail(s.factor_bits.lines[i], fmt::format("{}: {} is not allowed; allowed: 2..8, or 16 (unquantized F16)",
                                                       p, s.factor_bits.values[i]));
      }),
      field("rank", [&](auto& k, auto& v, auto& p) { read_int_list(r, k, v, p, s.rank, 0, 1 << 20, "0 (none) or a rank >= 1"); }),
  };
  const Fields decomposition = {
      field("grid", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, dec_grid); }),
      field("rank_allocation", [&](auto& k, auto& v, auto& p) { s.rank_allocation = pick(r, k, v, p, kAllocations); }),
      field("rank_padding", [&](auto& k, auto& v, auto& p) { s.rank_padding = r.boolean(k, v, p); }),
      field("layer_reverting", [&](auto& k, auto& v, auto& p) { s.layer_reverting = r.boolean(k, v, p); }),
  };
  const Fields search = {
      field("strategy", [&](auto& k, auto& v, auto& p) {
        s.strategy = pick(r, k, v, p, kStrategies);
        s.strategy_line = line_of(k);
      }),
      field("points", [&](auto& k, auto& v, auto& p) { s.points = positive_count(r, k, v, p); }),
      field("seed", [&](auto& k, auto& v, auto& p) { s.seed = seed_value(r, k, v, p); }),
      field("population", [&](auto& k, auto& v, auto& p) {
        s.population = positive_count(r, k, v, p);
        if (s.population < 2) r.fail(k, fmt::format("{} must be at least 2 (two parents); got {}", p, shown(v)));
      }),
  };
  const Fields top = {
      field("model", [&](auto& k, auto& v, auto& p) { s.model = path_text(r, k, v, p); }),
      field("tokenizer", [&](auto& k, auto& v, auto& p) { s.tokenizer = path_text(r, k, v, p); }),
      field("shape", [&](auto& k, auto& v, auto& p) {
        const std::string name = r.text(k, v, p);
        try {
          find_catalog_model(name);
        } catch (const Error& e) {
          r.fail(k, fmt::format("{}: {}", p, e.what()));
        }
        s.shape = name;
      }),
      field("accuracy", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, accuracy); }),
      field("workload", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, workload); }),
      field("hardware", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, hardware); }),
      field("device", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, device); }),
      field("decomposition", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, decomposition); }),
      field("search", [&](auto& k, auto& v, auto& p) { r.mapping(k, v, p, search); }),
  };
  const YAML::Node doc = r.load_document(text, kSpecFile, field_names(top));
  r.fields(doc, "", top);
  s.act_aware = act_aware;

  // Across keys.
  auto missing = [&](const std::string& what) { throw Error(fmt::format("{}: {}", file, what)); };
  if (s.model.empty() == s.shape.empty())
    missing("give exactly one of 'model' (a checkpoint: real accuracy) and 'shape' (a catalog name: weight-error "
            "proxy)");
  if (!s.model.empty()) {
    if (s.tokenizer.empty()) r.fail(seen.at("model"), "'model' needs 'tokenizer' (the model's llama2.c tokenizer)");
    if (s.text.empty()) missing("a real model needs 'accuracy.text' (the text accuracy is measured on)");
    if (s.metric == AccuracyMetric::WeightError)
      r.fail(seen.at("accuracy.metric"),
             "accuracy.metric = weight_error is the proxy of catalog shapes; with a real model use kl_mean or "
             "ppl_ratio");
    if (act_aware != "none" && s.calib_text.empty())
      r.fail(seen.at("accuracy.act_aware"), fmt::format("accuracy.act_aware = {} needs accuracy.calib_text", act_aware));
    if (seen.has("accuracy.calib_tokens") && s.calib_text.empty())
      r.fail(seen.at("accuracy.calib_tokens"), "accuracy.calib_tokens needs accuracy.calib_text");
  } else {
    for (const char* key : {"tokenizer", "accuracy.text", "accuracy.tokens", "accuracy.window", "accuracy.calib_text",
                            "accuracy.calib_tokens", "accuracy.act_aware"})
      if (seen.has(key))
        r.fail(seen.at(key), fmt::format("'{}' applies only with a real model ('model'); with 'shape' accuracy is "
                                         "the weight-error proxy",
                                         key));
    if (!seen.has("accuracy.metric")) s.metric = AccuracyMetric::WeightError;
    if (s.metric != AccuracyMetric::WeightError)
      r.fail(seen.at("accuracy.metric"),
             fmt::format("accuracy.metric = {} is unknown for the proxy: with 'shape' the only metric is weight_error "
                         "(the mean relative weight error on synthetic weights)",
                         to_string(s.metric)));
  }
  if (!seen.has("accuracy.max")) missing("no 'accuracy.max': give the accuracy budget (the largest metric allowed)");
  for (const char* key : {"method", "bits", "rank"})
    if (!seen.has(std::string("decomposition.grid.") + key))
      missing(fmt::format("no 'decomposition.grid.{}': the decomposition grid needs method, bits and rank", key));
  if (s.form.values.empty()) s.form = {{"factorized"}, {0}, 0};
  if (s.group.values.empty()) s.group = {{0}, {0}, 0};
  if (s.factor_bits.values.empty()) s.factor_bits = {{4}, {0}, 0};
  if (s.strategy != SearchStrategy::Exhaustive && s.points == 0)
    r.fail(seen.at("search.strategy"),
           fmt::format("search.strategy = {} needs search.points (how many design points to evaluate, >= 1)",
                       to_string(s.strategy)));
  if (s.strategy == SearchStrategy::Exhaustive && seen.has("search.points"))
    r.fail(seen.at("search.points"), "search.points applies only to the random and evolutionary strategies");
  if (s.strategy != SearchStrategy::Evolutionary && seen.has("search.population"))
    r.fail(seen.at("search.population"), fmt::format("search.population applies only to the evolutionary strategy "
                                                     "(search.strategy is {})",
                                                     to_string(s.strategy)));

  sweep::read_base_and_grid(r, has_hw_base ? &hw_base_key : nullptr, has_hw_base ? &hw_base : nullptr,
                            has_hw_grid ? &hw_grid_key : nullptr, has_hw_grid ? &hw_grid : nullptr, s.hardware);
  return s;
}

DseSpec load_dse_spec(const std::string& path, const std::vector<std::string>& known_devices) {
  return parse_dse_spec(read_file(path), path, known_devices);
}

}  // namespace itera::dse
