#pragma once
// Topic administration through librdkafka's Admin API (what the lab's Topic.sh did).

#include <cstdint>
#include <string>
#include <vector>

#include "kafka/client_config.hpp"

namespace streamlab::kafka {

struct PartitionInfo {
  std::int32_t id = 0;
  std::int32_t leader = -1;
  std::vector<std::int32_t> replicas, isr;
  std::int64_t low = -1, high = -1;  // watermark offsets; high - low = messages held
  std::string error;                 // per-partition error, empty when none
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
  std::string error;
};

// What Admin::describe tells, through any client handle (a consumer's too).
std::vector<TopicInfo> describe_topics(rd_kafka_t* rk, const std::string& name, bool watermarks);

class Admin {
 public:
  // Properties of `options` that only consumers take are left out (for_role): an admin client
  // works beside a command's consumer, with its -X.
  explicit Admin(const ClientOptions& options);

  // Throws RuntimeFailure with the broker's reason (e.g. the topic already exists) unless
  // `if_not_exists` and the topic is already there. Returns once every broker serves every
  // partition with a leader, so a consumer or producer started next finds it whichever it asks.
  void create_topic(const std::string& name, int partitions, int replication_factor, const Properties& configs = {},
                    bool if_not_exists = false);
  void delete_topic(const std::string& name);
  // Brokers in the cluster, as the metadata lists them.
  int broker_count();
  // All topics when `name` is empty (internal ones, starting with "__", left out).
  std::vector<TopicInfo> describe(const std::string& name = {}, bool watermarks = true);
  rd_kafka_t* handle() const { return rk_.get(); }

 private:
  // Until every broker that answers has the topic in its metadata with a leader for each
  // partition (RuntimeFailure after the admin timeout).
  void wait_until_served(const std::string& name);

  ClientOptions options_;  // for this producer-type handle (for_role)
  HandlePtr rk_;
};

}  // namespace streamlab::kafka
