#include "sinks/sink_runner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.hpp"
#include "core/shutdown.hpp"

namespace streamlab::sinks {
namespace {

using std::chrono::milliseconds;

std::string dead_letter_reason(const tweets::ParsedMessage& p) {
  switch (p.kind) {
    case tweets::MessageKind::Tweet:
    case tweets::MessageKind::Counter: return {};
    case tweets::MessageKind::Malformed: return fmt::format("malformed JSON at byte {}: {}", p.error_offset, p.error);
    case tweets::MessageKind::Notice: return fmt::format("stream notice '{}', not a tweet", p.notice);
    case tweets::MessageKind::KeepAlive: return "blank message";
    case tweets::MessageKind::Other: break;
  }
  return "valid JSON, but neither a tweet nor a counter";
}

bool of(const Row& r, const TopicPartition& tp) { return r.partition() == tp.partition && r.topic() == tp.topic; }

}  // namespace

SinkRunner::SinkRunner(Sink& sink, SinkRunnerOptions options, kafka::Producer* dlq, core::Clock* clock,
                       std::unique_ptr<BatchWriter> writer)
    : sink_(sink),
      options_(std::move(options)),
      dlq_(dlq),
      clock_(clock != nullptr ? *clock : steady_),
      resolve_backoff_(options_.first_backoff, options_.max_backoff),
      writer_(writer != nullptr ? std::move(writer) : std::make_unique<InlineWriter>()) {}

// A write still running uses the batch and the sink: it ends before either goes.
SinkRunner::~SinkRunner() { writer_->wait(); }

Row SinkRunner::make_row(kafka::Message message) {
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

SinkRunner::Owned* SinkRunner::owned(std::string_view topic, std::int32_t partition) {
  if (last_tp_ != nullptr && last_tp_->partition == partition && last_tp_->topic == topic) return last_owned_;
  const auto it = owned_.find(TopicPartition{std::string(topic), partition});
  if (it == owned_.end()) return nullptr;
  last_tp_ = &it->first;
  last_owned_ = &it->second;
  return last_owned_;
}

void SinkRunner::accept(kafka::Message message) {
  if (!message.error.empty()) return;
  if (given_up_) {
    ++stats_.skipped_rows;
    return;
  }
  Owned* o = owned(message.topic, message.partition);
  if (o == nullptr || o->pending || message.generation < o->since ||
      (o->position != kNoOffset && message.offset < o->position)) {
    ++stats_.skipped_rows;
    return;
  }
  o->position = message.offset + 1;
  if (stats_.first_taken_us == 0) stats_.first_taken_us = core::wall_us();
  if (queue_.empty()) queued_since_ = clock_.now();
  queued_bytes_ += message.payload.size();
  queue_.push_back(make_row(std::move(message)));
}

void SinkRunner::add(std::vector<kafka::Message>& polled) {
  rethrow_if_failed();
  for (auto& m : polled) {
    accept(std::move(m));
    if (attempt_.running && writer_->finished()) hand_over();
  }
  polled.clear();
  while (queue_.size() >= options_.batch_rows || queued_bytes_ >= options_.batch_bytes) {
    if (!finish_batch(true)) return;
    // Retrying the batch before polls, and a rebalance served there may have taken the queue.
    if (queue_.empty()) return;
    start_batch();
  }
}

void SinkRunner::hand_over() {
  // A write that failed or was fenced is retried where the runner may poll (finish_batch): not
  // here, with the rest of this poll's messages not yet queued behind what such a poll returns.
  if (attempt_.error || !attempt_.fenced.empty()) return;
  finish_batch(false);
  if (batch_due()) start_batch();
}

bool SinkRunner::batch_due() { return !queue_.empty() && clock_.now() - queued_since_ >= options_.batch_time; }

bool SinkRunner::tick() {
  rethrow_if_failed();
  if (!finish_batch(false)) return false;
  if (!batch_due()) {
    resolve_pending();
    return false;
  }
  start_batch();
  return true;
}

bool SinkRunner::settled() const {
  return open_rows() == 0 && std::none_of(owned_.begin(), owned_.end(), [](const auto& o) { return o.second.pending; });
}

bool SinkRunner::ours(const TopicPartition& tp) {
  const Owned* o = owned(tp.topic, tp.partition);
  return o != nullptr && !o->pending;
}

std::int64_t SinkRunner::stored(const TopicPartition& tp) const {
  const auto it = owned_.find(tp);
  return it == owned_.end() ? kNoOffset : it->second.stored;
}

void SinkRunner::drop_rows(const TopicPartition& tp, std::int64_t below) {
  const auto gone = [&](const Row& r) { return of(r, tp) && (below == kNoOffset || r.offset() < below); };
  const auto before = open_rows();
  if (!attempt_.running) std::erase_if(batch_.rows, gone);  // else when the outcome is taken
  std::erase_if(queue_, gone);
  queued_bytes_ = 0;
  for (const Row& r : queue_) queued_bytes_ += r.payload().size();
  stats_.skipped_rows += before - open_rows();
}

bool SinkRunner::reposition(const TopicPartition& tp, Owned& o, std::int64_t offset) {
  drop_rows(tp);
  try {
    consumer_->seek(tp, offset);
  } catch (const core::RuntimeFailure& e) {
    fmt::print(stderr, "sink: {}; the partition waits paused and is positioned again\n", e.what());
    consumer_->pause({tp});
    o.pending = true;
    next_resolve_ = clock_.now() + resolve_backoff_.next();
    return false;
  }
  o.since = consumer_->generation();
  o.position = offset;
  return true;
}

void SinkRunner::handle_fence(const Offsets& fenced) {
  for (const auto& [tp, held] : fenced) {
    Owned* o = owned(tp.topic, tp.partition);
    if (o == nullptr) {  // cannot happen: rows of a partition go when it does
      drop_rows(tp);
      continue;
    }
    std::int64_t lowest = o->position;
    for (const Row& r : batch_.rows) {
      if (of(r, tp)) lowest = std::min(lowest, r.offset());
    }
    if (held == kNoOffset) {
      // The store lost its offset (an in-memory Ignite node restarted, a table was emptied):
      // go on from here, as for a partition the sink never stored.
      fmt::print(stderr, "sink: {} holds no offset for {} [{}] any more; storing on from offset {}\n", sink_.describe(),
                 tp.topic, tp.partition, lowest);
      o->stored = kNoOffset;
      continue;
    }
    o->stored = held;
    if (held >= lowest && held <= o->position) {
      // Stored up to `held` already (our own attempt whose reply was lost, or another member):
      // what is buffered from there on continues it.
      drop_rows(tp, held);
    } else {
      fmt::print(stderr, "sink: {} [{}] is stored up to offset {}, not {}; reading on from there\n", tp.topic,
                 tp.partition, held, lowest);
      reposition(tp, *o, held);
    }
  }
}

void SinkRunner::detach() {
  writer_->wait();
  batch_.rows.clear();
  queue_.clear();
  spent_.clear();
  queued_bytes_ = 0;
  consumer_ = nullptr;
}

bool SinkRunner::flush() {
  rethrow_if_failed();
  for (;;) {
    if (!finish_batch(true)) return false;
    if (queue_.empty()) {
      spent_.clear();
      return true;
    }
    start_batch();
  }
}

void SinkRunner::start_batch() {
  // The sink is free between two batches: partitions assigned while the last one was written
  // learn their stored offsets first, or under a steady backlog they would wait for its end.
  resolve_pending();
  // Up to batch_rows rows, and no further once their payloads reach batch_bytes.
  std::size_t n = 0;
  std::size_t bytes = 0;
  while (n < queue_.size() && n < options_.batch_rows && bytes < options_.batch_bytes) {
    bytes += queue_[n++].payload().size();
  }
  queued_bytes_ -= bytes;
  batch_.rows.clear();
  batch_.rows.swap(queue_);
  queue_.assign(std::make_move_iterator(batch_.rows.begin() + static_cast<std::ptrdiff_t>(n)),
                std::make_move_iterator(batch_.rows.end()));
  batch_.rows.erase(batch_.rows.begin() + static_cast<std::ptrdiff_t>(n), batch_.rows.end());
  queued_since_ = clock_.now();
  start_attempt();
  spent_.clear();  // while the batch is written
}

void SinkRunner::start_attempt() {
  batch_.expected.clear();
  for (const auto& [tp, range] : batch_.ranges()) {
    if (const std::int64_t s = stored(tp); s != kNoOffset) batch_.expected[tp] = s;
  }
  attempt_ = Attempt{};
  attempt_.running = true;
  writer_->start([this] {
    const auto start = clock_.now();
    try {
      attempt_.fenced = sink_.write(options_.group, batch_);
    } catch (...) {
      attempt_.error = std::current_exception();
    }
    attempt_.took = clock_.now() - start;
    attempt_.stored_us = core::wall_us();
    if (consumer_ != nullptr) consumer_->wake();  // the polling thread takes the outcome without waiting out its poll
  });
}

bool SinkRunner::finish_batch(bool block) {
  if (given_up_) return false;
  if (!attempt_.running) return true;
  if (!block && !writer_->finished()) return false;
  core::Backoff backoff(options_.first_backoff, options_.max_backoff);
  for (;;) {
    writer_->wait();
    attempt_.running = false;
    if (!attempt_.error && attempt_.fenced.empty()) {
      stats_.commit_us.record(std::chrono::duration_cast<std::chrono::microseconds>(attempt_.took).count());
      after_commit();
      break;
    }
    // Not stored: rows of partitions revoked (or assigned anew) while it ran are not ours to
    // retry; their new owner reads the sink's offsets.
    for (const auto& [tp, range] : batch_.ranges()) {
      if (!ours(tp)) drop_rows(tp);
    }
    if (attempt_.error) {
      try {
        std::rethrow_exception(attempt_.error);
      } catch (const RetryableError& e) {
        begin_outage(e);
        ++stats_.retries;
        if (core::shutdown_requested()) {
          // Nothing more is taken: a later row stored after these were given up would leave a gap.
          fmt::print(stderr, "sink: giving up {} rows on shutdown; they are read again on restart\n", open_rows());
          stats_.skipped_rows += open_rows();
          batch_.rows.clear();
          queue_.clear();
          queued_bytes_ = 0;
          given_up_ = true;
          return false;
        }
        wait(backoff.next());
      }
    } else {
      stats_.fences += attempt_.fenced.size();
      Offsets fenced;
      for (const auto& [tp, held] : attempt_.fenced) {
        if (ours(tp)) fenced.emplace(tp, held);
      }
      handle_fence(fenced);
    }
    if (batch_.rows.empty()) break;  // a rebalance or the fence took every row of the batch away
    start_attempt();
  }
  end_outage();
  spent_.clear();
  spent_.swap(batch_.rows);
  return true;
}

void SinkRunner::begin_outage(const std::exception& e) {
  if (outage_) return;
  outage_ = true;
  outage_since_ = clock_.now();
  std::vector<TopicPartition> all;
  for (const auto& [tp, o] : owned_) all.push_back(tp);
  consumer_->pause(all);
  fmt::print(stderr, "sink: {} unavailable ({}); consumption paused, retrying\n", sink_.describe(), e.what());
}

void SinkRunner::end_outage() {
  if (!outage_) return;
  outage_ = false;
  std::vector<TopicPartition> ready;
  for (const auto& [tp, o] : owned_) {
    if (!o.pending) ready.push_back(tp);
  }
  consumer_->resume(ready);
  fmt::print(stderr, "sink: {} is back after {:.1f} s; consumption resumed\n", sink_.describe(),
             std::chrono::duration<double>(clock_.now() - outage_since_).count());
}

// Waits by polling, so the group keeps this member and rebalances are served; the few
// messages fetched before a pause took hold are queued behind the batch.
void SinkRunner::wait(milliseconds how_long) {
  std::vector<kafka::Message> polled;
  consumer_->poll(polled, 1000, how_long);
  for (auto& m : polled) accept(std::move(m));
  rethrow_if_failed();
}

void SinkRunner::resolve_pending() {
  std::vector<TopicPartition> pending;
  for (const auto& [tp, o] : owned_) {
    if (o.pending) pending.push_back(tp);
  }
  if (pending.empty() || attempt_.running || clock_.now() < next_resolve_) return;
  Offsets found;
  try {
    found = sink_.stored_offsets(options_.group, pending);
  } catch (const RetryableError& e) {
    next_resolve_ = clock_.now() + resolve_backoff_.next();
    return;
  }
  resolve_backoff_.reset();
  std::vector<TopicPartition> ready;
  for (const auto& tp : pending) {
    Owned& o = owned_.at(tp);
    const auto it = found.find(tp);
    o.stored = it == found.end() ? kNoOffset : it->second;
    o.pending = false;
    if (reposition(tp, o, o.stored)) ready.push_back(tp);
  }
  if (!outage_) consumer_->resume(ready);
}

void SinkRunner::after_commit() {
  const std::int64_t now_us = attempt_.stored_us;
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
    if (r.timestamp_ms() > 0) stats_.end_to_end_us.record(now_us - r.timestamp_ms() * 1000);
    if (r.message.intended_us > 0) stats_.intended_to_stored_us.record(now_us - r.message.intended_us);
  }
  ++stats_.batches;
  stats_.last_stored_us = now_us;
  // Partitions revoked while the batch was written are another member's now: it reads what
  // this batch stored from the sink.
  Offsets next;
  for (const auto& [tp, range] : batch_.ranges()) {
    if (!ours(tp)) continue;
    next[tp] = range.next;
    owned(tp.topic, tp.partition)->stored = range.next;
  }
  if (!next.empty()) consumer_->commit_async(next);
  if (dlq_ != nullptr) dlq_->poll();
}

kafka::AssignPlan SinkRunner::on_assign(const std::vector<TopicPartition>& added, std::uint64_t generation) {
  last_tp_ = nullptr;
  for (const auto& tp : added) owned_[tp] = Owned{.since = generation, .pending = true};
  kafka::AssignPlan plan;
  // The sink's own offsets are the truth. Asked once here: a rebalance callback must not wait
  // out an outage (the group would put this member out), so without an answer the partitions
  // are assigned paused and seeked once the sink answers (resolve_pending).
  // While a write runs the sink is the writer's; the partitions wait paused until it is over.
  if (!outage_ && !attempt_.running) {
    try {
      const Offsets found = sink_.stored_offsets(options_.group, added);
      for (const auto& tp : added) {
        Owned& o = owned_.at(tp);
        o.pending = false;
        if (const auto it = found.find(tp); it != found.end()) {
          o.stored = o.position = plan.start[tp] = it->second;
        }
      }
    } catch (const RetryableError& e) {
      fmt::print(stderr, "sink: cannot read stored offsets ({}); partitions wait paused\n", e.what());
    } catch (...) {
      callback_failure_ = std::current_exception();  // rethrown by the next add, tick or flush
    }
  }
  for (const auto& tp : added) {
    if (outage_ || owned_.at(tp).pending) plan.paused.push_back(tp);
  }
  next_resolve_ = clock_.now();
  return plan;
}

void SinkRunner::on_revoke(const std::vector<TopicPartition>& removed) {
  for (const auto& tp : removed) {
    drop_rows(tp);
    owned_.erase(tp);
  }
  last_tp_ = nullptr;
}

}  // namespace streamlab::sinks
