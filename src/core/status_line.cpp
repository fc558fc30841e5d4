#include "core/status_line.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace streamlab::core {

StatusLine::StatusLine(bool in_place) : tty_(in_place && isatty(STDERR_FILENO) == 1) {}

void StatusLine::show(const std::string& text) {
  if (tty_) {
    fmt::print(stderr, "\r\033[K{}", text);
    open_ = true;
  } else {
    fmt::print(stderr, "{}\n", text);
  }
  std::fflush(stderr);
}

void StatusLine::note(const std::string& text) {
  finish();
  fmt::print(stderr, "{}\n", text);
  std::fflush(stderr);
}

void StatusLine::finish() {
  if (open_) {
    std::fputc('\n', stderr);
    open_ = false;
  }
}

std::string human_count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace streamlab::core
