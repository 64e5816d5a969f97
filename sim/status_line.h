#pragma once
// One line of status on standard error: on a terminal redrawn in place (and erasable),
// otherwise printed as a line each time. Never on standard output, so reports stay the
// same with or without it. Used by `simulate`'s progress and the DSE's progress.
#include <string>

namespace itera {

class StatusLine {
 public:
  explicit StatusLine(bool terminal) : terminal_(terminal) {}
  ~StatusLine() { erase(); }
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  bool terminal() const { return terminal_; }
  // Shows `text` in place of the line shown before (on a terminal), or as a new line.
  void show(const std::string& text);
  // Shows `text` and leaves it: what follows starts on the next line.
  void keep(const std::string& text);
  // Clears a line shown on a terminal, so that what follows starts on a clean line.
  void erase();

 private:
  bool terminal_;
  bool shown_ = false;
};

}  // namespace itera
