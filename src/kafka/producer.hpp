#pragma once
// RAII over a librdkafka producer for one topic: idempotent, acks=all, counts what the
// broker acknowledged and what failed.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/client_config.hpp"
#include "kafka/client_stats.hpp"

namespace streamlab::kafka {

// How long a topic a broker's metadata lacks may still be spreading through the cluster.
inline constexpr std::chrono::seconds kUnknownTopicGrace{10};

class Producer {
 public:
  Producer(const ClientOptions& options, std::string topic);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Queues a copy of `payload` (and `key` when not empty); while librdkafka's local queue is
  // full it serves delivery reports and retries, so memory stays bounded. A topic librdkafka
  // calls unknown is asked for again during kUnknownTopicGrace before that is an error.
  void send(std::string_view payload, std::string_view key = {}, const Headers& headers = {});
  // Queues copies of `payloads` (no key, no headers) in one call, partitioned as send() would:
  // librdkafka then reads its clocks once for them all, not twice a message (a fifth of a
  // counters producer's thread went to clock_gettime and gettimeofday). What it does not take
  // goes through send() one by one, with its retries and errors.
  void send_batch(std::span<const std::string_view> payloads);
  // Learns the topic's partitions and leaders now, waiting up to `timeout` (a topic just
  // created may be unknown for a moment), so the first message does not wait for them: a paced
  // producer's first messages would otherwise be late. Nothing is thrown: send() reports.
  void learn_topic(std::chrono::milliseconds timeout);
  // Serves delivery reports without waiting.
  void poll();
  // Waits for everything in flight; true when nothing is left.
  bool flush(std::chrono::milliseconds timeout);

  std::uint64_t sent() const { return sent_; }
  std::uint64_t acked() const { return acked_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  std::uint64_t acked_bytes() const { return acked_bytes_.load(std::memory_order_relaxed); }
  std::uint64_t in_flight() const { return sent_ - acked() - failed(); }
  std::string first_error() const;
  rd_kafka_t* handle() const { return rk_.get(); }
  // Retries and leader changes, from librdkafka's statistics (served by poll and flush).
  StatsWatch& stats_watch() { return stats_; }
  const StatsWatch& stats_watch() const { return stats_; }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque);

  std::string topic_;
  HandlePtr rk_;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::vector<rd_kafka_message_t> batch_;  // send_batch's, reused
  std::uint64_t sent_ = 0;
  std::atomic<std::uint64_t> acked_{0}, failed_{0}, acked_bytes_{0};
  mutable std::mutex error_mutex_;
  std::string first_error_;
  StatsWatch stats_;
};

}  // namespace streamlab::kafka
