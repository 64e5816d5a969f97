#pragma once
// How a block reports a fatal condition (a deadlock, a lost request) from inside a
// SystemC process: it records the first message and stops the kernel; the top turns
// it into an itera::Error once sc_start() returns.
#include <string>

#include <systemc>

namespace itera::hw {

struct SimFailure {
  std::string message;
  void raise(const std::string& what) {
    if (message.empty()) message = what;
    sc_core::sc_stop();
  }
  bool failed() const { return !message.empty(); }
};

}  // namespace itera::hw
