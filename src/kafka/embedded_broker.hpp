#pragma once
// librdkafka's in-process mock cluster, for trying streamlab with no Kafka installed.
// Limits: memory only, gone when the process exits; librdkafka 2.0 keeps at most about
// 100,000 message sets or 5 MB per partition and silently drops older ones; no CreateTopics
// (topics are created here, or auto-created on first use).

#include <string>

#include "kafka/client_config.hpp"

struct rd_kafka_mock_cluster_s;

namespace streamlab::kafka {

class EmbeddedBroker {
 public:
  explicit EmbeddedBroker(int brokers = 1);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // Loopback "host:port,..." that any Kafka client, in this process or another, can use.
  std::string bootstraps() const;
  void create_topic(const std::string& name, int partitions);

 private:
  HandlePtr owner_;  // the mock cluster lives inside a client handle
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
};

}  // namespace streamlab::kafka
