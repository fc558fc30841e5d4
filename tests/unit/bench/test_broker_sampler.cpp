// bench::broker_sampler: the brokers' own metrics summed up over a scenario's window.
#include <gtest/gtest.h>

#include "bench/broker_sampler.hpp"

using namespace streamlab;

namespace {

host::BrokerView view(const char* url, bool up, double produce, double p99, double under, double shrinks_per_s) {
  host::BrokerView v;
  v.url = url;
  v.up = up;
  v.produce_per_s = produce;
  v.produce_p99_ms = p99;
  v.under_replicated = under;
  v.isr_shrinks_per_s = shrinks_per_s;
  return v;
}

}  // namespace

TEST(BrokerSummary, MeansMaximaAndCountsOverTheWindow) {
  const std::vector<bench::BrokerSample> samples = {
      {0.5, {view("a", true, 999, 999, 9, 9)}},  // before the window
      {1.0, {view("a", true, 100, 5, 0, 0), view("b", true, 10, 1, 0, 0)}},
      {2.0, {view("a", true, 300, 20, 1, 2), view("b", false, 0, 0, 0, 0)}},
      {3.0, {view("a", true, 200, 10, 3, 1), view("b", true, 30, 2, 0, 0)}},
      {9.0, {view("a", true, 999, 999, 9, 9)}},  // after
  };
  const auto s = bench::broker_summary(samples, 1.0, 3.0);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s["a"]["samples"], 3);
  EXPECT_DOUBLE_EQ(s["a"]["produce_per_s"].get<double>(), 200);
  EXPECT_DOUBLE_EQ(s["a"]["produce_p99_ms_max"].get<double>(), 20);
  EXPECT_DOUBLE_EQ(s["a"]["under_replicated_max"].get<double>(), 3);
  EXPECT_DOUBLE_EQ(s["a"]["isr_shrinks"].get<double>(), 3);  // 2/s for 1 s, then 1/s for 1 s
  EXPECT_DOUBLE_EQ(s["b"]["up_fraction"].get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s["b"]["produce_per_s"].get<double>(), 20);  // over the samples it was up
  EXPECT_TRUE(bench::broker_summary(samples, 4.0, 5.0).empty());
}
