// The dashboard's pieces that need no Kafka: Prometheus text rendering (names, escaping),
// the trending-hashtags window, and the live state fed by hand.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "web/dashboard_server.hpp"
#include "web/hashtag_window.hpp"
#include "web/live_state.hpp"
#include "web/prometheus_text.hpp"

using namespace streamlab;
using web::PrometheusText;

TEST(PrometheusText, FamiliesAndSamples) {
  PrometheusText p;
  p.family("streamlab_consumed_messages_total", "Messages consumed", "counter");
  p.sample("streamlab_consumed_messages_total", std::uint64_t{18446744073709551615ull});
  p.family("streamlab_lag", "Lag per partition", "gauge");
  p.sample("streamlab_lag", {{"topic", "t"}, {"partition", "0"}}, 12.5);
  EXPECT_EQ(p.text(),
            "# HELP streamlab_consumed_messages_total Messages consumed\n"
            "# TYPE streamlab_consumed_messages_total counter\n"
            "streamlab_consumed_messages_total 18446744073709551615\n"
            "# HELP streamlab_lag Lag per partition\n"
            "# TYPE streamlab_lag gauge\n"
            "streamlab_lag{topic=\"t\",partition=\"0\"} 12.5\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  PrometheusText p;
  p.family("m", "a \\ back\nslash \"quoted\"", "gauge");
  p.sample("m", {{"hashtag", "a\"b\\c\nd ñ🎉"}}, 1.0);
  EXPECT_EQ(p.text(),
            "# HELP m a \\\\ back\\nslash \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{hashtag=\"a\\\"b\\\\c\\nd ñ🎉\"} 1\n");
}

TEST(PrometheusText, SpecialValues) {
  std::string out;
  PrometheusText::append_value(std::numeric_limits<double>::quiet_NaN(), out);
  out += ' ';
  PrometheusText::append_value(std::numeric_limits<double>::infinity(), out);
  out += ' ';
  PrometheusText::append_value(-std::numeric_limits<double>::infinity(), out);
  out += ' ';
  PrometheusText::append_value(0.25, out);
  EXPECT_EQ(out, "NaN +Inf -Inf 0.25");
}

TEST(PrometheusText, RejectsBadNames) {
  EXPECT_TRUE(PrometheusText::valid_metric_name("a:b_c9"));
  EXPECT_FALSE(PrometheusText::valid_metric_name("9a"));
  EXPECT_FALSE(PrometheusText::valid_metric_name("a-b"));
  EXPECT_FALSE(PrometheusText::valid_metric_name(""));
  EXPECT_FALSE(PrometheusText::valid_label_name("a:b"));
  EXPECT_FALSE(PrometheusText::valid_label_name("__reserved"));
  PrometheusText p;
  EXPECT_THROW(p.family("bad name", "x", "gauge"), std::logic_error);
  EXPECT_THROW(p.family("ok", "x", "gauges"), std::logic_error);
  EXPECT_THROW(p.sample("ok", {{"bad-label", "v"}}, 1.0), std::logic_error);
}

TEST(HashtagWindow, CountsCaseInsensitivelyAndRanks) {
  web::HashtagWindow w(std::chrono::seconds(60));
  for (int i = 0; i < 3; ++i) w.add("Chile", 100);
  w.add("chile", 101);
  w.add("sports", 101);
  w.add("sports", 102);
  w.add("Música", 102);
  w.add("", 102);  // ignored
  const auto top = w.top(2, 102);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], (std::pair<std::string, std::uint64_t>{"chile", 4}));
  EXPECT_EQ(top[1], (std::pair<std::string, std::uint64_t>{"sports", 2}));
  EXPECT_EQ(w.top(10, 102).size(), 3u);
}

TEST(HashtagWindow, OldUsesFallOut) {
  web::HashtagWindow w(std::chrono::seconds(60));
  w.add("old", 0);
  w.add("old", 0);
  w.add("new", 30);
  EXPECT_EQ(w.top(10, 59).front(), (std::pair<std::string, std::uint64_t>{"old", 2}));
  // At 60 the uses of second 0 are 60 s old: out of (0, 60].
  auto top = w.top(10, 60);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top.front().first, "new");
  EXPECT_TRUE(w.top(10, 90).empty());
  EXPECT_EQ(w.distinct(), 0u);
  w.add("again", 1000);
  EXPECT_EQ(w.top(10, 1000).size(), 1u);
}

TEST(LiveState, SnapshotsFeedAndMetrics) {
  web::LiveState s({.topics = {"t\"1"}, .group = "g", .sink = ""}, {.feed_items = 2});
  s.record(R"({"id_str":"1","text":"hola #Chile","user":{"screen_name":"ana"},"entities":{"hashtags":[{"text":"Chile"}]}})",
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

TEST(Dashboard, ListenAddress) {
  EXPECT_EQ(web::parse_listen_address("127.0.0.1:8080"), (std::pair<std::string, std::uint16_t>{"127.0.0.1", 8080}));
  EXPECT_EQ(web::parse_listen_address("[::1]:0"), (std::pair<std::string, std::uint16_t>{"::1", 0}));
  EXPECT_THROW(web::parse_listen_address("8080"), core::UsageError);
  EXPECT_THROW(web::parse_listen_address(":8080"), core::UsageError);
  EXPECT_THROW(web::parse_listen_address("localhost:70000"), core::UsageError);
  EXPECT_THROW(web::parse_listen_address("localhost:x"), core::UsageError);
}
