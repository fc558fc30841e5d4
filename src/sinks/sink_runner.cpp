#include "sinks/sink_runner.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "core/clock.hpp"
#include "core/shutdown.hpp"

namespace streamlab::sinks {
namespace {

using Clock = std::chrono::steady_clock;

std::string dead_letter_reason(const tweets::ParsedMessage& p) {
  switch (p.kind) {
    case tweets::MessageKind::Tweet:
    case tweets::MessageKind::Counter:
      return {};
    case tweets::MessageKind::Malformed:
      return fmt::format("malformed JSON at byte {}: {}", p.error_offset, p.error);
    case tweets::MessageKind::Notice:
      return fmt::format("stream notice '{}', not a tweet", p.notice);
    case tweets::MessageKind::KeepAlive:
      return "blank message";
    case tweets::MessageKind::Other:
      break;
  }
  return "valid JSON, but neither a tweet nor a counter";
}

bool in(const std::vector<TopicPartition>& set, const Row& r) {
  return std::any_of(set.begin(), set.end(), [&](const TopicPartition& tp) {
    return tp.partition == r.partition() && tp.topic == r.topic();
  });
}

}  // namespace

SinkRunner::SinkRunner(Sink& sink, SinkRunnerOptions options, kafka::Producer* dlq)
    : sink_(sink), options_(std::move(options)), dlq_(dlq) {}

Row SinkRunner::make_row(kafka::MessagePtr message) {
  Row row;
  row.message = std::move(message);
  parser_.parse(row.payload(), row.parsed);
  row.dead_letter_reason = dead_letter_reason(row.parsed);
  if (row.dead_letter_reason.empty()) row.dead_letter_reason = sink_.unmappable(row);
  return row;
}

void SinkRunner::rethrow_if_failed() const {
  if (callback_failure_) std::rethrow_exception(callback_failure_);
}

void SinkRunner::add(kafka::MessagePtr message) {
  rethrow_if_failed();
  if (batch_.rows.empty()) batch_started_ = Clock::now();
  batch_.rows.push_back(make_row(std::move(message)));
  if (batch_.rows.size() >= options_.batch_rows) flush();
}

bool SinkRunner::tick() {
  rethrow_if_failed();
  if (batch_.rows.empty() || Clock::now() - batch_started_ < options_.batch_time) return false;
  flush();
  return true;
}

void SinkRunner::drop_partitions(const std::vector<TopicPartition>& gone) {
  for (auto* rows : {&batch_.rows, &overflow_}) {
    const auto before = rows->size();
    rows->erase(std::remove_if(rows->begin(), rows->end(), [&](const Row& r) { return in(gone, r); }),
                rows->end());
    stats_.skipped_rows += before - rows->size();
  }
}

bool SinkRunner::flush() {
  rethrow_if_failed();
  if (batch_.rows.empty()) return true;
  auto backoff = options_.first_backoff;
  std::optional<Clock::time_point> outage_since;
  std::vector<kafka::MessagePtr> polled;
  for (;;) {
    const auto start = Clock::now();
    try {
      const std::vector<TopicPartition> fenced = sink_.write(options_.group, batch_);
      if (!fenced.empty()) {
        // Stored already: by another member of the group (this process no longer owns the
        // partition), or by an attempt of ours whose reply the outage swallowed.
        for (const auto& tp : fenced) {
          fmt::print(stderr, "sink: rows of {} [{}] in this batch are stored already; skipping them\n",
                     tp.topic, tp.partition);
        }
        drop_partitions(fenced);
        if (batch_.rows.empty()) break;
        continue;
      }
      stats_.commit_us.record(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
      after_commit();
      break;
    } catch (const RetryableError& e) {
      if (!outage_since) {
        outage_since = Clock::now();
        if (consumer_ != nullptr) consumer_->pause();
        fmt::print(stderr, "sink: {} unavailable ({}); consumption paused, retrying\n", sink_.describe(),
                   e.what());
      }
      ++stats_.retries;
      if (core::shutdown_requested()) {
        fmt::print(stderr, "sink: giving up a batch of {} rows on shutdown; it is read again on restart\n",
                   batch_.rows.size());
        return false;
      }
      // Wait by polling, so the group keeps this member and rebalances are served; the few
      // messages fetched before the pause took hold wait in `overflow_`.
      if (consumer_ != nullptr) {
        polled.clear();
        consumer_->poll(polled, 1000, backoff);
        for (auto& m : polled) {
          if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) overflow_.push_back(make_row(std::move(m)));
        }
      } else {
        std::this_thread::sleep_for(backoff);
      }
      backoff = std::min(backoff * 2, options_.max_backoff);
      if (batch_.rows.empty()) break;  // a rebalance took every partition of the batch away
    }
  }
  if (outage_since) {
    if (consumer_ != nullptr) consumer_->resume();
    fmt::print(stderr, "sink: {} is back after {:.1f} s; consumption resumed\n", sink_.describe(),
               std::chrono::duration<double>(Clock::now() - *outage_since).count());
  }
  batch_.rows.clear();
  batch_.rows.swap(overflow_);
  batch_started_ = Clock::now();
  return true;
}

void SinkRunner::after_commit() {
  const std::int64_t now_us = core::wall_ms() * 1000;
  for (const Row& r : batch_.rows) {
    if (r.dead_letter_reason.empty()) {
      ++stats_.rows;
    } else {
      ++stats_.dead_letters;
      if (dlq_ != nullptr) {
        dlq_->send(r.payload(), fmt::format("{}/{}/{}", r.topic(), r.partition(), r.offset()),
                   {{"streamlab-error", r.dead_letter_reason}});
      }
    }
    rd_kafka_timestamp_type_t type;
    const std::int64_t ts = rd_kafka_message_timestamp(r.message.get(), &type);
    if (ts > 0) stats_.end_to_end_us.record(now_us - ts * 1000);
  }
  ++stats_.batches;
  if (consumer_ != nullptr) {
    Offsets next;
    for (const auto& [tp, range] : batch_.ranges()) next[tp] = range.next;
    consumer_->commit_async(next);
  }
  if (dlq_ != nullptr) dlq_->poll();
}

void SinkRunner::on_assign(rd_kafka_topic_partition_list_t* partitions) {
  std::vector<TopicPartition> wanted;
  for (int i = 0; i < partitions->cnt; ++i) {
    wanted.push_back({partitions->elems[i].topic, partitions->elems[i].partition});
  }
  // The sink's own offsets are the truth; without them there is nothing to assign safely,
  // so an outage here is waited out like any other.
  auto backoff = options_.first_backoff;
  Offsets stored;
  try {
    for (;;) {
      try {
        stored = sink_.stored_offsets(options_.group, wanted);
        break;
      } catch (const RetryableError& e) {
        if (core::shutdown_requested()) throw FatalError(fmt::format("sink unavailable at shutdown: {}", e.what()));
        fmt::print(stderr, "sink: cannot read stored offsets ({}); retrying in {} ms\n", e.what(), backoff.count());
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
      }
    }
  } catch (...) {
    callback_failure_ = std::current_exception();
    core::request_shutdown();
    return;
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& p = partitions->elems[i];
    if (auto it = stored.find({p.topic, p.partition}); it != stored.end()) p.offset = it->second;
  }
}

void SinkRunner::on_revoke(const rd_kafka_topic_partition_list_t* partitions) {
  std::vector<TopicPartition> gone;
  for (int i = 0; i < partitions->cnt; ++i) gone.push_back({partitions->elems[i].topic, partitions->elems[i].partition});
  drop_partitions(gone);
}

}  // namespace streamlab::sinks
