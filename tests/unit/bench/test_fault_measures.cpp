// bench::fault_measures: the fault scenarios' figures (recovery, longest stall, verify's
// totals) and which service is the local one to stop.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/fault_measures.hpp"

using namespace streamlab::bench;

TEST(BenchFaults, RecoveryIsTheFirstNewRowAfterTheFault) {
  // A restarted consumer: its own lines, all after the kill at t=1000; the first with a row at 1750.
  const std::vector<StatsPoint> restarted = {{1250, 0, 0, 0}, {1500, 0, 0, 0}, {1750, 40, 0, 20}, {2000, 90, 0, 80}};
  EXPECT_EQ(recovery_ms(restarted, 1000), 750);
  // One consumer through an outage that ended at t=2100: rows stored before it do not count.
  const std::vector<StatsPoint> through = {
      {1000, 10, 0, 10}, {1500, 30, 0, 30}, {2000, 30, 0, 30}, {2250, 30, 0, 30}, {2500, 35, 0, 35}};
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
  const std::vector<StatsPoint> killed = {
      {0, 0, 0, 0}, {250, 5, 0, 5}, {500, 10, 0, 10}, {750, 15, 0, 15}, {1000, 20, 0, 20}};
  const std::vector<StatsPoint> restarted = {{1500, 0, 0, 0}, {2000, 0, 0, 0}, {2500, 8, 0, 8},
                                             {2750, 9, 0, 9}, {3000, 9, 0, 9}, {9000, 9, 0, 9}};
  EXPECT_DOUBLE_EQ(longest_stall_s({killed, restarted}), 1.5);
  // Two members side by side: one storing while the other waits is no stall.
  const std::vector<StatsPoint> other = {{1250, 3, 0, 3}, {1750, 6, 0, 6}, {2250, 7, 0, 7}};
  EXPECT_DOUBLE_EQ(longest_stall_s({killed, restarted, other}), 0.5);
  EXPECT_DOUBLE_EQ(longest_stall_s({killed}), 0.25);
  EXPECT_DOUBLE_EQ(longest_stall_s({{{1000, 5, 0, 5}}}), 0);
  EXPECT_DOUBLE_EQ(longest_stall_s({}), 0);
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
