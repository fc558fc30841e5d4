#pragma once
// RAII over a librdkafka group consumer. Where a partition starts is decided on its first
// assignment (beginning, end, or the group's committed offset); after a rebalance hands a
// partition back, it continues from the committed offset.

#include <chrono>
#include <compare>
#include <map>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/client_config.hpp"

namespace streamlab::kafka {

enum class StartFrom { Beginning, End, Stored };

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// An offset per partition: where to resume (the next offset to read).
using Offsets = std::map<TopicPartition, std::int64_t>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// Told of assignments and revocations, inside poll(), on the polling thread.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // May set a partition's start offset; one left RD_KAFKA_OFFSET_INVALID starts from the
  // group's committed offset (else auto.offset.reset).
  virtual void on_assign(rd_kafka_topic_partition_list_t* partitions) = 0;
  virtual void on_revoke(const rd_kafka_topic_partition_list_t* partitions) = 0;
};

class Consumer {
 public:
  // With a listener, offsets are committed only through commit(): whoever stores the
  // messages decides when they count as consumed.
  Consumer(const ClientOptions& options, std::string group, std::vector<std::string> topics,
           StartFrom from, RebalanceListener* listener = nullptr);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Appends up to `max` messages to `out`, waiting at most `timeout` for the first one.
  // Error events that are not fatal are returned as messages with `err` set.
  // Throws RuntimeFailure on a fatal consumer error.
  std::size_t poll(std::vector<MessagePtr>& out, std::size_t max, std::chrono::milliseconds timeout);

  // Stops / restarts fetching for every assigned partition (a sink outage).
  void pause();
  void resume();
  // Commits these next offsets to Kafka without waiting (for lag tools).
  void commit_async(const Offsets& next_offsets);

  // Leaves the group (committing what was consumed, without a listener); idempotent.
  void close();
  rd_kafka_t* handle() const { return rk_.get(); }
  // How many assignments this member has received; changes on every rebalance that gives it
  // partitions (an idle timer restarts then: waiting for the group is not idleness).
  std::uint64_t assignments() const { return assignments_; }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);

  StartFrom from_;
  RebalanceListener* listener_;
  HandlePtr rk_;
  std::set<std::pair<std::string, std::int32_t>> started_;  // partitions assigned before
  bool closed_ = false;
  std::uint64_t assignments_ = 0;
};

}  // namespace streamlab::kafka
