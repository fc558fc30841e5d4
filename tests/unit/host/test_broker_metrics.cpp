// host::broker_metrics: the Prometheus text a broker's JMX exporter serves (the shape of
// deploy/local/kafka/jmx-exporter.yaml's output), read into counters and rates. The scrape
// itself is checked against a real broker by fault.test_kafka_failover.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/broker_metrics.hpp"

using namespace streamlab::host;

namespace {

std::string scrape(double produce, double bytes_in, double isr_shrinks, double gc_s, double under) {
  return "# HELP kafka_network_requests_total Requests answered\n"
         "# TYPE kafka_network_requests_total counter\n"
         "kafka_network_requests_total{request=\"Produce\",version=\"9\",} " +
         std::to_string(produce) +
         "\n"
         "kafka_network_requests_total{request=\"Produce\",version=\"7\",} 10.0\n"
         "kafka_network_requests_total{request=\"Fetch\",version=\"12\",} 57.0\n"
         "kafka_network_requests_total{request=\"FetchConsumer\",version=\"12\",} 50.0\n"
         "kafka_network_requests_total{request=\"FetchFollower\",version=\"12\",} 7.0\n"
         "kafka_network_requests_total{request=\"Metadata\",version=\"12\",} 3.0\n"
         "kafka_network_request_totaltimems_99thpercentile{request=\"Produce\",} 12.5\n"
         "kafka_network_request_totaltimems_99thpercentile{request=\"FetchConsumer\",} 501.0\n"
         "kafka_network_request_requestqueuetimems_99thpercentile{request=\"Produce\",} 0.25\n"
         "kafka_server_brokertopicmetrics_bytesinpersec_total " +
         std::to_string(bytes_in) +
         "\n"
         "kafka_server_replicamanager_underreplicatedpartitions " +
         std::to_string(under) +
         "\n"
         "kafka_server_replicamanager_isrshrinkspersec_total " +
         std::to_string(isr_shrinks) +
         "\n"
         "kafka_log_flush_time_ms_99thpercentile 3.0\n"
         "jvm_gc_collection_seconds_sum{gc=\"G1 Young Generation\",} " +
         std::to_string(gc_s) +
         "\n"
         "jvm_gc_collection_seconds_sum{gc=\"G1 Old Generation\",} 0.5\n";
}

}  // namespace

TEST(PrometheusParse, SamplesLabelsAndSpecialValues) {
  std::size_t malformed = 0;
  const auto samples = parse_prometheus_text(
      "# a comment\n"
      "up 1\n"
      "x{a=\"1\",b=\"q\\\"uote\\\\ and\\nline\"} 2.5e3 1700000000000\r\n"
      "  indented{} NaN\n"
      "inf +Inf\n"
      "broken{a=\"unclosed} 1\n"
      "{no_name=\"x\"} 1\n"
      "no_value\n"
      "not_a_number abc\n",
      &malformed);
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[0].name, "up");
  EXPECT_EQ(samples[0].value, 1);
  EXPECT_EQ(samples[1].labels.at("a"), "1");
  EXPECT_EQ(samples[1].labels.at("b"), "q\"uote\\ and\nline");
  EXPECT_EQ(samples[1].value, 2500);
  EXPECT_TRUE(std::isnan(samples[2].value));
  EXPECT_TRUE(std::isinf(samples[3].value));
  EXPECT_EQ(malformed, 4u);
}

TEST(BrokerMetrics, AConcurrentCollectorsCyclesAreNotPauses) {
  const BrokerCounters c =
      broker_counters(parse_prometheus_text("jvm_gc_collection_seconds_sum{gc=\"Shenandoah Cycles\"} 4.5\n"
                                            "jvm_gc_collection_seconds_sum{gc=\"Shenandoah Pauses\"} 0.25\n"
                                            "jvm_gc_collection_seconds_sum{gc=\"ZGC Cycles\"} 3\n"
                                            "jvm_gc_collection_seconds_sum{gc=\"ZGC Pauses\"} 0.5\n"));
  EXPECT_EQ(c.gc_seconds, 0.75);
}

TEST(BrokerMetrics, CountersSumOverVersionsAndRatesComeFromTwoScrapes) {
  const BrokerCounters before = broker_counters(parse_prometheus_text(scrape(90, 1000, 0, 1.0, 0)));
  EXPECT_EQ(before.produce_requests, 100);  // both versions
  EXPECT_EQ(before.fetch_requests, 50);
  EXPECT_EQ(before.follower_fetch_requests, 7);
  EXPECT_EQ(before.produce_p99_ms, 12.5);
  EXPECT_EQ(before.fetch_p99_ms, 501);
  EXPECT_EQ(before.produce_queue_p99_ms, 0.25);
  EXPECT_EQ(before.flush_p99_ms, 3);
  EXPECT_EQ(before.gc_seconds, 1.5);  // young and old

  const BrokerCounters after = broker_counters(parse_prometheus_text(scrape(290, 5000, 2, 1.1, 3)));
  const BrokerView v = broker_view(before, after, 2.0);
  EXPECT_TRUE(v.up);
  EXPECT_DOUBLE_EQ(v.produce_per_s, 100);
  EXPECT_DOUBLE_EQ(v.bytes_in_per_s, 2000);
  EXPECT_DOUBLE_EQ(v.isr_shrinks_per_s, 1);
  EXPECT_NEAR(v.gc_ms_per_s, 50, 1e-6);
  EXPECT_EQ(v.under_replicated, 3);
  EXPECT_EQ(to_json(v)["produce_per_s"], 100);

  // A broker restarted between the scrapes: its counters start again from zero.
  const BrokerView restarted = broker_view(after, before, 1.0);
  EXPECT_DOUBLE_EQ(restarted.produce_per_s, 100);
}

TEST(BrokerMetrics, AnUnreachableBrokerIsDownNotAnError) {
  BrokerScraper scraper({"http://127.0.0.1:1/metrics", "not-a-url"}, std::chrono::milliseconds(200));
  const auto views = scraper.sample();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_FALSE(views[0].up);
  EXPECT_FALSE(views[1].up);
  EXPECT_EQ(views[0].url, "http://127.0.0.1:1/metrics");
}
