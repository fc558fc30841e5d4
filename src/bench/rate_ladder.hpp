#pragma once
// The highest rate a pipeline sustains, found by a search over offered rates. Each step paces
// the producer at one rate for a few seconds into a fresh live consumer. A step holds when, over
// the whole step, the producer achieved at least 95% of the offered rate, every message was
// stored (a sink) or received (none), and the produce-to-stored (received) p99, counted from
// the producer's intended send times (so a producer that falls behind shows as latency), stayed
// at most 100 ms. A rate fails when two steps in a row at it fail: on a shared machine one
// stall (a collector's pause, a neighbour's burst of I/O) fails a step of a few seconds at any
// rate, while a rate above the pipeline's limit fails every time. The rate doubles from the
// first step's until a rate fails, then closes in on the limit by bisection (geometric) between
// the highest rate that held and the lowest that failed, until the two are within 5% of each
// other or the steps run out.

#include <cstddef>
#include <optional>
#include <vector>

namespace streamlab::bench {

struct LadderStep {
  double offered = 0;     // msgs/s asked of the producer
  double achieved = 0;    // msgs/s the producer reached over the step
  double p99_ms = -1;     // intended send time → stored (received), p99; negative: unknown
  bool complete = false;  // every message the producer had acknowledged was stored (received)
};

constexpr double kLadderMinAchieved = 0.95;  // of the offered rate
constexpr double kLadderMaxP99Ms = 100;
constexpr double kLadderPrecision = 1.05;  // done when the failed rate ÷ the held rate ≤ this

bool step_sustained(const LadderStep& step);

class RateSearch {
 public:
  // Starts at `first`, never offers more than `top`, and tries at most `max_steps` rates.
  RateSearch(double first, double top, std::size_t max_steps);

  // The next rate to offer (a step that failed once is offered again); none once the search is
  // done.
  std::optional<double> next() const;
  void record(const LadderStep& step);

  const std::vector<LadderStep>& steps() const { return steps_; }
  // The achieved rate of the highest offered rate that held; 0 when none did.
  double sustainable() const;
  // The top held: the limit is above what was offered.
  bool held_top() const { return held_ >= top_; }

 private:
  double first_, top_;
  std::size_t max_steps_;
  std::vector<LadderStep> steps_;
  double held_ = 0;    // the highest offered rate that held
  double failed_ = 0;  // the lowest offered rate that failed; 0: none yet
  double retry_ = 0;   // a rate whose step failed once, to be offered again; 0: none
};

}  // namespace streamlab::bench
