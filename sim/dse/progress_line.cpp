#include "progress_line.h"

#include <unistd.h>

#include <fmt/format.h>

namespace itera::dse {

namespace {

std::string duration_text(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  const int whole = static_cast<int>(s);
  if (s < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

}  // namespace

ProgressLine::ProgressLine(std::string what, size_t total, bool enabled)
    : what_(std::move(what)),
      total_(total),
      enabled_(enabled && total > 0),
      status_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::advance(size_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since >= (status_.terminal() ? 0.2 : 10.0)) draw(false);
}

void ProgressLine::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void ProgressLine::draw(bool last) {
  last_draw_ = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string text = fmt::format("{}: {}/{}", what_, done_, total_);
  if (rate > 0) text += fmt::format(", {:.1f}/s", rate);
  if (!last && rate > 0 && done_ < total_)
    text += ", ETA " + duration_text(static_cast<double>(total_ - done_) / rate);
  if (last) text += fmt::format(" in {}", duration_text(elapsed));
  if (last)
    status_.keep(text);
  else
    status_.show(text);
}

}  // namespace itera::dse
