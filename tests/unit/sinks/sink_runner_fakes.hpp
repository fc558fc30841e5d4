#pragma once
// Fakes for driving SinkRunner without a broker or a database, deterministically:
// - FakeCluster: partition logs (offsets with gaps, as transaction markers and compaction leave
//   them), a group coordinator that hands out partitions to members (eager or cooperative) and
//   the group's committed offsets;
// - FakeConsumer: one member's view, a kafka::ConsumerControl; rebalance events are queued by
//   the coordinator and delivered inside poll() (or held back, as for a member that stalled and
//   has not noticed it was put out of the group); pause takes hold only after a few messages
//   already fetched, as librdkafka's does;
// - FakeStore + FakeSink: the database, shared by every member, and one member's client to
//   it, which fails on command (retryable N times, fatal, the write applied but its reply lost);
// - DeferredWriter: a pipelined member's writer, whose write happens only when the test says it
//   ends, so that polls, rebalances and other members' writes come between its start and end.
// Time is a core::FakeClock that moves when the runner waits.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "kafka/consumer_control.hpp"
#include "sinks/batch_writer.hpp"
#include "sinks/sink.hpp"

namespace streamlab::testing {

using kafka::kNoOffset;
using kafka::Offsets;
using kafka::TopicPartition;

struct FakeCluster {
  struct Record {
    std::int64_t offset;
    std::string payload;
  };
  std::map<TopicPartition, std::vector<Record>> logs;
  Offsets committed;
  std::int64_t next_value = 0;

  void create(const std::string& topic, int partitions) {
    for (int p = 0; p < partitions; ++p) logs[{topic, p}];
  }
  // Appends a counter (or, when `payload` is given, that payload) after `gap` unused offsets.
  void append(const TopicPartition& tp, std::int64_t gap = 0, std::optional<std::string> payload = {}) {
    auto& log = logs.at(tp);
    const std::int64_t offset = (log.empty() ? 0 : log.back().offset + 1) + gap;
    log.push_back({offset, payload ? *payload : "{\"number\": " + std::to_string(next_value++) + "}"});
  }
  std::int64_t end(const TopicPartition& tp) const {
    const auto& log = logs.at(tp);
    return log.empty() ? 0 : log.back().offset + 1;
  }
  std::vector<TopicPartition> partitions() const {
    std::vector<TopicPartition> out;
    for (const auto& [tp, log] : logs) out.push_back(tp);
    return out;
  }
};

class FakeConsumer final : public kafka::ConsumerControl {
 public:
  struct Event {
    bool assign;
    std::vector<TopicPartition> partitions;
  };

  FakeConsumer(FakeCluster& cluster, core::FakeClock& clock, std::uint64_t seed)
      : cluster_(cluster), clock_(clock), rng_(seed) {}

  void set_listener(kafka::RebalanceListener* l) { listener_ = l; }
  void queue(Event e) { events_.push_back(std::move(e)); }
  // While held, queued events are not delivered (a stalled member that has not noticed).
  void hold_events(bool hold) { hold_ = hold; }
  bool has_events() const { return !events_.empty(); }
  std::set<TopicPartition> assignment() const {
    std::set<TopicPartition> out;
    for (const auto& [tp, s] : parts_) out.insert(tp);
    return out;
  }
  bool paused(const TopicPartition& tp) const { return parts_.at(tp).paused; }
  std::size_t max_per_poll = 50;
  // Runs first in every poll, also those the runner makes while it retries a write: the
  // outside world (the coordinator, producers, the database coming back) acts there too.
  std::function<void()> on_poll;

  std::size_t poll(std::vector<kafka::Message>& out, std::size_t max, std::chrono::milliseconds timeout) override {
    if (on_poll) on_poll();
    const std::size_t limit = std::min(max, std::uniform_int_distribution<std::size_t>(0, max_per_poll)(rng_));
    // librdkafka serves a rebalance between two messages of one poll: those before it are stale.
    const std::size_t events_after = std::uniform_int_distribution<std::size_t>(0, limit)(rng_);
    std::size_t n = fetch(out, events_after);
    deliver_events();
    n += fetch(out, limit - n);
    if (n == 0) clock_.advance(timeout);
    return n;
  }
  void pause(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) {
      auto& s = parts_.at(tp);
      if (!s.paused) s.after_pause = std::uniform_int_distribution<int>(0, 3)(rng_);
      s.paused = true;
    }
  }
  void resume(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) parts_.at(tp).paused = false;
  }
  void seek(const TopicPartition& tp, std::int64_t offset) override {
    if (failing_seeks > 0) {  // what librdkafka says of a partition mid-rebalance
      --failing_seeks;
      throw core::RuntimeFailure(
          fmt::format("cannot seek {} [{}] to {}: Local: Erroneous state", tp.topic, tp.partition, offset));
    }
    auto& s = parts_.at(tp);
    s.position = offset >= 0 ? offset : start_of(tp);
    s.after_pause = 0;
    ++generation_;
    ++seeks;
  }
  void commit_async(const Offsets& next) override {
    for (const auto& [tp, o] : next) cluster_.committed[tp] = o;
  }
  std::uint64_t generation() const override { return generation_; }

  int seeks = 0;
  int failing_seeks = 0;  // the next ones throw, leaving the position as it was

 private:
  struct PartitionState {
    std::int64_t position = 0;
    bool paused = false;
    int after_pause = 0;  // messages still delivered after a pause (fetched before it)
  };

  // Up to `limit` messages from the assigned partitions, in a random partition order.
  std::size_t fetch(std::vector<kafka::Message>& out, std::size_t limit) {
    std::size_t n = 0;
    std::vector<TopicPartition> order;
    for (const auto& [tp, s] : parts_) order.push_back(tp);
    std::shuffle(order.begin(), order.end(), rng_);
    for (const auto& tp : order) {
      auto& s = parts_.at(tp);
      const auto& log = cluster_.logs.at(tp);
      while (n < limit) {
        if (s.paused && s.after_pause == 0) break;
        auto it = std::lower_bound(log.begin(), log.end(), s.position,
                                   [](const FakeCluster::Record& r, std::int64_t o) { return r.offset < o; });
        if (it == log.end()) break;
        if (s.paused) --s.after_pause;
        out.push_back(kafka::Message::copy(tp.topic, tp.partition, it->offset, it->payload, 1, generation_));
        s.position = it->offset + 1;
        ++n;
      }
    }
    return n;
  }

  std::int64_t start_of(const TopicPartition& tp) const {
    const auto it = cluster_.committed.find(tp);
    return it == cluster_.committed.end() ? 0 : it->second;
  }

  void deliver_events() {
    while (!hold_ && !events_.empty()) {
      Event e = std::move(events_.front());
      events_.pop_front();
      if (e.assign) {
        ++generation_;
        for (const auto& tp : e.partitions) parts_[tp] = {start_of(tp), false, 0};
        const kafka::AssignPlan plan = listener_->on_assign(e.partitions, generation_);
        for (const auto& [tp, offset] : plan.start) parts_.at(tp).position = offset;
        for (const auto& tp : plan.paused) parts_.at(tp).paused = true;
      } else {
        listener_->on_revoke(e.partitions);
        for (const auto& tp : e.partitions) parts_.erase(tp);
        ++generation_;
      }
    }
  }

  FakeCluster& cluster_;
  core::FakeClock& clock_;
  std::mt19937_64 rng_;
  kafka::RebalanceListener* listener_ = nullptr;
  std::deque<Event> events_;
  bool hold_ = false;
  std::map<TopicPartition, PartitionState> parts_;
  std::uint64_t generation_ = 0;
};

// The database: rows (and dead letters) by coordinates, with how often each was stored, and
// each group's offsets; every applied write is checked against the compare-and-set.
struct FakeStore {
  std::map<TopicPartition, std::map<std::int64_t, int>> stored;  // offset → times stored
  std::map<TopicPartition, std::int64_t> offsets;                // one group's stored next offsets
  std::uint64_t dead_letters = 0;
  std::uint64_t writes = 0;
  std::vector<std::string> violations;
};

// Runs a write when it ends: complete() (what the test schedules), or the runner's wait().
class DeferredWriter final : public sinks::BatchWriter {
 public:
  // Asked by finished(): true ends the write there, as a thread would between any two messages.
  std::function<bool()> ends_when_asked;

  void start(std::function<void()> job) override { job_ = std::move(job); }
  bool finished() override {
    if (job_ && ends_when_asked && ends_when_asked()) complete();
    return !job_;
  }
  void wait() override { complete(); }
  void complete() {
    if (!job_) return;
    in_job_ = true;
    job_();
    in_job_ = false;
    job_ = nullptr;
  }
  // A write has started and not ended, and the caller is not that write.
  bool busy_elsewhere() const { return job_ && !in_job_; }

 private:
  std::function<void()> job_;
  bool in_job_ = false;
};

class FakeSink final : public sinks::Sink {
 public:
  explicit FakeSink(FakeStore& store) : store_(store) {}

  // A pipelined member's writer: the sink must not be called beside a write in progress.
  const DeferredWriter* writer = nullptr;

  // Failures on command, consumed in order by the next calls (stored_offsets and write alike).
  // Partial: a sink without one transaction for the whole batch (Ignite) stores the batch's
  // first partition, then fails retryably.
  enum class Fail { Retryable, Fatal, LoseReply, Partial };
  std::deque<Fail> failures;
  bool down = false;  // every call fails retryably while set
  int calls = 0;
  std::vector<std::size_t> batch_rows;  // of each write() call, in order

  std::string describe() const override { return "fake"; }
  Offsets stored_offsets(const std::string&, const std::vector<TopicPartition>& partitions) override {
    ++calls;
    check_one_at_a_time();
    if (down) throw sinks::RetryableError("down");
    if (!failures.empty() && failures.front() != Fail::LoseReply && failures.front() != Fail::Partial) {
      const Fail f = failures.front();
      failures.pop_front();
      if (f == Fail::Fatal) throw sinks::FatalError("fatal");
      throw sinks::RetryableError("outage");
    }
    Offsets out;
    for (const auto& tp : partitions) {
      if (const auto it = store_.offsets.find(tp); it != store_.offsets.end()) out[tp] = it->second;
    }
    return out;
  }
  Offsets write(const std::string&, const sinks::Batch& batch) override {
    ++calls;
    batch_rows.push_back(batch.rows.size());
    check_one_at_a_time();
    // A real store refuses it (Redis: an HSET of no offsets), and it means nothing to write.
    if (batch.rows.empty()) store_.violations.push_back("an empty batch was written");
    if (down) throw sinks::RetryableError("down");
    std::optional<Fail> f;
    if (!failures.empty()) {
      f = failures.front();
      failures.pop_front();
    }
    if (f == Fail::Fatal) throw sinks::FatalError("fatal");
    if (f == Fail::Retryable) throw sinks::RetryableError("outage");
    Offsets now(store_.offsets.begin(), store_.offsets.end());
    auto ranges = batch.ranges();
    if (f == Fail::Partial) ranges.erase(std::next(ranges.begin()), ranges.end());
    if (Offsets fenced = sinks::fenced_partitions(batch, now, ranges); !fenced.empty()) return fenced;
    for (const auto& [tp, range] : ranges) store_.offsets[tp] = range.next;
    for (const sinks::Row& r : batch.rows) {
      if (ranges.count({std::string(r.topic()), r.partition()}) == 0) continue;
      // Twice: what a real store's unique key would reject (or Redis would count twice).
      if (++store_.stored[{std::string(r.topic()), r.partition()}][r.offset()] > 1) {
        store_.violations.push_back("offset " + std::to_string(r.offset()) + " stored twice");
      }
      if (!r.dead_letter_reason.empty()) ++store_.dead_letters;
    }
    ++store_.writes;
    if (f == Fail::LoseReply) throw sinks::RetryableError("reply lost");
    if (f == Fail::Partial) throw sinks::RetryableError("failed after storing one partition");
    return {};
  }

 private:
  void check_one_at_a_time() {
    if (writer != nullptr && writer->busy_elsewhere()) store_.violations.push_back("sink called while a write ran");
  }

  FakeStore& store_;
};

}  // namespace streamlab::testing
