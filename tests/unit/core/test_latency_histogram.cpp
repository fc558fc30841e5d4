#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/latency_histogram.hpp"

using streamlab::core::LatencyHistogram;

TEST(LatencyHistogram, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 50; ++v) h.record(v);
  EXPECT_EQ(h.quantile(0.5), 25);
  EXPECT_EQ(h.quantile(1.0), 50);
  EXPECT_EQ(h.min(), 1);
}

TEST(LatencyHistogram, QuantilesWithinRelativeErrorOfExact) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);  // ~3 ms median, long tail
  std::vector<std::int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(values[static_cast<std::size_t>(q * values.size()) - 1]);
    EXPECT_NEAR(static_cast<double>(h.quantile(q)), exact, exact * 0.035 + 1) << "q=" << q;
  }
  EXPECT_EQ(h.max(), values.back());
}

TEST(LatencyHistogram, NegativeClampedAndMergeAdds) {
  LatencyHistogram a, b;
  a.record(-5);
  b.record(1000);
  b.record(2000000);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 0);
  EXPECT_EQ(a.max(), 2000000);
}

TEST(LatencyHistogram, BucketsAreTheDistributionInOrder) {
  LatencyHistogram h;
  for (int i = 0; i < 10; ++i) h.record(5);
  for (int i = 0; i < 3; ++i) h.record(1000);
  h.record(250000);
  const auto b = h.buckets();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], (std::pair<std::int64_t, std::uint64_t>{5, 10}));
  EXPECT_GE(b[1].first, 1000);
  EXPECT_LE(b[1].first, 1016);  // within the histogram's 1.6%
  EXPECT_EQ(b[1].second, 3u);
  EXPECT_EQ(b[2], (std::pair<std::int64_t, std::uint64_t>{250000, 1}));  // capped at the max seen
  std::uint64_t total = 0;
  for (const auto& [upper, n] : b) total += n;
  EXPECT_EQ(total, h.count());
}
