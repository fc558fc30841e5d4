#pragma once
// The Kafka brokers' own view of the load: each broker's Prometheus metrics (the JMX exporter
// that deploy/local/services attaches, rules in deploy/local/kafka/jmx-exporter.yaml) scraped
// over HTTP and turned into the figures the lab set out to watch on the server: requests and
// bytes per second, request time p99, queueing, log flushes, replication health and GC.
// Rates are between two scrapes of the same broker.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace streamlab::host {

// One sample of the Prometheus text format: `name{label="value",...} value [timestamp]`.
struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample of a text exposition; comment lines are skipped, and so is a line that does not
// parse (counted in `malformed` when given): a scrape must not fail on one odd line.
std::vector<PromSample> parse_prometheus_text(std::string_view text, std::size_t* malformed = nullptr);

// What one scrape of a broker holds, summed over the request versions and the like.
struct BrokerCounters {
  double produce_requests = 0, fetch_requests = 0, follower_fetch_requests = 0;
  double bytes_in = 0, bytes_out = 0, messages_in = 0;
  double isr_shrinks = 0, isr_expands = 0;
  double gc_seconds = 0;
  // Gauges: the broker's own recent-window percentiles (ms), and replication state.
  double produce_p99_ms = 0, fetch_p99_ms = 0, produce_queue_p99_ms = 0, flush_p99_ms = 0;
  double under_replicated = 0, partitions = 0, leaders = 0;
};
BrokerCounters broker_counters(const std::vector<PromSample>& samples);

// One broker over the time between two scrapes.
struct BrokerView {
  std::string url;
  bool up = false;  // false: the last scrape failed (the broker is down or not exporting)
  double produce_per_s = 0, fetch_per_s = 0, follower_fetch_per_s = 0;
  double bytes_in_per_s = 0, bytes_out_per_s = 0, messages_in_per_s = 0;
  double isr_shrinks_per_s = 0, isr_expands_per_s = 0;
  double gc_ms_per_s = 0;  // time in GC pauses, per second
  double produce_p99_ms = 0, fetch_p99_ms = 0, produce_queue_p99_ms = 0, flush_p99_ms = 0;
  double under_replicated = 0, partitions = 0, leaders = 0;
};
// Rates from `before` to `after`, `seconds` apart (a counter that went down, as after a
// restart, counts from zero).
BrokerView broker_view(const BrokerCounters& before, const BrokerCounters& after, double seconds);
nlohmann::json to_json(const BrokerView& view);

// The metrics endpoints in $STREAMLAB_KAFKA_METRICS (comma-separated URLs; what
// `deploy/local/services env` prints), or none.
std::vector<std::string> broker_metrics_urls_from_env();

// Scrapes each broker's endpoint (loopback HTTP, a short timeout) and keeps the previous scrape
// of each, so every call after the first gives rates. Not thread-safe: one caller.
class BrokerScraper {
 public:
  explicit BrokerScraper(std::vector<std::string> urls,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
  // One view per URL, in their order (empty rates on the first call or after a failed scrape).
  std::vector<BrokerView> sample();
  const std::vector<std::string>& urls() const { return urls_; }

 private:
  struct Last {
    std::chrono::steady_clock::time_point t;
    BrokerCounters counters;
  };
  std::vector<std::string> urls_;
  std::chrono::milliseconds timeout_;
  std::vector<std::optional<Last>> last_;
};

}  // namespace streamlab::host
