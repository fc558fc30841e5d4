#pragma once
// What the owner of a group member does with it besides reading: the sink runner's view of the
// consumer. kafka::Consumer implements it over librdkafka; the unit tests script a fake, so the
// exactly-once logic runs without a broker. Everything here speaks C++ types.

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kafka/message.hpp"

namespace streamlab::kafka {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// An offset per partition: where to resume (the next offset to read).
using Offsets = std::map<TopicPartition, std::int64_t>;
// "Nothing stored" in an Offsets value; as a seek target: where a partition starts when first
// assigned (the group's committed offset, else --from).
constexpr std::int64_t kNoOffset = -1;

class ConsumerControl {
 public:
  virtual ~ConsumerControl() = default;
  // Appends up to `max` messages to `out`, waiting at most `timeout` for the first. Serves the
  // group meanwhile: heartbeats, and rebalance events, whose listener runs inside this call.
  // Error events that are not fatal come back as messages with `error` set.
  virtual std::size_t poll(std::vector<Message>& out, std::size_t max, std::chrono::milliseconds timeout) = 0;
  // Stop / restart fetching these assigned partitions.
  virtual void pause(const std::vector<TopicPartition>& partitions) = 0;
  virtual void resume(const std::vector<TopicPartition>& partitions) = 0;
  // Moves an assigned partition's fetch position (kNoOffset: where it starts when first assigned).
  // Messages polled afterwards carry a newer generation() than any polled before.
  virtual void seek(const TopicPartition& partition, std::int64_t offset) = 0;
  // Commits these next offsets to Kafka without waiting (for lag tools): at once when none was
  // sent in the last 200 ms, else the latest of each partition is sent by a later poll(), or
  // before a revocation or the close, whichever comes first (a writer storing a batch every few
  // milliseconds would otherwise send the group coordinator a commit each time).
  virtual void commit_async(const Offsets& next_offsets) = 0;
  // Bumped by every assignment, revocation and seek; polled messages carry the value current then.
  virtual std::uint64_t generation() const = 0;
  // Makes a poll() waiting for its first message return now (or the next one, when none is
  // waiting). The only call here that any thread may make.
  virtual void wake() {}
};

// What the listener decides for newly assigned partitions.
struct AssignPlan {
  Offsets start;                       // where to start; absent: committed offset, else --from
  std::vector<TopicPartition> paused;  // assign these paused (their start is not known yet)
};

// Told of assignments and revocations, inside poll(), on the polling thread.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Partitions added to this member (under the eager protocol its whole new assignment, under
  // the cooperative one the increment); `generation` is the consumer's after the change.
  virtual AssignPlan on_assign(const std::vector<TopicPartition>& added, std::uint64_t generation) = 0;
  // Partitions taken away (or lost: another member may own them already).
  virtual void on_revoke(const std::vector<TopicPartition>& removed) = 0;
};

}  // namespace streamlab::kafka
