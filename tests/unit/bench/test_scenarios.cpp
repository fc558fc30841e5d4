// bench::scenarios: selection by name, run order, --quick and --scale, the fault scenarios.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "bench/scenarios.hpp"
#include "core/errors.hpp"

using namespace streamlab::bench;

TEST(BenchScenarios, SelectionAndUnknownNames) {
  const auto all = select_scenarios({"all"}, true, 1);
  EXPECT_EQ(all.size(), scenario_names().size());
  const auto two = select_scenarios({"rest,counters-live", "rest"}, true, 1);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].id, "counters-live");  // run order, not the order asked
  try {
    select_scenarios({"counters-live,nope"}, true, 1);
    FAIL() << "no error";
  } catch (const streamlab::core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("sink-redis-tweets"), std::string::npos);
  }
  EXPECT_EQ(select_scenarios({"all"}, true, 1).back().id, "latency-ignite");
  EXPECT_THROW(select_scenarios({"faults"}, true, 1), streamlab::core::UsageError);
  // --scale shrinks counts, never to zero.
  EXPECT_EQ(select_scenarios({"tweets-backlog"}, false, 1)[0].count, 160000u);
  EXPECT_EQ(select_scenarios({"tweets-backlog"}, false, 1e-9)[0].count, 1u);
}

TEST(BenchFaults, EveryFaultForEverySinkAfterTheSinkScenarios) {
  const auto all = all_scenarios(false, 1);
  const auto index = [&](const std::string& id) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i].id == id) return i;
    }
    return all.size();
  };
  std::vector<std::string> ids;
  for (const auto& s : select_scenarios({"fault"}, false, 1)) {
    EXPECT_EQ(s.kind, Kind::Fault) << s.id;
    EXPECT_EQ(kind_name(s.kind), "fault");
    EXPECT_EQ(s.id, "fault-" + std::string(fault_name(s.fault)) + "-" + s.sink);
    EXPECT_GT(index(s.id), index("sink-ignite-tweets")) << s.id;
    EXPECT_LT(index(s.id), index("rest")) << s.id;
    EXPECT_EQ(s.count, s.fault == Fault::Rebalance ? 300000u : 100000u);
    EXPECT_GT(s.batch_rows, 0u);
    EXPECT_GT(s.fault_at, 0.0);
    EXPECT_LT(s.fault_at, 1.0);
    ids.push_back(s.id);
  }
  EXPECT_EQ(ids.size(), 9u);
  // --quick: 30,000 counters, a 5 s outage; --scale shrinks the outage too, never under a second.
  const auto quick = select_scenarios({"fault-outage-redis,fault-rebalance-ignite,fault-kill-postgres"}, true, 1);
  ASSERT_EQ(quick.size(), 3u);
  EXPECT_EQ(quick[0].id, "fault-kill-postgres");
  EXPECT_EQ(quick[0].count, 30000u);
  EXPECT_EQ(quick[1].fault, Fault::Outage);
  EXPECT_DOUBLE_EQ(quick[1].outage_s, 5);
  EXPECT_DOUBLE_EQ(select_scenarios({"fault-outage-redis"}, false, 1)[0].outage_s, 10);
  EXPECT_DOUBLE_EQ(select_scenarios({"fault-outage-redis"}, false, 0.01)[0].outage_s, 1);
  EXPECT_GT(quick[2].leave_at, quick[2].fault_at);
  EXPECT_EQ(quick[2].count, 200000u) << "long enough for a second member to join and leave";
  EXPECT_DOUBLE_EQ(quick[0].outage_s, 0);
}

// Three runs at consume's default --batch-ms (the figure is their median), then the others once.
TEST(BenchLatency, EverySinkAtFiveThousandPerSecondThreeRunsAtTheDefaultBatching) {
  for (const bool quick : {true, false}) {
    for (const char* sink : {"postgres", "redis", "ignite"}) {
      const auto s = select_scenarios({std::string("latency-") + sink}, quick, 1).at(0);
      EXPECT_EQ(s.kind, Kind::Latency);
      EXPECT_EQ(s.sink, sink);
      EXPECT_EQ(s.rate, 5000);
      const std::optional<double> d;  // not passed: consume's default
      const std::vector<std::optional<double>> expected =
          quick ? std::vector<std::optional<double>>{d, d, d}
                : std::vector<std::optional<double>>{d, d, d, 20.0, 200.0};
      EXPECT_EQ(s.batch_ms, expected);
      EXPECT_GT(s.planned_s, static_cast<double>(s.batch_ms.size()) * s.duration_s);
    }
  }
  // The live consumer's latency scenarios take no sink and no --batch-ms steps.
  const auto live = select_scenarios({"latency-1k"}, true, 1).at(0);
  EXPECT_TRUE(live.sink.empty());
  EXPECT_TRUE(live.batch_ms.empty());
}
