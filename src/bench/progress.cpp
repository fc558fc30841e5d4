#include "bench/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace streamlab::bench {

double eta_seconds(const std::vector<double>& planned_s, std::size_t current, double fraction_of_current,
                   double elapsed_s) {
  const double total = std::accumulate(planned_s.begin(), planned_s.end(), 0.0);
  double done = 0;
  for (std::size_t i = 0; i < current && i < planned_s.size(); ++i) done += planned_s[i];
  if (current < planned_s.size()) done += planned_s[current] * std::clamp(fraction_of_current, 0.0, 1.0);
  const double left = std::max(0.0, total - done);
  const double speed = done >= 1.0 && elapsed_s > 0 ? elapsed_s / done : 1.0;
  return left * speed;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string progress_text(std::size_t index, std::size_t total, const std::string& name, const std::string& phase,
                          double fraction, double eta_s) {
  return fmt::format("[{}/{}] {} · {} · {:.0f}% · ETA {}", index + 1, total, name, phase,
                     100.0 * std::clamp(fraction, 0.0, 1.0), format_duration(eta_s));
}

Progress::Progress(std::vector<double> planned_s)
    : planned_(std::move(planned_s)), line_(true), tty_(isatty(STDERR_FILENO) == 1) {}

void Progress::begin(std::size_t index, const std::string& name) {
  index_ = index;
  name_ = name;
  fraction_ = 0;
  phase_ = "starting";
}

void Progress::phase(const std::string& phase) {
  phase_ = phase;
  show(true);
}

void Progress::update(double fraction) {
  fraction_ = std::max(fraction_, fraction);
  show(false);
}

void Progress::note(const std::string& line) {
  line_.finish();
  fmt::print(stderr, "{}\n", line);
  std::fflush(stderr);
}

void Progress::finish() { line_.finish(); }

void Progress::show(bool force) {
  const auto now = Clock::now();
  // A terminal line is cheap to rewrite; a log gets a progress line every 5 s at most.
  const auto every = tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(5000);
  if (!force && now - last_shown_ < every) return;
  last_shown_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  line_.show(progress_text(index_, planned_.size(), name_, phase_, fraction_,
                           eta_seconds(planned_, index_, fraction_, elapsed)));
}

}  // namespace streamlab::bench
