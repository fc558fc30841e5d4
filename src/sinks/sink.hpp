#pragma once
// The sink contract (exactly-once): a sink stores each batch's rows together with the next
// offset of every partition in it, in one atomic step, and tells the consumer where to resume.

#include <chrono>
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
  // Non-empty: the message cannot be stored as a row and goes to the dead letters. Mutable:
  // write() sets it on a row the store refused for its data (see Sink::write and
  // RefusedRows), so the caller counts and forwards that row as the dead letter it became.
  mutable std::string dead_letter_reason;

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
// The same for the partitions of `ranges` (some of batch.ranges()) alone.
Offsets fenced_partitions(const Batch& batch, const Offsets& stored,
                          const std::map<TopicPartition, OffsetRange>& ranges);

// Rows of a batch that one write() turned into dead letters because the store refused their
// data (a PostgreSQL data exception, an Ignite node rejecting a row). The marks are undone when
// the object goes without keep(): a write that throws or is fenced leaves the batch as it came,
// and the next attempt finds the refused rows again. Must not outlive the batch.
class RefusedRows {
 public:
  RefusedRows() = default;
  RefusedRows(const RefusedRows&) = delete;
  RefusedRows& operator=(const RefusedRows&) = delete;
  ~RefusedRows();

  void mark(const Row& row, std::string reason);
  std::size_t size() const { return marked_.size(); }
  // The write is complete: the marks stay.
  void keep() { marked_.clear(); }

 private:
  std::vector<const Row*> marked_;
};

// How many bytes of messages a batch holds at most, unless the sink or the user says otherwise
// (consume --batch-mb): ~3,700 synthetic tweets of ~2.3 kB, its memory bounded.
inline constexpr std::size_t kDefaultBatchBytes = 8 << 20;

// How long a store may leave a request unanswered before the sink takes it as gone: the
// connection is dropped and the write fails with RetryableError (consume --sink-timeout).
inline constexpr std::chrono::milliseconds kDefaultSinkTimeout{30000};

// An outage (connection lost, server restarting, no answer): retry later with consumption paused.
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

  // The batch size by bytes this store is written at best (consume --batch-mb's default): a
  // store whose every batch costs a fixed wait (PostgreSQL's COMMIT) takes bigger ones.
  virtual std::size_t batch_bytes() const { return kDefaultBatchBytes; }

  // Writes the batch's rows, its dead letters and each partition's next offset atomically.
  // A row the store refuses for its data (what unmappable could not foresee) is found and
  // stored as a dead letter with the store's message instead (its dead_letter_reason is set,
  // through RefusedRows); the rest of the batch is stored as usual. Such a refusal is never an
  // error: only the store's own trouble is.
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
