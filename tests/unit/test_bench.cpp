// The bench's pure parts: --stats parsing and series alignment, the rate ladder's decision,
// ETA and progress text, scenario selection.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bench/progress.hpp"
#include "bench/rate_ladder.hpp"
#include "bench/scenarios.hpp"
#include "bench/service_clients.hpp"
#include "bench/stats_series.hpp"
#include "core/errors.hpp"

using namespace streamlab::bench;

TEST(BenchStats, ParsesCompleteLinesOnly) {
  const auto p = parse_stats(
      "{\"t\": 1000, \"count\": 5, \"bytes\": 50}\n"
      "{\"t\": 1250, \"count\": 9, \"bytes\": 90, \"stored\": 7}\n"
      "{\"t\": 1500, \"cou");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].t_ms, 1000);
  EXPECT_EQ(p[1].count, 9u);
  EXPECT_FALSE(p[0].stored.has_value());
  EXPECT_EQ(p[1].stored.value(), 7u);
}

TEST(BenchStats, AlignsTwoFilesOnOneRegularGrid) {
  const std::vector<StatsPoint> produced = {{1000, 10, 0, {}}, {1250, 30, 0, {}}, {1500, 40, 0, {}}};
  const std::vector<StatsPoint> consumed = {{1100, 5, 0, {}}, {1600, 40, 0, {}}};
  const Series s = align(produced, consumed, 900, 250);
  // 1000, 1250, 1500 on the grid, then 1600 where the last line is.
  ASSERT_EQ(s.t.size(), 4u);
  EXPECT_DOUBLE_EQ(s.t[0], 0.1);
  EXPECT_DOUBLE_EQ(s.t[3], 0.7);
  // t=1250: produced 30; consumed between 5 (t=1100) and 40 (t=1600): 5 + 0.3 * 35 = 15.5
  EXPECT_DOUBLE_EQ(s.produced[1], 30);
  EXPECT_DOUBLE_EQ(s.consumed[1], 15.5);
  EXPECT_DOUBLE_EQ(s.lag[1], 14.5);
  EXPECT_DOUBLE_EQ(s.consumed[0], 0);  // before the consumer's first line
  EXPECT_DOUBLE_EQ(s.lag[3], 0);
  // A consumer line before any producer line does not make a negative lag.
  const Series early = align({{2000, 1, 0, {}}}, {{1000, 3, 0, {}}}, 1000);
  EXPECT_DOUBLE_EQ(early.lag[0], 0);
  EXPECT_TRUE(align({}, {}, 0).t.empty());
}

TEST(BenchStats, InterpolatesBetweenLinesAndHoldsTheLast) {
  const std::vector<StatsPoint> p = {{1000, 100, 0, {}}, {2000, 300, 0, {}}};
  EXPECT_DOUBLE_EQ(count_interpolated(p, 999), 0);
  EXPECT_DOUBLE_EQ(count_interpolated(p, 1000), 100);
  EXPECT_DOUBLE_EQ(count_interpolated(p, 1500), 200);
  EXPECT_DOUBLE_EQ(count_interpolated(p, 9000), 300);
}

TEST(BenchStats, AppendShiftedContinuesTheCount) {
  std::vector<StatsPoint> all = {{1000, 100, 0, {}}};
  append_shifted(all, {{2000, 20, 0, {}}, {2250, 50, 0, {}}}, 100);
  EXPECT_EQ(count_at(all, 2100), 120u);
  EXPECT_EQ(count_at(all, 5000), 150u);
  EXPECT_EQ(count_at(all, 999), 0u);
}

TEST(BenchLadder, SustainedNeedsRateAndSmallLag) {
  EXPECT_TRUE(step_sustained({1000, 990, 500}));
  EXPECT_FALSE(step_sustained({1000, 800, 0}));     // producer could not offer it
  EXPECT_FALSE(step_sustained({1000, 1000, 1500}));  // more than 1 s of messages behind
  EXPECT_DOUBLE_EQ(sustainable_rate({{1000, 1000, 0}, {5000, 4950, 100}, {20000, 19000, 60000}, {40000, 39000, 0}}), 4950);
  EXPECT_DOUBLE_EQ(sustainable_rate({{1000, 100, 0}}), 0);
  EXPECT_DOUBLE_EQ(sustainable_rate({}), 0);
}

TEST(BenchProgress, EtaScalesThePlanByWhatWasMeasured) {
  // Plan 10 + 20 + 30 s; the first scenario took 20 s instead of 10: the rest takes twice its plan.
  EXPECT_DOUBLE_EQ(eta_seconds({10, 20, 30}, 1, 0.0, 20), 100);
  // Halfway through the second, on plan.
  EXPECT_DOUBLE_EQ(eta_seconds({10, 20, 30}, 1, 0.5, 20), 40);
  // Nothing done yet: the plan itself.
  EXPECT_DOUBLE_EQ(eta_seconds({10, 20, 30}, 0, 0.0, 0), 60);
  EXPECT_DOUBLE_EQ(eta_seconds({10}, 0, 1.0, 12), 0);
  EXPECT_EQ(format_duration(45), "45s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
  EXPECT_EQ(progress_text(2, 19, "rest", "idle", 0.456, 130), "[3/19] rest · idle · 46% · ETA 2m10s");
}

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
  // --scale shrinks counts, never to zero.
  EXPECT_EQ(select_scenarios({"tweets-backlog"}, false, 1)[0].count, 160000u);
  EXPECT_EQ(select_scenarios({"tweets-backlog"}, false, 1e-9)[0].count, 1u);
}

TEST(BenchServices, PortsAndRedaction) {
  EXPECT_EQ(port_of("127.0.0.1:19092", 9092), 19092);
  EXPECT_EQ(port_of("postgresql://u:pw@127.0.0.1:15432/db", 5432), 15432);
  EXPECT_EQ(port_of("redis://127.0.0.1/0", 6379), 6379);
  EXPECT_EQ(redact_uri("postgresql://u:secret@h:1/db"), "postgresql://u@h:1/db");
  EXPECT_EQ(redact_uri("redis://h:1/0"), "redis://h:1/0");
}

TEST(BenchStats, LastCountReadsTheTailsLastCompleteLine) {
  const auto path = std::filesystem::temp_directory_path() / ("streamlab-last-count-" + std::to_string(::getpid()));
  EXPECT_EQ(last_count(path), 0u);  // not there yet
  {
    std::ofstream out(path);
    for (int i = 1; i <= 500; ++i) out << "{\"t\": " << 1000 + i << ", \"count\": " << i * 10 << ", \"bytes\": 1}\n";
    out << "{\"t\": 9999, \"cou";  // being written
  }
  EXPECT_EQ(last_count(path), 5000u);
  EXPECT_EQ(last_count(path), read_stats(path).back().count);
  std::filesystem::remove(path);
}
