// The bench's pure parts: --stats parsing and series alignment, the rate ladder's decision,
// ETA and progress text, scenario selection, the fault scenarios' figures.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bench/fault_measures.hpp"
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
  // Lines 6 s apart (the process was blocked): held at the earlier count until the later line.
  const std::vector<StatsPoint> gap = {{1000, 100, 0, 100}, {7000, 400, 0, 400}};
  EXPECT_DOUBLE_EQ(count_interpolated(gap, 6999), 100);
  EXPECT_DOUBLE_EQ(stored_interpolated(gap, 4000), 100);
  EXPECT_DOUBLE_EQ(count_interpolated(gap, 7000), 400);
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
  EXPECT_EQ(select_scenarios({"all"}, true, 1).back().id, "latency-100k");
  EXPECT_THROW(select_scenarios({"faults"}, true, 1), streamlab::core::UsageError);
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
  EXPECT_DOUBLE_EQ(quick[0].outage_s, 0);
}

TEST(BenchFaults, RecoveryIsTheFirstNewRowAfterTheFault) {
  // A restarted consumer: its own lines, all after the kill at t=1000; the first with a row at 1750.
  const std::vector<StatsPoint> restarted = {{1250, 0, 0, 0}, {1500, 0, 0, 0}, {1750, 40, 0, 20}, {2000, 90, 0, 80}};
  EXPECT_EQ(recovery_ms(restarted, 1000), 750);
  // One consumer through an outage that ended at t=2100: rows stored before it do not count.
  const std::vector<StatsPoint> through = {{1000, 10, 0, 10}, {1500, 30, 0, 30}, {2000, 30, 0, 30},
                                           {2250, 30, 0, 30}, {2500, 35, 0, 35}};
  EXPECT_EQ(recovery_ms(through, 2100), 400);
  // A survivor that was seen taking partitions over at 2200 after a leave at 2000: its own rows
  // between the two are not the taken-over ones.
  const std::vector<StatsPoint> survivor = {{2000, 50, 0, 50}, {2150, 60, 0, 60}, {2400, 60, 0, 60}, {2650, 70, 0, 70}};
  EXPECT_EQ(recovery_ms(survivor, 2000, 2200), 650);
  EXPECT_EQ(recovery_ms(survivor, 2000), 150);
  // Nothing stored after it, or no `stored` at all: no figure.
  EXPECT_FALSE(recovery_ms(through, 2500).has_value());
  EXPECT_FALSE(recovery_ms({{1500, 5, 0, {}}}, 1000).has_value());
  EXPECT_FALSE(recovery_ms({}, 1000).has_value());
}

TEST(BenchFaults, LongestStallBetweenTwoRisesOfAnyMember) {
  // A killed member storing every 250 ms until 1000, its restart joining and first storing at
  // 2500: 1.5 s without a row. The waiting before the first row and the idle tail do not count.
  const std::vector<StatsPoint> killed = {{0, 0, 0, 0}, {250, 5, 0, 5}, {500, 10, 0, 10}, {750, 15, 0, 15}, {1000, 20, 0, 20}};
  const std::vector<StatsPoint> restarted = {{1500, 0, 0, 0}, {2000, 0, 0, 0}, {2500, 8, 0, 8}, {2750, 9, 0, 9},
                                             {3000, 9, 0, 9}, {9000, 9, 0, 9}};
  EXPECT_DOUBLE_EQ(longest_stall_s({killed, restarted}), 1.5);
  // Two members side by side: one storing while the other waits is no stall.
  const std::vector<StatsPoint> other = {{1250, 3, 0, 3}, {1750, 6, 0, 6}, {2250, 7, 0, 7}};
  EXPECT_DOUBLE_EQ(longest_stall_s({killed, restarted, other}), 0.5);
  EXPECT_DOUBLE_EQ(longest_stall_s({killed}), 0.25);
  EXPECT_DOUBLE_EQ(longest_stall_s({{{1000, 5, 0, 5}}}), 0);
  EXPECT_DOUBLE_EQ(longest_stall_s({}), 0);
}

TEST(BenchFaults, MembersSumIntoOneSeries) {
  // A killed member (its lines end at 1500) and its restart (from 2000): consumed and stored are
  // the sums, the first held at its last line once it is gone.
  const std::vector<StatsPoint> produced = {{0, 100, 0, {}}};
  const std::vector<StatsPoint> killed = {{1000, 40, 0, 30}, {1500, 60, 0, 50}};
  const std::vector<StatsPoint> restarted = {{2000, 0, 0, 0}, {2500, 50, 0, 50}};
  const Series s = align_members(produced, {killed, restarted}, 0, 500);
  ASSERT_EQ(s.t.size(), 6u);  // 0, 0.5, …, 2.5
  EXPECT_DOUBLE_EQ(s.stored[2], 30);   // t=1000
  EXPECT_DOUBLE_EQ(s.stored[3], 50);   // t=1500
  EXPECT_DOUBLE_EQ(s.stored[4], 50);   // t=2000: the restart has stored nothing yet
  EXPECT_DOUBLE_EQ(s.stored[5], 100);  // t=2500
  EXPECT_DOUBLE_EQ(s.consumed[5], 110);  // ten messages read twice
  EXPECT_DOUBLE_EQ(s.lag[5], 0);
  EXPECT_DOUBLE_EQ(s.produced[1], 100);
  EXPECT_DOUBLE_EQ(stored_interpolated(killed, 1250), 40);
}

TEST(BenchFaults, VerifyFiguresFromItsJsonDocument) {
  const auto v = parse_verify(
      "noise\n"
      "{\"command\":\"verify\",\"topic\":\"t\",\"ok\":false,\"partitions\":[],\"totals\":{\"expected\":30000,"
      "\"rows\":29998,\"dead_letters\":1,\"missing\":2,\"duplicated\":1,\"beyond_end\":0,\"gone\":0,"
      "\"failed_partitions\":1}}\n");
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->expected, 30000u);
  EXPECT_EQ(v->rows, 29998u);
  EXPECT_EQ(v->dead_letters, 1u);
  EXPECT_EQ(v->missing, 2u);
  EXPECT_EQ(v->duplicated, 1u);
  EXPECT_TRUE(parse_verify(R"({"command":"verify","ok":true,"totals":{"expected":5,"rows":5}})")->ok);
  // Not verify's document, or no document at all (a build without verify prints a usage error).
  EXPECT_FALSE(parse_verify(R"({"command":"consume","totals":{}})").has_value());
  EXPECT_FALSE(parse_verify("The following argument was not expected: verify\n").has_value());
  EXPECT_FALSE(parse_verify("").has_value());
}

TEST(BenchFaults, OnlyTheLocalServiceIsStopped) {
  const std::string env =
      "export STREAMLAB_BROKERS=127.0.0.1:19092\n"
      "export STREAMLAB_POSTGRES=postgresql://streamlab@127.0.0.1:15432/streamlab\n"
      "export STREAMLAB_ODD='a b'\n";
  EXPECT_EQ(exported_value(env, "STREAMLAB_POSTGRES"), "postgresql://streamlab@127.0.0.1:15432/streamlab");
  EXPECT_EQ(exported_value(env, "STREAMLAB_ODD"), "a b");
  EXPECT_EQ(exported_value(env, "STREAMLAB_REDIS"), "");
  EXPECT_TRUE(same_server("postgresql://streamlab@127.0.0.1:15432/streamlab",
                          "postgres://other:pw@localhost:15432/elsewhere?sslmode=disable", 5432));
  EXPECT_FALSE(same_server("postgresql://u@127.0.0.1:5432/db", "postgresql://u@127.0.0.1:15432/db", 5432));
  EXPECT_FALSE(same_server("postgresql://u@db.example:15432/db", "postgresql://u@127.0.0.1:15432/db", 5432));
  EXPECT_TRUE(same_server("redis://127.0.0.1/0", "redis://:secret@127.0.0.1:6379/1", 6379));
  EXPECT_TRUE(same_server("ignite://127.0.0.1:10800?table=x", "ignite://127.0.0.1:10800", 10800));
  EXPECT_FALSE(same_server("", "redis://127.0.0.1:6379", 6379));
}
