#pragma once
// Waits that double from a first one up to a cap, for retrying what failed: the sink runner's
// batch writes and offset look-ups while its store is out, the X stream's HTTP errors and rate
// limits. reset() after a success starts the schedule over.

#include <algorithm>

namespace streamlab::core {

template <typename Duration>
class Backoff {
 public:
  Backoff(Duration first, Duration cap) : first_(std::min(first, cap)), cap_(cap), next_(first_) {}

  // The wait before the next attempt; the one after is twice as long, up to the cap.
  Duration next() {
    const Duration d = next_;
    next_ = next_ >= cap_ / 2 ? cap_ : next_ * 2;  // never overflows
    return d;
  }
  void reset() { next_ = first_; }

 private:
  Duration first_, cap_, next_;
};

}  // namespace streamlab::core
