#pragma once
// `consume --until-end`: has the group read (and, with a sink, stored) every partition of the
// subscribed topics up to the high watermark the partition had when first looked at? This
// member's own partitions count by how far it has read them; the others (held by other
// members, or by members that died and have not timed out yet) by what the group stored:
// the sink's offsets, or without a sink Kafka's committed ones. So a member that was handed
// only some partitions does not stop while the rest are unread.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "sinks/sink_runner.hpp"

namespace streamlab::commands {

class EndOfTopics {
 public:
  // `sink` and `runner` are null without --sink. `client`: the consumer's brokers and
  // properties, for a handle of its own that asks for the high watermarks (the consumer's would
  // queue each request behind its fetch in flight, up to fetch.wait.max.ms per partition).
  EndOfTopics(std::vector<std::string> topics, std::string group, kafka::Consumer& consumer, sinks::Sink* sink,
              sinks::SinkRunner* runner, const kafka::ClientOptions& client);

  // Cheap while this member's own partitions are not done; else asks the cluster and the sink
  // at most twice a second.
  bool reached();

 private:
  bool own_partitions_done() const;
  // The high watermark of each partition not seen before (the ones seen keep theirs); false
  // while a topic is not served yet.
  bool learn_targets();

  std::vector<std::string> topics_;
  std::string group_;
  kafka::Consumer& consumer_;
  kafka::Admin admin_;
  sinks::Sink* sink_;
  sinks::SinkRunner* runner_;
  std::map<kafka::TopicPartition, std::int64_t> target_;  // high watermark when first seen
  std::map<kafka::TopicPartition, std::int64_t> low_;
  std::chrono::steady_clock::time_point next_check_{};
};

}  // namespace streamlab::commands
