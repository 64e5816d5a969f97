#pragma once
// A progress line on standard error for long runs: "what: done/total, rate, ETA".
// On a terminal it is redrawn in place (at most 5 times a second); otherwise a line is
// printed at most every 10 s, and once at the end. Never on standard output, so
// reports stay the same with or without it.
#include <chrono>
#include <cstddef>
#include <string>

#include "status_line.h"

namespace itera::dse {

class ProgressLine {
 public:
  ProgressLine(std::string what, size_t total, bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void advance(size_t n = 1);
  void finish();

 private:
  void draw(bool last);
  std::string what_;
  size_t total_, done_ = 0;
  bool enabled_, finished_ = false;
  StatusLine status_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace itera::dse
