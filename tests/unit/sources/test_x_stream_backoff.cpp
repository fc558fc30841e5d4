// sources::XStreamBackoff: x-stream's reconnect schedule, on a fake clock.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "sources/x_stream_backoff.hpp"

using namespace std::chrono_literals;
using streamlab::core::FakeClock;
using streamlab::core::Nanos;
using namespace streamlab::sources;

namespace {

std::vector<Nanos> failures(XStreamBackoff& b, FakeClock& clock, XStreamFailure kind, int n) {
  std::vector<Nanos> waits;
  for (int i = 0; i < n; ++i) {
    const Nanos w = b.failed(kind);
    waits.push_back(w);
    EXPECT_FALSE(w > 0ns && b.due()) << "attempt " << i << " is due before its wait";
    clock.sleep_until(b.next_attempt());
    EXPECT_TRUE(b.due());
  }
  return waits;
}

}  // namespace

TEST(XStreamBackoff, NetworkErrorsBackOffLinearlyBy250msUpTo16s) {
  FakeClock clock;
  XStreamBackoff b(clock);
  const auto waits = failures(b, clock, XStreamFailure::Network, 70);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(waits[i], 250ms * (i + 1)) << i;
  for (int i = 64; i < 70; ++i) EXPECT_EQ(waits[i], 16s) << i;
}

TEST(XStreamBackoff, HttpErrorsBackOffExponentiallyFrom5sUpTo320s) {
  FakeClock clock;
  XStreamBackoff b(clock);
  const auto waits = failures(b, clock, XStreamFailure::Http, 9);
  const std::vector<Nanos> expected = {5s, 10s, 20s, 40s, 80s, 160s, 320s, 320s, 320s};
  EXPECT_EQ(waits, expected);
}

TEST(XStreamBackoff, RateLimitsBackOffExponentiallyFromOneMinute) {
  FakeClock clock;
  XStreamBackoff b(clock);
  const auto waits = failures(b, clock, XStreamFailure::RateLimited, 6);
  const std::vector<Nanos> expected = {1min, 2min, 4min, 8min, 16min, 16min};
  EXPECT_EQ(waits, expected);
}

TEST(XStreamBackoff, RateLimitResetHeaderIsHonoured) {
  FakeClock clock;
  XStreamBackoff b(clock);
  // Sooner than the schedule's minute, and later than it: both wait exactly until the reset.
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, 2500ms), 2500ms);
  clock.advance(2499ms);
  EXPECT_FALSE(b.due());
  clock.advance(1ms);
  EXPECT_TRUE(b.due());
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, 7min), 7min);
  // A reset in the past says nothing: the schedule goes on (third 429: 4 minutes).
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, -3s), 4min);
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, std::nullopt), 8min);
}

TEST(XStreamBackoff, RateLimitResetHeaderParsing) {
  const std::int64_t now_ms = 1'700'000'000'250;
  EXPECT_EQ(rate_limit_reset_in(" 1700000002\r\n", now_ms), Nanos(1750ms));
  EXPECT_EQ(rate_limit_reset_in("1700000000", now_ms), std::nullopt);  // already past
  EXPECT_EQ(rate_limit_reset_in("", now_ms), std::nullopt);
  EXPECT_EQ(rate_limit_reset_in("soon", now_ms), std::nullopt);
  EXPECT_EQ(rate_limit_reset_in("17e8", now_ms), std::nullopt);
  // Further ahead than a rate-limit window, or beyond what milliseconds hold: one window.
  EXPECT_EQ(rate_limit_reset_in("1700000900", now_ms), Nanos(899750ms));
  EXPECT_EQ(rate_limit_reset_in("1700000901", now_ms), Nanos(15min));
  EXPECT_EQ(rate_limit_reset_in("9223372036854775807", now_ms), Nanos(15min));
  EXPECT_EQ(rate_limit_reset_in("-9223372036854775808", now_ms), std::nullopt);
}

TEST(XStreamBackoff, SuccessfulConnectionResetsEverySchedule) {
  FakeClock clock;
  XStreamBackoff b(clock);
  failures(b, clock, XStreamFailure::Http, 3);
  failures(b, clock, XStreamFailure::RateLimited, 2);
  failures(b, clock, XStreamFailure::Network, 5);
  b.connected();
  EXPECT_EQ(b.failed(XStreamFailure::Http), 5s);
  b.connected();
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited), 1min);
  b.connected();
  clock.advance(XStreamBackoff::kEstablished);
  EXPECT_EQ(b.failed(XStreamFailure::Network), 0ns);  // an established connection dropped
  EXPECT_EQ(b.failed(XStreamFailure::Network), 250ms);
}

TEST(XStreamBackoff, EstablishedConnectionThatDropsReconnectsAtOnce) {
  FakeClock clock;
  XStreamBackoff b(clock);
  failures(b, clock, XStreamFailure::Network, 4);
  b.connected();
  clock.advance(XStreamBackoff::kEstablished);
  EXPECT_EQ(b.failed(XStreamFailure::Network), 0ns);
  EXPECT_TRUE(b.due());
  // That reconnect failing starts the linear schedule from its first step.
  EXPECT_EQ(b.failed(XStreamFailure::Network), 250ms);
  EXPECT_EQ(b.failed(XStreamFailure::Network), 500ms);
}

TEST(XStreamBackoff, ServerThatAcceptsAndDropsAtOnceIsBackedOff) {
  FakeClock clock;
  XStreamBackoff b(clock);
  std::vector<Nanos> waits;
  for (int i = 0; i < 4; ++i) {
    b.connected();
    clock.advance(1s);
    waits.push_back(b.failed(XStreamFailure::Network));
    clock.sleep_until(b.next_attempt());
  }
  // Connections that do not last count as failed attempts: the linear schedule goes on.
  EXPECT_EQ(waits, (std::vector<Nanos>{250ms, 500ms, 750ms, 1s}));
}
