#pragma once
// The highest sustainable throughput of a pipeline, by a ladder of offered rates: each step
// the producer is paced at the step's rate for a few seconds while the consumer runs live.
// A step is sustained when the producer achieved (almost) the offered rate and the consumer's
// lag at the end of the step is under one second's worth of messages; the ladder stops at the
// first step that is not, and the sustainable rate is the last sustained step's achieved rate.

#include <cstdint>
#include <vector>

namespace streamlab::bench {

struct LadderStep {
  double offered = 0;   // msgs/s asked of the producer
  double achieved = 0;  // msgs/s the producer reached over the step
  std::uint64_t lag_at_end = 0;
};

constexpr double kLadderMinAchieved = 0.9;  // of the offered rate
constexpr double kLadderMaxLagSeconds = 1.0;

bool step_sustained(const LadderStep& step);
// 0 when no step was sustained.
double sustainable_rate(const std::vector<LadderStep>& steps);

}  // namespace streamlab::bench
