#include <gtest/gtest.h>

#include <cmath>

#include "core/rate_pacer.hpp"

using streamlab::core::Clock;
using streamlab::core::Nanos;
using streamlab::core::RatePacer;

namespace {

// Time moves only when the pacer sleeps, plus a fixed cost per acquire (the work of sending).
class FakeClock : public Clock {
 public:
  Nanos now() const override { return t_; }
  void sleep_until(Nanos t) override {
    ++sleeps_;
    if (t > t_) t_ = t + oversleep_;
  }
  void advance(Nanos d) { t_ += d; }
  void set_oversleep(Nanos d) { oversleep_ = d; }
  int sleeps() const { return sleeps_; }

 private:
  Nanos t_{1'000'000'000};
  Nanos oversleep_{0};
  int sleeps_ = 0;
};

// Sends for `seconds` of fake time and returns the achieved rate.
double achieved_rate(double rate, double seconds, Nanos work_per_acquire, Nanos oversleep) {
  FakeClock clock;
  clock.set_oversleep(oversleep);
  RatePacer pacer(rate, clock);
  const Nanos start = clock.now();
  const Nanos end = start + Nanos(static_cast<std::int64_t>(seconds * 1e9));
  std::uint64_t sent = 0;
  while (clock.now() < end) {
    sent += pacer.acquire(1000);
    clock.advance(work_per_acquire);
  }
  return static_cast<double>(sent) / seconds;
}

}  // namespace

TEST(RatePacer, HoldsOneThousandPerSecondWithinFivePercent) {
  const double r = achieved_rate(1000, 10, Nanos(2000), Nanos(0));
  EXPECT_NEAR(r, 1000, 50);
}

TEST(RatePacer, HoldsFiftyThousandPerSecondWithinFivePercent) {
  const double r = achieved_rate(50000, 10, Nanos(2000), Nanos(0));
  EXPECT_NEAR(r, 50000, 2500);
}

TEST(RatePacer, CatchesUpWhenSleepsOvershoot) {
  // A real sleep wakes late; the pacer must send what became due meanwhile, not fall behind.
  const double r = achieved_rate(50000, 10, Nanos(2000), Nanos(1'000'000));
  EXPECT_NEAR(r, 50000, 2500);
}

TEST(RatePacer, SpacesMessagesEvenly) {
  FakeClock clock;
  RatePacer pacer(1000, clock);
  Nanos last = clock.now();
  EXPECT_EQ(pacer.acquire(1000), 1u);  // the first message is due at once
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(pacer.acquire(1000), 1u);
    EXPECT_EQ((clock.now() - last).count(), 1'000'000);  // 1 ms apart, no bursts
    last = clock.now();
  }
}

// At 100,000 msgs/s a message is due every 10 µs; with a 1 ms quantum the pacer wakes about a
// thousand times a second, hands out what fell due (none early), and keeps the rate.
TEST(RatePacer, AQuantumBoundsTheWakeUpsNotTheRate) {
  FakeClock clock;
  RatePacer pacer(100'000, clock, Nanos(1'000'000));
  const Nanos start = clock.now();
  std::uint64_t sent = 0;
  while (clock.now() - start < Nanos(1'000'000'000)) {
    const std::uint64_t n = pacer.acquire(1000);
    EXPECT_LE(pacer.due(sent + n - 1), clock.now());  // handed out once due, not before
    sent += n;
    clock.advance(Nanos(2000));
  }
  EXPECT_NEAR(static_cast<double>(sent), 100'000, 5000);
  EXPECT_LE(clock.sleeps(), 1001);
  EXPECT_GE(clock.sleeps(), 900);
}

// A quantum longer than the gap between messages changes nothing at low rates.
TEST(RatePacer, AQuantumShorterThanTheSpacingKeepsItEven) {
  FakeClock clock;
  RatePacer pacer(100, clock, Nanos(1'000'000));
  pacer.acquire(1000);
  Nanos last = clock.now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(pacer.acquire(1000), 1u);
    EXPECT_EQ((clock.now() - last).count(), 10'000'000);
    last = clock.now();
  }
}

TEST(RatePacer, UnlimitedNeverSleeps) {
  FakeClock clock;
  RatePacer pacer(0, clock);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(pacer.acquire(500), 500u);
  EXPECT_EQ(clock.sleeps(), 0);
  EXPECT_EQ(pacer.granted(), 5000u);
}

TEST(RatePacer, BurstIsCappedByTheCaller) {
  FakeClock clock;
  RatePacer pacer(1000, clock);
  pacer.acquire(1);
  clock.advance(Nanos(1'000'000'000));  // a second late: 1000 are due
  EXPECT_EQ(pacer.acquire(10), 10u);
}

// The intended send time a paced producer stamps: message k is due start + k / rate, whenever the
// pacer actually hands it out (a producer that fell behind gets a burst of messages already due).
TEST(RatePacer, DueTimesFollowTheScheduleNotTheHandOut) {
  FakeClock clock;
  RatePacer pacer(1000, clock);
  const Nanos start = clock.now();
  ASSERT_EQ(pacer.acquire(1), 1u);
  EXPECT_EQ(pacer.due(0), start);
  clock.advance(Nanos(50'000'000));  // the producer stalls for 50 ms
  const std::uint64_t burst = pacer.acquire(1000);
  EXPECT_EQ(burst, 50u);  // messages 1..50 are all due by now
  EXPECT_EQ(pacer.due(1), start + Nanos(1'000'000));
  EXPECT_EQ(pacer.due(50), start + Nanos(50'000'000));
  EXPECT_EQ(pacer.due(3), start + Nanos(3'000'000));
}
