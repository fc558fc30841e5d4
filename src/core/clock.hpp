#pragma once
// Time as the pipeline sees it. Pacing and rate logic take a Clock so tests can drive time.

#include <chrono>
#include <cstdint>

namespace streamlab::core {

using Nanos = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;  // monotonic
  virtual void sleep_until(Nanos t) = 0;
};

class SteadyClock final : public Clock {
 public:
  Nanos now() const override;
  void sleep_until(Nanos t) override;
};

// Time that moves only when a test moves it (or sleeps through it): for time-driven logic.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Nanos start = Nanos{1'000'000'000}) : t_(start) {}
  Nanos now() const override { return t_; }
  void sleep_until(Nanos t) override {
    if (t > t_) t_ = t;
  }
  void advance(Nanos d) { t_ += d; }

 private:
  Nanos t_;
};

// Wall-clock milliseconds since the epoch, the unit of Kafka message timestamps.
std::int64_t wall_ms();
// Wall-clock microseconds since the epoch: latencies measured against a Kafka timestamp or a
// paced producer's intended send time.
std::int64_t wall_us();

}  // namespace streamlab::core
