#include "status_line.h"

#include <cstdio>

namespace itera {

void StatusLine::show(const std::string& text) {
  if (terminal_) {
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    shown_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void StatusLine::keep(const std::string& text) {
  show(text);
  if (terminal_) {
    std::fputc('\n', stderr);
    std::fflush(stderr);
    shown_ = false;
  }
}

void StatusLine::erase() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace itera
