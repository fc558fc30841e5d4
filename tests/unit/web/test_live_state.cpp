// web::LiveState without Kafka: fed by hand, its events, snapshots and metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "web/live_state.hpp"

using namespace streamlab;

TEST(LiveState, SnapshotsFeedAndMetrics) {
  web::LiveState s({.topics = {"t\"1"}, .group = "g", .sink = ""}, {.feed_items = 2});
  s.record(
      R"({"id_str":"1","text":"hola #Chile","user":{"screen_name":"ana"},"entities":{"hashtags":[{"text":"Chile"}]}})",
      0, 10, 0);
  s.record(R"({"number": 7})", 1, 11, 0);
  s.record("not json", 1, 12, 0);
  s.record(R"({"number": 8})", 1, 13, 0);
  s.analyze();
  s.set_partitions({{.topic = "t\"1", .partition = 0, .high = 20, .position = 11, .lag = 9}}, 5.0);
  s.tick();

  web::LiveState::Cursor cursor;
  std::string event;
  ASSERT_TRUE(s.next_event(cursor, event, std::chrono::milliseconds(1000)));
  const auto j = nlohmann::json::parse(event);
  EXPECT_EQ(j["info"]["group"], "g");
  EXPECT_EQ(j["stats"]["consumed"], 4);
  EXPECT_EQ(j["stats"]["lag"], 9);
  EXPECT_EQ(j["stats"]["hashtags"][0]["tag"], "chile");
  ASSERT_EQ(j["feed"].size(), 2u);  // only the newest cards are kept
  EXPECT_EQ(j["feed"][0]["kind"], "malformed");
  EXPECT_EQ(j["feed"][1]["number"], 8);
  // Nothing new: no event, and the cursor does not see the old cards again.
  EXPECT_FALSE(s.next_event(cursor, event, std::chrono::milliseconds(10)));
  s.tick();
  ASSERT_TRUE(s.next_event(cursor, event, std::chrono::milliseconds(10)));
  EXPECT_TRUE(nlohmann::json::parse(event)["feed"].empty());
  EXPECT_FALSE(nlohmann::json::parse(event).contains("history"));

  const std::string m = s.metrics();
  EXPECT_NE(m.find("streamlab_consumed_messages_total 4\n"), std::string::npos) << m;
  EXPECT_NE(m.find("streamlab_consumer_lag_messages{topic=\"t\\\"1\",partition=\"0\"} 9\n"), std::string::npos) << m;
  EXPECT_NE(m.find("streamlab_hashtag_uses{hashtag=\"chile\"} 1\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("streamlab_sink_rows_total"), std::string::npos);  // no sink, no sink metrics

  s.stop();
  EXPECT_FALSE(s.next_event(cursor, event, std::chrono::milliseconds(1000)));
  EXPECT_TRUE(s.stopped());
}

TEST(LiveState, ParsesABoundedAmountPerRound) {
  web::LiveState s({.topics = {"t"}, .group = "g", .sink = ""}, {.pending_bytes = 30});
  for (int i = 0; i < 4; ++i) s.record(R"({"number": 1000})", 0, i, 0);  // 16 bytes each
  s.analyze();
  s.record(R"({"number": 1004})", 0, 4, 0);
  s.analyze();
  s.tick();
  const auto j = s.snapshot();
  EXPECT_EQ(j["consumed"], 5);
  EXPECT_EQ(j["unanalyzed"], 3);
  EXPECT_EQ(j["kinds"]["counter"], 2);
  EXPECT_NE(s.metrics().find("streamlab_dashboard_unparsed_messages_total 3\n"), std::string::npos);
}
