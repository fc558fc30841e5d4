#pragma once
// The sink contract (exactly-once): a sink stores each batch's rows together with the next
// offset of every partition in it, in one atomic step, and tells the consumer where to resume.

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka/consumer_control.hpp"
#include "kafka/message.hpp"
#include "tweets/message_parser.hpp"

namespace streamlab::sinks {

using kafka::kNoOffset;
using kafka::Offsets;
using kafka::TopicPartition;

// One consumed message, parsed once, with what the sink needs to store it.
struct Row {
  kafka::Message message;  // owns the payload
  tweets::ParsedMessage parsed;
  // Non-empty: the message cannot be stored as a row and goes to the dead letters.
  std::string dead_letter_reason;

  std::string_view topic() const { return message.topic; }
  std::int32_t partition() const { return message.partition; }
  std::int64_t offset() const { return message.offset; }
  std::int64_t timestamp_ms() const { return message.timestamp_ms; }  // -1 when Kafka has none
  std::string_view payload() const { return message.payload; }
};

struct OffsetRange {
  std::int64_t first = 0;  // offset of the partition's first row in the batch
  std::int64_t next = 0;   // the offset to resume from once the batch is stored
};

struct Batch {
  std::vector<Row> rows;
  // Per partition in `rows`: the offset the sink must hold now for this write to apply (the
  // runner's expected position; absent: nothing stored yet). A compare-and-set, so a member
  // that lost a partition, or a retry after a lost reply, can never write over other rows.
  Offsets expected;
  // Per partition in `rows`, derived from them.
  std::map<TopicPartition, OffsetRange> ranges() const;
  // The expected value of a partition, kNoOffset when nothing is stored.
  std::int64_t expected_of(const TopicPartition& tp) const {
    const auto it = expected.find(tp);
    return it == expected.end() ? kNoOffset : it->second;
  }
};

// The partitions of `batch` whose stored offset (`stored`, absent: nothing) is not what the
// batch expects, with what is stored (kNoOffset: nothing): the compare of the sinks' fence.
Offsets fenced_partitions(const Batch& batch, const Offsets& stored);

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
  // empty when it can. This base answers for every store (what the parser found invalid: a
  // date outside years 0001-9999, a counter beyond 64 bits); an override adds its store's own
  // limits and asks the base first.
  virtual std::string unmappable(const Row& row) const { return row.parsed.invalid; }

  // Writes the batch's rows, its dead letters and each partition's next offset atomically.
  // Fencing: where a partition's stored offset is not `batch.expected_of(tp)` (another member
  // stored rows, or an attempt whose reply was lost did), nothing of that partition is stored
  // and the partitions are returned with what the sink holds (kNoOffset: nothing); the caller
  // then drops what is stored already and writes the rest. A transactional sink stores
  // nothing of the batch when any partition is fenced; one without transactions (Ignite) may
  // have stored the other partitions, which the caller finds out on its next attempt.
  // Throws RetryableError or FatalError; on either, nothing of the batch is stored.
  virtual Offsets write(const std::string& group, const Batch& batch) = 0;
};

}  // namespace streamlab::sinks
