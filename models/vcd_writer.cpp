#include "vcd_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "error.h"
#include "file_io.h"

namespace itera::hw {

VcdWriter::VcdWriter(const std::string& path, const Top& top) : path_(path), staged_(staging_path(path)) {
  raw_ = staged_ + ".raw";  // SystemC appends ".vcd"
  // SystemC reports an unwritable file only in its own words (E701); check first.
  for (const std::string& f : {raw_ + ".vcd", staged_}) {
    if (std::FILE* probe = std::fopen(f.c_str(), "w")) {
      std::fclose(probe);
    } else {
      const int err = errno;
      remove_files();
      throw Error(fmt::format("cannot write the waveform to '{}': {}", path_, std::strerror(err)));
    }
  }
  file_ = sc_core::sc_create_vcd_trace_file(raw_.c_str());
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

void VcdWriter::remove_files() {
  std::remove((raw_ + ".vcd").c_str());
  if (!staged_.empty()) std::remove(staged_.c_str());
}

VcdWriter::~VcdWriter() {
  close();
  remove_files();
}

void VcdWriter::finish() {
  close();
  {
    std::ifstream in(raw_ + ".vcd");
    std::ofstream out(staged_);
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
  std::remove((raw_ + ".vcd").c_str());
  install_file(staged_, path_);
  staged_.clear();
}

}  // namespace itera::hw
