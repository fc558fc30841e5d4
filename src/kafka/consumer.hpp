#pragma once
// RAII over a librdkafka group consumer. Where a partition starts is decided on its first
// assignment (beginning, end, or the group's committed offset); after a rebalance hands a
// partition back, it continues from the committed offset.

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/client_config.hpp"

namespace streamlab::kafka {

enum class StartFrom { Beginning, End, Stored };

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

class Consumer {
 public:
  Consumer(const ClientOptions& options, std::string group, std::vector<std::string> topics,
           StartFrom from);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Appends up to `max` messages to `out`, waiting at most `timeout` for the first one.
  // Error events that are not fatal are returned as messages with `err` set.
  // Throws RuntimeFailure on a fatal consumer error.
  std::size_t poll(std::vector<MessagePtr>& out, std::size_t max, std::chrono::milliseconds timeout);

  // Leaves the group, committing what was consumed (auto-commit); idempotent.
  void close();
  rd_kafka_t* handle() const { return rk_.get(); }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);

  StartFrom from_;
  HandlePtr rk_;
  std::set<std::pair<std::string, std::int32_t>> started_;  // partitions assigned before
  bool closed_ = false;
};

}  // namespace streamlab::kafka
