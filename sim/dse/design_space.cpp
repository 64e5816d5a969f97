#include "design_space.h"

#include <set>
#include <tuple>

#include <fmt/format.h>

#include "compressed_layer.h"
#include "method.h"

namespace itera::dse {

std::string Decomposition::label() const {
  std::string s = method;
  if (!form.empty()) s += " " + form;
  if (has_dense()) s += fmt::format(" w{} g{}", bits, group);
  if (has_low_rank())
    s += allocation == "sensitivity" ? fmt::format(" f{} r=sensitivity", factor_bits)
                                     : fmt::format(" f{} r{}", factor_bits, rank);
  if (!layers.empty()) s += " [" + plan_text() + "]";
  if (!only_type.empty()) s += " {only " + only_type + "}";
  return s;
}

std::string Decomposition::plan_text() const {
  std::string s;
  for (const LayerChoice& c : layers) {
    if (!s.empty()) s += ", ";
    s += c.reverted ? fmt::format("{} rtn w{}", c.type, c.bits) : fmt::format("{} r{}", c.type, c.rank);
  }
  return s;
}

const LayerChoice* Decomposition::choice_for(const std::string& type) const {
  for (const LayerChoice& c : layers)
    if (c.type == type) return &c;
  return nullptr;
}

Decomposition canonical(const std::string& method, const std::string& form, int bits, int group, int factor_bits,
                        int rank, bool& valid) {
  const std::unique_ptr<Method> m = make_method(method);  // throws listing the known methods
  MethodOptions opts;
  opts.form = parse_form(form);  // throws for an unknown form
  Decomposition d;
  d.method = m->name();
  if (d.method == "itera") d.form = form_name(opts.form);
  if (m->uses_dense(opts)) {
    d.bits = bits;
    d.group = group;
  }
  if (m->uses_rank()) {
    d.factor_bits = factor_bits;
    d.rank = rank;
  }
  valid = !m->uses_rank() || rank > 0;
  return d;
}

DecompositionSpace enumerate_decompositions(const DecompositionGrid& g) {
  DecompositionSpace space;
  using Key = std::tuple<std::string, std::string, int, int, int, int>;
  std::set<Key> seen;
  for (const std::string& method : g.method)
    for (const std::string& form : g.form)
      for (int bits : g.bits)
        for (int group : g.group)
          for (int factor_bits : g.factor_bits)
            for (int rank : g.rank) {
              ++space.combinations;
              bool valid = false;
              const Decomposition d = canonical(method, form, bits, group, factor_bits, rank, valid);
              if (!valid) {
                ++space.skipped;
                continue;
              }
              if (!seen.insert({d.method, d.form, d.bits, d.group, d.factor_bits, d.rank}).second) {
                ++space.merged;
                continue;
              }
              space.designs.push_back(d);
            }
  return space;
}

}  // namespace itera::dse
