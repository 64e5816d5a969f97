#include "resources_report.h"

#include <cmath>

#include <fmt/format.h>

namespace itera {

namespace {

nlohmann::json counts_json(const FpgaResources& r) {
  nlohmann::json j;
  for (Resource x : kResources) j[json_key(x)] = r[x];
  return j;
}

nlohmann::json precision_json(const Precision& p) { return {{"wbits", p.wbits}, {"abits", p.abits}}; }

std::string precision_list(const std::vector<Precision>& ps) {
  std::string out;
  for (const Precision& p : ps) out += (out.empty() ? "" : ", ") + to_string(p);
  return out;
}

const BankMapping& chosen_mapping(const BufferEstimate& b) {
  return b.chosen == MemoryKind::Uram ? b.uram : b.bram;
}

std::string row(const std::string& unit, const std::string& part, const FpgaResources& r, const std::string& how) {
  std::string line = fmt::format("{:<9} {:<14} {:>8} {:>7} {:>6} {:>9}", unit, part, r.dsp, r.bram36, r.uram, r.lut);
  return line + (how.empty() ? "" : "  " + how) + "\n";
}

std::string percent(double fraction) {
  return std::isinf(fraction) ? std::string("n/a") : fmt::format("{:.1f}%", 100 * fraction);
}

}  // namespace

std::string resources_table(const ResourceEstimate& e, const std::string& config_name, const DeviceCheck& check) {
  std::string out = fmt::format("FPGA resource estimate of {} (see docs/fpga-resources.md)\n", config_name);
  out += fmt::format("multipliers on {}; memories on {}\n",
                     e.multipliers == MultiplierStyle::Dsp ? "DSP48E2 slices" : "LUTs",
                     e.uram_allowed ? "BRAM36 or URAM288 per bank" : "BRAM36 only");
  out += fmt::format("{:<9} {:<14} {:>8} {:>7} {:>6} {:>9}  {}\n", "unit", "part", "DSP", "BRAM36", "URAM", "LUT",
                     "how");
  for (const UnitEstimate& u : e.units) {
    const ArrayEstimate& c = u.compute;
    std::string how = fmt::format("runs {}; ", precision_list(c.precisions));
    if (e.multipliers == MultiplierStyle::Dsp) {
      how += fmt::format("DSPs sized by {}: {} MAC{}/PE, ", to_string(c.dsp_sizing), c.pack, c.pack == 1 ? "" : "s");
      how += c.packing.dsps_per_product > 1 ? fmt::format("{} DSPs per product", c.packing.dsps_per_product)
                                            : fmt::format("{} product{}/DSP", c.packing.lanes,
                                                          c.packing.lanes == 1 ? "" : "s");
      how += fmt::format("; LUTs by {}", to_string(c.lut_sizing));
    } else {
      how += fmt::format("LUT multipliers, sized by {}", to_string(c.lut_sizing));
    }
    out += row(to_string(u.array.unit), fmt::format("array {}x{}", u.array.rows, u.array.cols), c.resources, how);
    for (Buffer b : kBuffers) {
      const BufferEstimate& be = u.buffers[b];
      const BankMapping& m = chosen_mapping(be);
      const std::string bank = fmt::format(
          "{} banks of {} x {} bits, {} port{}{}: {} {} per bank ({}, {}, {} cop{})", be.config.banks, be.bank.words,
          be.bank.word_bits, be.bank.ports, be.bank.ports == 1 ? "" : "s",
          be.bank.double_buffer ? ", double-buffered" : "", m.blocks, to_string(be.chosen), m.aspect.name,
          to_string(m.layout), m.copies, m.copies == 1 ? "y" : "ies");
      out += row(to_string(u.array.unit), fmt::format("{} {} KiB", to_string(b), be.config.kb), be.resources, bank);
    }
  }
  out += row("total", "", e.total, "");
  if (check.device != nullptr) {
    const FpgaDevice& d = *check.device;
    out += fmt::format("\ndevice {}: {}\n", d.name, d.part);
    FpgaResources have;
    have.dsp = d.dsp;
    have.bram36 = d.bram36;
    have.uram = d.uram;
    have.lut = d.lut;
    out += row("available", "", have, "");
    out += fmt::format("{:<9} {:<14} {:>8} {:>7} {:>6} {:>9}\n", "used", "",
                       percent(utilization(e.total, d, Resource::Dsp)),
                       percent(utilization(e.total, d, Resource::Bram36)),
                       percent(utilization(e.total, d, Resource::Uram)),
                       percent(utilization(e.total, d, Resource::Lut)));
    const std::vector<Resource> over = over_limit(e.total, d, check.max_utilization);
    std::string verdict = "yes";
    if (!over.empty()) {
      verdict = "no:";
      for (Resource r : over) verdict += fmt::format(" {} {} > {:g}", to_string(r), e.total[r],
                                                     check.max_utilization * static_cast<double>(available(d, r)));
    }
    out += fmt::format("fits at max utilization {:g}%: {}\n", 100 * check.max_utilization, verdict);
  }
  return out;
}

nlohmann::json resources_json(const ResourceEstimate& e, const std::string& config_name, const DeviceCheck& check) {
  nlohmann::json j;
  j["config"] = config_name;
  j["multipliers"] = to_string(e.multipliers);
  j["uram_allowed"] = e.uram_allowed;
  nlohmann::json units = nlohmann::json::array();
  for (const UnitEstimate& u : e.units) {
    const ArrayEstimate& c = u.compute;
    nlohmann::json unit;
    unit["unit"] = to_string(u.array.unit);
    unit["rows"] = u.array.rows;
    unit["cols"] = u.array.cols;
    unit["dataflow"] = to_string(u.array.dataflow);
    unit["native_bits"] = u.array.native_bits;
    unit["pack_lower_bits"] = u.array.pack_lower_bits;
    unit["precisions"] = nlohmann::json::array();
    for (const Precision& p : c.precisions) unit["precisions"].push_back(precision_json(p));
    unit["array"] = {{"dsp", c.resources.dsp},
                     {"lut", c.resources.lut},
                     {"dsp_sizing", precision_json(c.dsp_sizing)},
                     {"macs_per_pe", c.pack},
                     {"lanes_per_dsp", c.packing.lanes},
                     {"dsps_per_product", c.packing.dsps_per_product},
                     {"lut_sizing", precision_json(c.lut_sizing)}};
    unit["buffers"] = nlohmann::json::array();
    for (Buffer b : kBuffers) {
      const BufferEstimate& be = u.buffers[b];
      const BankMapping& m = chosen_mapping(be);
      nlohmann::json buf = counts_json(be.resources);
      buf["buffer"] = to_string(b);
      buf["kb"] = be.config.kb;
      buf["banks"] = be.config.banks;
      buf["ports"] = be.config.ports;
      buf["width_bytes"] = be.config.width_bytes;
      buf["double_buffer"] = be.config.double_buffer;
      buf["word_bits"] = be.bank.word_bits;
      buf["words"] = be.bank.words;
      buf["memory"] = to_string(be.chosen);
      buf["aspect"] = m.aspect.name;
      buf["layout"] = to_string(m.layout);
      buf["copies"] = m.copies;
      buf["blocks_per_bank"] = m.blocks;
      buf["bram36_per_bank"] = be.bram.blocks;
      buf["uram_per_bank"] = be.uram.blocks;
      unit["buffers"].push_back(buf);
    }
    unit["total"] = counts_json(u.total);
    units.push_back(unit);
  }
  j["units"] = units;
  j["total"] = counts_json(e.total);
  if (check.device != nullptr) {
    const FpgaDevice& d = *check.device;
    nlohmann::json dev;
    dev["name"] = d.name;
    dev["part"] = d.part;
    dev["source"] = d.source;
    nlohmann::json have, used;
    for (Resource r : kResources) {
      have[json_key(r)] = available(d, r);
      const double u = utilization(e.total, d, r);
      used[json_key(r)] = std::isinf(u) ? nlohmann::json() : nlohmann::json(u);
    }
    dev["available"] = have;
    dev["utilization"] = used;
    dev["max_utilization"] = check.max_utilization;
    nlohmann::json over = nlohmann::json::array();
    for (Resource r : over_limit(e.total, d, check.max_utilization)) over.push_back(json_key(r));
    dev["feasible"] = over.empty();
    dev["over"] = over;
    j["device"] = dev;
  }
  return j;
}

}  // namespace itera
