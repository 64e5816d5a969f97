#include "vcd_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <unistd.h>

#include "error.h"

namespace itera::hw {

VcdWriter::VcdWriter(const std::string& path, const Top& top)
    : path_(path), tmp_(path + ".tmp" + std::to_string(::getpid())) {
  // SystemC reports an unwritable file only in its own words (E701); check first.
  if (std::FILE* probe = std::fopen((tmp_ + ".vcd").c_str(), "w")) {
    std::fclose(probe);
  } else {
    const int err = errno;
    tmp_.clear();
    throw Error(fmt::format("cannot write the waveform to '{}': {}", path_, std::strerror(err)));
  }
  file_ = sc_core::sc_create_vcd_trace_file(tmp_.c_str());  // SystemC appends ".vcd"
  file_->set_time_unit(1, sc_core::SC_PS);
  if (top.clock() != nullptr) sc_core::sc_trace(file_, *top.clock(), "clk");
  for (const ComputeUnit& u : top.units())
    sc_core::sc_trace(file_, u.array->state_signal(), std::string(u.array->name()) + ".state");
  sc_core::sc_trace(file_, top.dram().busy_signal(), "top.dram.busy");
}

void VcdWriter::close() {
  if (file_ != nullptr) sc_core::sc_close_vcd_trace_file(file_);
  file_ = nullptr;
}

VcdWriter::~VcdWriter() {
  close();
  if (!tmp_.empty()) {
    std::remove((tmp_ + ".vcd").c_str());
    std::remove((tmp_ + ".clean").c_str());
  }
}

void VcdWriter::finish() {
  close();
  {
    std::ifstream in(tmp_ + ".vcd");
    std::ofstream out(tmp_ + ".clean");
    std::string line;
    bool in_date = false, date_done = false;
    while (std::getline(in, line)) {
      if (!date_done && line.rfind("$date", 0) == 0) in_date = true;
      if (in_date) {
        if (line.find("$end") != std::string::npos) {
          in_date = false;
          date_done = true;
        }
        continue;
      }
      out << line << '\n';
    }
    if (!out) throw Error(fmt::format("cannot write the waveform to '{}'", path_));
  }
  std::remove((tmp_ + ".vcd").c_str());
  if (std::rename((tmp_ + ".clean").c_str(), path_.c_str()) != 0)
    throw Error(fmt::format("cannot write the waveform to '{}'", path_));
}

}  // namespace itera::hw
