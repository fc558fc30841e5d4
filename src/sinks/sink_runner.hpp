#pragma once
// Between the consumer and a sink: parses each message once, sorts out dead letters, batches
// by rows and time, writes each batch with retries while the sink is out (consumption paused,
// so memory stays bounded), resumes every assigned partition from the sink's own offsets, and
// commits Kafka's offsets after the sink's, for lag tools only.

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "core/latency_histogram.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks {

struct SinkRunnerOptions {
  std::string group;
  std::size_t batch_rows = 5000;
  std::chrono::milliseconds batch_time{20};
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

struct SinkStats {
  std::uint64_t rows = 0;          // stored as rows
  std::uint64_t dead_letters = 0;  // stored as dead letters
  std::uint64_t batches = 0;
  // Not written by this process: of partitions revoked before they were stored, or found
  // stored already (by another member, or by an attempt whose reply an outage swallowed).
  std::uint64_t skipped_rows = 0;
  std::uint64_t retries = 0;
  core::LatencyHistogram commit_us;    // one batch's write
  core::LatencyHistogram end_to_end_us;  // Kafka timestamp → stored
};

class SinkRunner final : public kafka::RebalanceListener {
 public:
  // `dlq` (may be null) also receives each dead letter after it is stored.
  SinkRunner(Sink& sink, SinkRunnerOptions options, kafka::Producer* dlq);

  // The consumer is created with this runner as its listener, then attached.
  void attach(kafka::Consumer& consumer) { consumer_ = &consumer; }

  // Takes a consumed message into the open batch; writes the batch when it is full.
  void add(kafka::MessagePtr message);
  // Writes the open batch when its time is up; true when it did.
  bool tick();
  // Writes the open batch now, retrying through outages. On shutdown during an outage the
  // batch is given up (it is read again on restart) and false is returned.
  bool flush();

  const SinkStats& stats() const { return stats_; }
  std::size_t open_rows() const { return batch_.rows.size() + overflow_.size(); }

  void on_assign(rd_kafka_topic_partition_list_t* partitions) override;
  void on_revoke(const rd_kafka_topic_partition_list_t* partitions) override;

 private:
  Row make_row(kafka::MessagePtr message);
  void drop_partitions(const std::vector<TopicPartition>& gone);
  void after_commit();

  void rethrow_if_failed() const;

  Sink& sink_;
  SinkRunnerOptions options_;
  // A failure inside a rebalance callback cannot unwind through librdkafka's C frames; it is
  // kept here and rethrown on the polling thread's next call.
  std::exception_ptr callback_failure_;
  kafka::Producer* dlq_;
  kafka::Consumer* consumer_ = nullptr;
  tweets::MessageParser parser_;
  Batch batch_;
  std::vector<Row> overflow_;  // consumed while a write was being retried
  std::chrono::steady_clock::time_point batch_started_;
  SinkStats stats_;
};

}  // namespace streamlab::sinks
