#include "bench/rate_ladder.hpp"

namespace streamlab::bench {

bool step_sustained(const LadderStep& step) {
  if (step.offered <= 0) return false;
  return step.achieved >= kLadderMinAchieved * step.offered &&
         static_cast<double>(step.lag_at_end) <= kLadderMaxLagSeconds * step.offered;
}

double sustainable_rate(const std::vector<LadderStep>& steps) {
  double best = 0;
  for (const auto& s : steps) {
    if (!step_sustained(s)) break;
    best = s.achieved;
  }
  return best;
}

}  // namespace streamlab::bench
