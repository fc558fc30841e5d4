#pragma once
// The bench's progress on stderr: scenario i/n, its name, the phase, % done of the scenario
// and the ETA of the whole run. On a terminal one line rewritten in place; otherwise plain
// lines: one per phase change and at most one progress line every few seconds.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/status_line.hpp"

namespace streamlab::bench {

// Seconds left in the run: the planned seconds still ahead, scaled by how long the work done
// so far took against its plan (the plan alone until a second of it is done).
double eta_seconds(const std::vector<double>& planned_s, std::size_t current, double fraction_of_current,
                   double elapsed_s);

// "45s", "3m05s", "1h02m".
std::string format_duration(double seconds);

// "[3/19] sink-postgres-counters · consuming · 45% · ETA 2m10s"
std::string progress_text(std::size_t index, std::size_t total, const std::string& name, const std::string& phase,
                          double fraction, double eta_s);

class Progress {
 public:
  // `planned_s`: the planned seconds of each scenario, in run order.
  explicit Progress(std::vector<double> planned_s);
  void begin(std::size_t index, const std::string& name);
  void phase(const std::string& phase);  // always shown
  void update(double fraction);          // of the current scenario, shown throttled
  void note(const std::string& line);    // a line of its own (results, problems)
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void show(bool force);
  std::vector<double> planned_;
  core::StatusLine line_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_shown_{};
  std::size_t index_ = 0;
  std::string name_, phase_;
  double fraction_ = 0;
};

}  // namespace streamlab::bench
