// kafka::client_stats: what is read from librdkafka's statistics, and the leader changes a
// watch reports, from documents shaped like librdkafka 2.0.2's (trimmed to the fields read).
#include <gtest/gtest.h>

#include <string>

#include "kafka/client_stats.hpp"

using namespace streamlab;

namespace {

// Brokers 1..3 with their counters, topic "t" with partitions 0 and 1 led by `l0` and `l1`,
// and librdkafka's internal partition -1.
std::string stats(int l0, int l1, int retries = 0, int disconnects = 0) {
  return R"({"name":"rdkafka#producer-1","type":"producer","brokers":{)"
         R"("127.0.0.1:29092/1":{"nodeid":1,"txretries":)" +
         std::to_string(retries) + R"(,"disconnects":)" + std::to_string(disconnects) +
         R"(},"127.0.0.1:29094/2":{"nodeid":2,"txretries":1,"disconnects":0},)"
         R"("GroupCoordinator":{"nodeid":-1,"txretries":0,"disconnects":0}},)"
         R"("topics":{"t":{"topic":"t","partitions":{)"
         R"("0":{"partition":0,"broker":1,"leader":)" +
         std::to_string(l0) + R"(},"1":{"partition":1,"broker":2,"leader":)" + std::to_string(l1) +
         R"(},"-1":{"partition":-1,"broker":-1,"leader":-1}}}}})";
}

}  // namespace

TEST(ClientStats, ReadsRetriesDisconnectsAndLeaders) {
  const kafka::ClientStats s = kafka::parse_client_stats(stats(1, 2, 4, 2));
  EXPECT_EQ(s.retries, 5u);
  EXPECT_EQ(s.disconnects, 2u);
  ASSERT_EQ(s.leaders.size(), 2u);  // partition -1 is no partition of the topic
  EXPECT_EQ(s.leaders.at({"t", 0}), 1);
  EXPECT_EQ(s.leaders.at({"t", 1}), 2);
}

TEST(ClientStats, WhatDoesNotParseGivesEmptyStatistics) {
  for (const char* bad : {"", "{", "[1,2]", R"({"brokers":[],"topics":7})",
                          R"({"topics":{"t":{"partitions":{"0":{"partition":"0","leader":1}}}}})"}) {
    const kafka::ClientStats s = kafka::parse_client_stats(bad);
    EXPECT_EQ(s.retries, 0u) << bad;
    EXPECT_TRUE(s.leaders.empty()) << bad;
  }
}

TEST(ClientStats, LeaderChangesOfPartitionsKnownToBoth) {
  kafka::ClientStats before, after;
  before.leaders = {{{"t", 0}, 1}, {{"t", 1}, 2}, {{"t", 2}, 3}};
  after.leaders = {{{"t", 0}, 1}, {{"t", 1}, 3}, {{"u", 0}, 1}};
  const auto changes = kafka::leader_changes(before, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(kafka::describe(changes[0]), "topic 't' partition 1: leader 2 -> 3");
}

TEST(StatsWatch, AFailoverShowsAsLeaderChangesOnce) {
  kafka::StatsWatch watch;
  watch.update(stats(1, 2));
  EXPECT_TRUE(watch.take_leader_changes().empty());
  watch.update(stats(1, kafka::kNoLeader, 0, 1));  // broker 2 died: partition 1 has no leader
  watch.update(stats(1, 3, 0, 1));                 // broker 3 took over
  const auto changes = watch.take_leader_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(kafka::describe(changes[0]), "topic 't' partition 1: leader 2 -> none");
  EXPECT_EQ(kafka::describe(changes[1]), "topic 't' partition 1: leader none -> 3");
  EXPECT_TRUE(watch.take_leader_changes().empty());  // each reported once
  watch.update(stats(1, 3, 0, 1));
  EXPECT_TRUE(watch.take_leader_changes().empty());
  EXPECT_EQ(watch.leader_changes_seen(), 2u);
  EXPECT_EQ(watch.disconnects(), 1u);
  EXPECT_EQ(kafka::summary(watch), "2 leader change(s), 1 request retries, 1 broker disconnects");
}

TEST(StatsWatch, AClientStartingUpHasNoLeaderToLose) {
  kafka::StatsWatch watch;
  EXPECT_EQ(kafka::summary(watch), "");
  watch.update(stats(kafka::kNoLeader, kafka::kNoLeader));  // metadata not there yet
  watch.update(stats(1, 2));
  EXPECT_TRUE(watch.take_leader_changes().empty());
  EXPECT_EQ(watch.leader_changes_seen(), 0u);
}

TEST(StatsWatch, APartitionMissingFromOneDocumentKeepsItsLeader) {
  kafka::StatsWatch watch;
  watch.update(stats(1, 2));
  watch.update(R"({"brokers":{},"topics":{}})");  // e.g. after a rebalance took the topic away
  EXPECT_TRUE(watch.take_leader_changes().empty());
  watch.update(stats(1, 3));
  ASSERT_EQ(watch.take_leader_changes().size(), 1u);
}
