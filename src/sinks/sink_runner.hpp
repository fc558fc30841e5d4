#pragma once
// Between the consumer and a sink: parses each message once, sorts out dead letters, batches
// by rows and time, writes each batch with retries while the sink is out (consumption paused,
// so memory stays bounded), resumes every assigned partition from the sink's own offsets, and
// commits Kafka's offsets after the sink's, for lag tools only.
//
// Pipelined: batch n is written by a BatchWriter (in `consume`, a thread of its own) while the
// polling thread polls and parses batch n+1. At most two batches are open: once batch n+1 is
// full, the polling thread waits for batch n (so consumption pauses). Batch n+1 is handed to
// the writer only after batch n is stored, so its compare-and-set expects what n stored; a
// failed or fenced batch n is retried before n+1. The sink is used by one thread at a time:
// partitions assigned while a write runs wait paused until it is over, and rows of partitions
// revoked meanwhile are dropped from the batch when its outcome is taken.
//
// Exactly once rests on three rules, each checked by tests/unit/sinks/test_sink_runner.cpp:
// - A row is taken only from a partition this member owns, polled at or after the generation
//   at which the partition was last assigned or seeked, at or past the partition's position:
//   messages polled before a rebalance or a seek are stale and dropped (they are read again).
// - Every write is a compare-and-set: the sink applies a partition's rows only where its stored
//   offset is the runner's expected one (what it last stored or read from the sink).
// - A fenced write adopts what the sink holds: rows below it are dropped as stored, the rest is
//   kept when it continues from there, else the partition is seeked to the stored offset.
// Nothing waits inside a rebalance callback: a partition whose stored offset cannot be read
// (the sink is down) is assigned paused and seeked once the sink answers.

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "core/latency_histogram.hpp"
#include "kafka/consumer_control.hpp"
#include "kafka/producer.hpp"
#include "sinks/batch_writer.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks {

struct SinkRunnerOptions {
  std::string group;
  // A drain writes big batches (each one's transaction and round trips amortised), with its
  // memory bounded by batch_bytes (Sink::batch_bytes() says what each store takes best).
  std::size_t batch_rows = 20000;
  std::size_t batch_bytes = kDefaultBatchBytes;  // ... or when its rows' payloads add up to this
  // ... or, while no write runs, once its first row is this old. 0: as soon as the write before
  // it is over, so a live stream's batches are what arrived during the last write (large under
  // load, small when quiet): in steps of streamlab bench into PostgreSQL, 20 ms gave a p99 from
  // the intended send times of 32 ms at 5,000 msgs/s and 44 ms at 100,000; 0 gave 8 and 12 ms,
  // for more transactions (PostgreSQL's CPU 0.05 → 0.12 and 0.24 → 0.36 cores).
  std::chrono::milliseconds batch_time{0};
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

struct SinkStats {
  std::uint64_t rows = 0;          // stored as rows
  std::uint64_t dead_letters = 0;  // stored as dead letters
  std::uint64_t batches = 0;
  // Not written by this process: of partitions revoked before they were stored, polled before
  // a rebalance or seek (read again), or found stored already (by another member, or by an
  // attempt whose reply an outage swallowed).
  std::uint64_t skipped_rows = 0;
  std::uint64_t retries = 0;
  std::uint64_t fences = 0;  // partitions of a write found not as expected
  // Wall clock (µs): the first row taken, the last batch stored; their span is the drain.
  std::int64_t first_taken_us = 0;
  std::int64_t last_stored_us = 0;
  core::LatencyHistogram commit_us;              // one batch's write
  core::LatencyHistogram end_to_end_us;          // Kafka timestamp → stored
  core::LatencyHistogram intended_to_stored_us;  // a paced producer's intended send time → stored
};

class SinkRunner final : public kafka::RebalanceListener {
 public:
  // `dlq` (may be null) also receives each dead letter after it is stored. `clock` (may be
  // null: the steady clock) times batches. `writer` (null: an InlineWriter, no overlap) runs
  // the sink's writes.
  SinkRunner(Sink& sink, SinkRunnerOptions options, kafka::Producer* dlq, core::Clock* clock = nullptr,
             std::unique_ptr<BatchWriter> writer = nullptr);
  ~SinkRunner() override;
  SinkRunner(const SinkRunner&) = delete;
  SinkRunner& operator=(const SinkRunner&) = delete;

  // The consumer is created with this runner as its listener, then attached; detached before
  // it goes: that waits for a write in progress (which wakes the consumer when it ends) and
  // lets go of every row, since rows hold the consumer's messages (librdkafka's destroy waits
  // for them).
  void attach(kafka::ConsumerControl& consumer) { consumer_ = &consumer; }
  void detach();

  // Takes one poll's messages (all of them, in order: a write in between would poll again and
  // take later offsets first), drops the stale ones, and starts writing every full batch
  // (waiting for the batch before it). A write that ends while they are parsed and queued is
  // followed at once by the next batch, of what was queued meanwhile (hand_over).
  void add(std::vector<kafka::Message>& polled);
  // Takes the outcome of a finished write, reads the stored offsets of partitions assigned
  // during an outage or a write once the sink answers, and starts writing what is queued when
  // its oldest row is due and no write runs; true when it started one.
  bool tick();
  // Writes everything queued now, in batches, retrying through outages, and waits until it is
  // stored. On shutdown during an outage the rows are given up (they are read again on
  // restart) and false is returned.
  bool flush();

  const SinkStats& stats() const { return stats_; }
  std::size_t batch_rows() const { return options_.batch_rows; }
  std::size_t open_rows() const { return batch_.rows.size() + queue_.size(); }
  // Every assigned partition knows its stored offset and no row waits to be written.
  bool settled() const;
  // What the sink holds for an owned partition as far as this runner knows (kNoOffset:
  // nothing, or not owned).
  std::int64_t stored(const TopicPartition& tp) const;

  kafka::AssignPlan on_assign(const std::vector<TopicPartition>& added, std::uint64_t generation) override;
  void on_revoke(const std::vector<TopicPartition>& removed) override;

 private:
  struct Owned {
    std::uint64_t since = 0;            // messages polled at an older generation are stale
    bool pending = false;               // stored offset not read yet: paused, takes nothing
    std::int64_t stored = kNoOffset;    // the next write's expected value
    std::int64_t position = kNoOffset;  // next offset to take; kNoOffset: whatever comes first
  };

  Owned* owned(std::string_view topic, std::int32_t partition);
  // Queues the message as a row unless it is stale; counts what it drops.
  void accept(kafka::Message message);
  // Moves the first `batch_rows` queued rows into the batch and starts writing it.
  void start_batch();
  // Between two messages of a poll, the write just ended: when it stored its batch, takes that
  // outcome and starts the next batch if one is due, so that the writer does not idle while
  // the rest of the poll is parsed (live steps at 230,000 msgs/s into PostgreSQL: the longest
  // idle with rows queued 48-64 ms before, 10-15 ms with this).
  void hand_over();
  // Rows are queued and the oldest has waited batch_time (no write runs: the caller's to know).
  bool batch_due();
  // Hands the batch to the writer, expecting each partition's stored offset.
  void start_attempt();
  // Takes the outcome of the batch being written (waiting for it when `block`), and retries it
  // until it is stored, through fences and outages. False when it is still being written
  // (`block` false), or on shutdown during an outage (the batch is given up).
  bool finish_batch(bool block);
  // Owned, and its stored offset known: the batch's outcome applies to it.
  bool ours(const TopicPartition& tp);
  Row make_row(kafka::Message message);
  // Drops buffered rows of `tp` (with offset below `below`, or all when kNoOffset).
  void drop_rows(const TopicPartition& tp, std::int64_t below = kNoOffset);
  void handle_fence(const Offsets& fenced);
  // Drops the partition's rows and moves its fetch to `offset`. When the consumer cannot seek it
  // now (librdkafka between two states of a rebalance: "Erroneous state", or its fetcher not
  // answering in time) the partition waits paused and pending, its stored offset to be read and
  // sought again (resolve_pending); false then.
  bool reposition(const TopicPartition& tp, Owned& o, std::int64_t offset);
  void resolve_pending();
  void begin_outage(const std::exception& e);
  void end_outage();
  void wait(std::chrono::milliseconds how_long);
  void after_commit();
  void rethrow_if_failed() const;

  Sink& sink_;
  SinkRunnerOptions options_;
  kafka::Producer* dlq_;
  core::SteadyClock steady_;
  core::Clock& clock_;
  // A failure inside a rebalance callback cannot unwind through librdkafka's C frames; it is
  // kept here and rethrown on the polling thread's next call.
  std::exception_ptr callback_failure_;
  kafka::ConsumerControl* consumer_ = nullptr;
  tweets::MessageParser parser_;
  std::map<TopicPartition, Owned> owned_;
  const TopicPartition* last_tp_ = nullptr;  // owned() lookup cache; reset when owned_ changes
  Owned* last_owned_ = nullptr;
  Batch batch_;  // being written; its rows are the writer's while `attempt_.running`
  struct Attempt {
    bool running = false;
    Offsets fenced;
    std::exception_ptr error;
    core::Nanos took{};          // the sink's write() of the batch
    std::int64_t stored_us = 0;  // wall clock when it returned
  } attempt_;
  // Taken, not yet in a batch (also what arrives while a write retries). A batch takes the
  // queue's vector whole (swapped, not moved row by row), and a written batch's rows go to
  // spent_, freed once the next write has started: what stands between two writes stays small.
  std::vector<Row> queue_;
  std::vector<Row> spent_;
  std::size_t queued_bytes_ = 0;  // the payloads' sizes of queue_
  core::Nanos queued_since_{};    // when the oldest queued row arrived
  bool outage_ = false;           // consumption paused while the sink is out
  bool given_up_ = false;         // shut down during an outage: nothing more is taken
  core::Nanos outage_since_{};
  core::Nanos next_resolve_{};
  core::Backoff<std::chrono::milliseconds> resolve_backoff_;
  SinkStats stats_;
  std::unique_ptr<BatchWriter> writer_;  // last: destroyed first, once its write has ended
};

}  // namespace streamlab::sinks
