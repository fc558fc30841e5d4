// bench::rate_ladder: whether a step of the ladder held its rate, and the rate sustained.

#include <gtest/gtest.h>

#include "bench/rate_ladder.hpp"

using namespace streamlab::bench;

TEST(BenchLadder, SustainedNeedsRateAndSmallLag) {
  EXPECT_TRUE(step_sustained({1000, 990, 500}));
  EXPECT_FALSE(step_sustained({1000, 800, 0}));      // producer could not offer it
  EXPECT_FALSE(step_sustained({1000, 1000, 1500}));  // more than 1 s of messages behind
  EXPECT_DOUBLE_EQ(sustainable_rate({{1000, 1000, 0}, {5000, 4950, 100}, {20000, 19000, 60000}, {40000, 39000, 0}}),
                   4950);
  EXPECT_DOUBLE_EQ(sustainable_rate({{1000, 100, 0}}), 0);
  EXPECT_DOUBLE_EQ(sustainable_rate({}), 0);
}
