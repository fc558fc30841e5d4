#include "core/rate_pacer.hpp"

#include <algorithm>
#include <cmath>

namespace streamlab::core {

RatePacer::RatePacer(double rate_per_s, Clock& clock, Nanos quantum)
    : rate_(rate_per_s), clock_(clock), quantum_(quantum) {}

Nanos RatePacer::due(std::uint64_t k) const {
  if (rate_ <= 0) return start_;
  return start_ + Nanos(static_cast<std::int64_t>(
                      std::ceil(static_cast<long double>(k) * 1e9L / static_cast<long double>(rate_))));
}

std::uint64_t RatePacer::acquire(std::uint64_t max_burst) {
  if (max_burst == 0) return 0;
  if (rate_ <= 0) {
    granted_ += max_burst;
    return max_burst;
  }
  if (!started_) {
    start_ = woke_ = clock_.now();
    started_ = true;
  }
  for (;;) {
    // Message k (0-based) is due at ceil(k / rate); comparing in whole nanoseconds keeps
    // a clock that wakes exactly on time from looping on a rounding error.
    const Nanos due_at = due(granted_) - start_;
    const Nanos elapsed = clock_.now() - start_;
    if (elapsed >= due_at) {
      const auto due_by_now =
          static_cast<std::uint64_t>(std::floor(static_cast<long double>(elapsed.count()) * rate_ / 1e9L)) + 1;
      const std::uint64_t n = std::min(std::max(due_by_now, granted_ + 1) - granted_, max_burst);
      granted_ += n;
      return n;
    }
    clock_.sleep_until(std::max(start_ + due_at, woke_ + quantum_));
    woke_ = clock_.now();
  }
}

}  // namespace streamlab::core
