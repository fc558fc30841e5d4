#pragma once
// What the dashboard shows, shared between the consume loop (which only counts and copies
// payloads: a lock per polled batch), the dashboard's own threads (which parse, poll offsets
// and sample processes) and the HTTP server's threads (which read snapshots and /metrics).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/latency_histogram.hpp"
#include "host/broker_metrics.hpp"
#include "kafka/message.hpp"
#include "sinks/sink_runner.hpp"
#include "tweets/message_parser.hpp"
#include "web/hashtag_window.hpp"

namespace streamlab::web {

struct DashboardInfo {
  std::vector<std::string> topics;
  std::string group;
  std::string sink;  // what the sink describes itself as; empty without one
};

struct PartitionOffsets {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t high = 0;       // high watermark: what has been produced
  std::int64_t position = -1;  // next offset this consumer reads; -1 when not known yet
  std::int64_t lag = 0;
};

struct ProcessUsage {
  std::string name;
  double cpu_pct = 0;  // of one core
  std::uint64_t rss_bytes = 0;
};

struct LiveStateLimits {
  std::size_t feed_items = 100;  // cards kept for the feed
  std::size_t top_hashtags = 10;
  std::chrono::seconds hashtag_window{60};
  std::chrono::seconds history{300};  // chart points kept for a page that connects late
  // Payloads waiting to be parsed (hashtags, feed), taken every 50 ms: at most ~20 MB/s is
  // copied and parsed (~10k tweets/s, ~1M counters/s). Beyond, messages are only counted
  // (streamlab_dashboard_unparsed_messages_total) and hashtags become a sample.
  std::size_t pending_bytes = 1u << 20;
};

class LiveState {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LiveState(DashboardInfo info, LiveStateLimits limits = {});

  // --- the consume loop (cheap) ---
  void record(const std::vector<kafka::Message>& batch);
  void record(std::string_view payload, std::int32_t partition, std::int64_t offset, std::int64_t timestamp_ms);
  // Copies the sink's counters at most every 100 ms.
  void record_sink(const sinks::SinkStats& stats);

  // --- the dashboard's threads ---
  void set_partitions(std::vector<PartitionOffsets> partitions, double produced_per_s);
  void set_processes(std::vector<ProcessUsage> processes);
  // The brokers' own metrics (their JMX exporters), when the dashboard was given them.
  void set_brokers(std::vector<host::BrokerView> brokers);
  // Parses what arrived since the last call: hashtags of every message, cards of the newest.
  void analyze();
  // Closes one update: rates, a chart point, the snapshot sent to every page.
  void tick();
  void stop();

  // --- readers ---
  struct Cursor {
    std::uint64_t seq = 0;      // last snapshot sent
    std::uint64_t feed_id = 0;  // last card sent
  };
  // Waits up to `timeout` for a snapshot newer than the cursor's and writes it as one JSON
  // object (with the info and chart history on a cursor's first call, and the cards it has
  // not had). False on timeout or stop (then `stopped()` tells which).
  bool next_event(Cursor& cursor, std::string& out, std::chrono::milliseconds timeout);
  bool stopped() const;
  std::string metrics() const;
  nlohmann::json snapshot() const;  // the latest snapshot's stats

  std::uint64_t consumed() const;

 private:
  struct Pending {
    std::int32_t partition;
    std::int64_t offset;
    std::int64_t timestamp_ms;
    std::size_t begin, size;
  };
  struct Sample {
    Clock::time_point t;
    std::uint64_t consumed, bytes, rows, batches;
  };
  void add_locked(std::string_view payload, std::int32_t partition, std::int64_t offset, std::int64_t timestamp_ms,
                  std::int64_t now_us);
  void add_card(const tweets::ParsedMessage& m, std::string_view payload, const Pending& p);

  const DashboardInfo info_;
  const LiveStateLimits limits_;
  const Clock::time_point epoch_ = Clock::now();

  // Written by the consume loop.
  mutable std::mutex in_mu_;
  std::uint64_t consumed_ = 0, bytes_ = 0;
  core::LatencyHistogram latency_us_;
  std::string pending_bytes_;
  std::vector<Pending> pending_;
  std::uint64_t unanalyzed_ = 0;
  bool have_sink_stats_ = false;
  sinks::SinkStats sink_;
  Clock::time_point sink_copied_{};

  // Parser side (the ticker thread only).
  tweets::MessageParser parser_;
  tweets::ParsedMessage parsed_;
  std::string scratch_bytes_;
  std::vector<Pending> scratch_;
  HashtagWindow hashtags_;
  std::deque<Sample> samples_;

  // Read by the server's threads.
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool stopped_ = false;
  std::uint64_t seq_ = 0;
  std::uint64_t next_card_ = 1;
  std::deque<std::pair<std::uint64_t, std::string>> feed_;  // card id, card JSON
  std::vector<std::pair<std::string, std::uint64_t>> top_;
  std::vector<PartitionOffsets> partitions_;
  std::vector<host::BrokerView> brokers_;
  double produced_per_s_ = 0;
  std::vector<ProcessUsage> processes_;
  std::deque<std::pair<Clock::time_point, std::string>> history_;  // chart points
  std::map<std::string, std::uint64_t> kinds_;
  nlohmann::json stats_;
  std::string stats_text_;
};

}  // namespace streamlab::web
