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

// Wall-clock milliseconds since the epoch, the unit of Kafka message timestamps.
std::int64_t wall_ms();

}  // namespace streamlab::core
