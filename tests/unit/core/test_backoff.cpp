// core::Backoff: the doubling schedule the sink runner and the X stream retry on.

#include <gtest/gtest.h>

#include <chrono>

#include "core/backoff.hpp"

using std::chrono::milliseconds;
using streamlab::core::Backoff;

TEST(Backoff, DoublesUpToItsCapAndStartsOverOnReset) {
  Backoff b(milliseconds(100), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(100));
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.next(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(500));
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(100));
}

TEST(Backoff, AFirstWaitAboveTheCapIsTheCap) {
  Backoff b(milliseconds(900), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(500));
}

TEST(Backoff, ACapNearTheTypesLimitNeverOverflows) {
  const auto cap = std::chrono::nanoseconds::max();
  Backoff b(std::chrono::nanoseconds(1), cap);
  auto last = std::chrono::nanoseconds(0);
  for (int i = 0; i < 200; ++i) {
    const auto d = b.next();
    EXPECT_GE(d, last);
    last = d;
  }
  EXPECT_EQ(last, cap);
}
