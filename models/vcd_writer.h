#pragma once
// The waveform of a run (`itera simulate --vcd`): the clock (cycle fidelity), each
// array's state and the DRAM block's busy flag, in SystemC's VCD format. SystemC
// stamps the file with the wall-clock date; finish() drops that block, so the same
// inputs give the same bytes, and puts the file in place by the output rules of
// file_io.h (symlinks followed, devices written in place). Nothing appears at the path
// unless finish() succeeds.
#include <string>

#include <systemc>

#include "top.h"

namespace itera::hw {

class VcdWriter {
 public:
  // Starts tracing `top`'s signals into a temp file beside `path`.
  VcdWriter(const std::string& path, const Top& top);
  ~VcdWriter();  // removes the temp files if finish() was not reached
  VcdWriter(const VcdWriter&) = delete;
  VcdWriter& operator=(const VcdWriter&) = delete;

  // Closes the trace; throws itera::Error when the file cannot be written.
  void finish();

 private:
  void close();
  void remove_files();
  std::string path_, staged_, raw_;
  sc_core::sc_trace_file* file_ = nullptr;
};

}  // namespace itera::hw
