#include "bench/rate_ladder.hpp"

#include <algorithm>
#include <cmath>

namespace streamlab::bench {

bool step_sustained(const LadderStep& step) {
  return step.offered > 0 && step.complete && step.achieved >= kLadderMinAchieved * step.offered && step.p99_ms >= 0 &&
         step.p99_ms <= kLadderMaxP99Ms;
}

RateSearch::RateSearch(double first, double top, std::size_t max_steps)
    : first_(first), top_(std::max(first, top)), max_steps_(max_steps) {}

std::optional<double> RateSearch::next() const {
  if (steps_.size() >= max_steps_) return std::nullopt;
  if (steps_.empty()) return first_;
  if (retry_ > 0) return retry_;
  if (failed_ == 0) {  // climbing
    if (held_ >= top_) return std::nullopt;
    return std::min(top_, held_ * 2);
  }
  if (held_ == 0) {  // nothing held yet: down, but not below an eighth of the first rate
    const double lower = failed_ / 2;
    return lower < first_ / 8 ? std::nullopt : std::optional<double>(std::round(lower));
  }
  if (failed_ / held_ <= kLadderPrecision) return std::nullopt;
  return std::round(std::sqrt(held_ * failed_));
}

void RateSearch::record(const LadderStep& step) {
  steps_.push_back(step);
  const bool again = retry_ == step.offered;
  retry_ = 0;
  if (step_sustained(step)) {
    held_ = std::max(held_, step.offered);
  } else if (!again) {
    retry_ = step.offered;
  } else if (failed_ == 0 || step.offered < failed_) {
    failed_ = step.offered;
  }
}

double RateSearch::sustainable() const {
  double best = 0, best_offered = 0;
  for (const auto& s : steps_) {
    if (step_sustained(s) && s.offered > best_offered) {
      best_offered = s.offered;
      best = s.achieved;
    }
  }
  return best;
}

}  // namespace streamlab::bench
