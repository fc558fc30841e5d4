#pragma once
// The sink contract (exactly-once): a sink stores each batch's rows together with the next
// offset of every partition in it, in one atomic step, and tells the consumer where to resume.

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka/consumer.hpp"
#include "tweets/message_parser.hpp"

namespace streamlab::sinks {

using kafka::Offsets;
using kafka::TopicPartition;

// One consumed message, parsed once, with what the sink needs to store it.
struct Row {
  kafka::MessagePtr message;  // owns the payload
  tweets::ParsedMessage parsed;
  // Non-empty: the message cannot be stored as a row and goes to the dead letters.
  std::string dead_letter_reason;

  std::string_view topic() const { return rd_kafka_topic_name(message->rkt); }
  std::int32_t partition() const { return message->partition; }
  std::int64_t offset() const { return message->offset; }
  std::string_view payload() const { return {static_cast<const char*>(message->payload), message->len}; }
};

struct OffsetRange {
  std::int64_t first = 0;  // offset of the partition's first row in the batch
  std::int64_t next = 0;   // the offset to resume from once the batch is stored
};

struct Batch {
  std::vector<Row> rows;
  // Per partition in `rows`, derived from them.
  std::map<TopicPartition, OffsetRange> ranges() const;
};

// An outage (connection lost, server restarting): retry later with consumption paused.
struct RetryableError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Authentication, permission, bad configuration: stop, nothing more is stored.
struct FatalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string describe() const = 0;  // for logs, without secrets

  // Where to resume for these partitions, from the sink's own store; a partition it has never
  // stored is absent (the consumer then uses Kafka's committed offset).
  virtual Offsets stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) = 0;

  // Why this sink cannot store a row that parsed well (it then goes to the dead letters);
  // empty when it can.
  virtual std::string unmappable(const Row&) const { return {}; }

  // Writes the batch's rows, its dead letters and each partition's next offset atomically.
  // Fencing: when the stored offset of a partition is already past the batch's first offset
  // for it (another member of the group stored those rows), nothing is written and the
  // fenced partitions are returned, for the caller to drop their rows and write the rest.
  // Throws RetryableError or FatalError; on either, nothing of the batch is stored.
  virtual std::vector<TopicPartition> write(const std::string& group, const Batch& batch) = 0;
};

}  // namespace streamlab::sinks
