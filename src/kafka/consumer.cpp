#include "kafka/consumer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/errors.hpp"

namespace streamlab::kafka {
namespace {

// nudge_fetcher(): how often at most, and an answer slower than which means "not now".
constexpr std::chrono::milliseconds kNudgeEvery(10);
constexpr std::chrono::milliseconds kNudgeSlow(50);
// commit_async(): the offsets go to the group coordinator at most this often.
constexpr std::chrono::milliseconds kCommitEvery(200);

// The kIntendedHeader a paced producer stamped, or 0.
std::int64_t intended_us(const rd_kafka_message_t* m) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_header_get_last(headers, kIntendedHeader, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  const char* text = static_cast<const char*>(value);
  std::int64_t us = 0;
  const auto [end, ec] = std::from_chars(text, text + size, us);
  return ec == std::errc() && end == text + size && us > 0 ? us : 0;
}

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using List = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

List to_list(const std::vector<TopicPartition>& parts) {
  List l(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
  for (const auto& tp : parts) rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition);
  return l;
}

std::vector<TopicPartition> from_list(const rd_kafka_topic_partition_list_t* l) {
  std::vector<TopicPartition> out;
  for (int i = 0; l != nullptr && i < l->cnt; ++i) out.push_back({l->elems[i].topic, l->elems[i].partition});
  return out;
}

// Takes an rd_kafka_error_t* (incremental assign) and returns its text, or "" when none.
std::string take_error(rd_kafka_error_t* e) {
  if (e == nullptr) return {};
  std::string s = rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  return s;
}

}  // namespace

Consumer::Consumer(const ClientOptions& options, GroupOptions group, RebalanceListener* listener)
    : from_(group.from), listener_(listener) {
  Properties defaults = {
      {"group.id", group.group},
      // Where the group has no committed offset yet: --from stored then reads everything.
      {"auto.offset.reset", from_ == StartFrom::End ? "latest" : "earliest"},
      {"enable.auto.commit", listener == nullptr ? "true" : "false"},
      // Partition ends tell --idle-exit and --until-end that nothing is left to read.
      {"enable.partition.eof", "true"},
      {"partition.assignment.strategy", "range,roundrobin"},
      // See the header: prompt recovery after a crash.
      {"session.timeout.ms", "6000"},
      {"heartbeat.interval.ms", "1000"},
      {"max.poll.interval.ms", "30000"},
      // A subscribed topic that does not exist yet (consume started before the first produce)
      // is looked for again at this interval; librdkafka's 5 minutes would look like a hang.
      {"topic.metadata.refresh.interval.ms", "5000"},
      {"statistics.interval.ms", kStatsIntervalMs},
  };
  if (!group.instance_id.empty()) defaults.emplace_back("group.instance.id", group.instance_id);
  ConfPtr conf = make_conf(options, defaults);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &Consumer::on_rebalance);
  watch_stats<Consumer>(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), this);
  rk_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(rk_.get());
  require_reachable(rk_.get(), options.brokers);

  List subscription(rd_kafka_topic_partition_list_new(static_cast<int>(group.topics.size())));
  for (const auto& t : group.topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_.get(), subscription.get());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw core::RuntimeFailure(fmt::format("cannot subscribe: {}", rd_kafka_err2str(e)));
  }
}

Consumer::~Consumer() { close(); }

bool Consumer::cooperative() const {
  // Asked only outside close(): from the revoke callback that rd_kafka_consumer_close runs,
  // librdkafka 2.0.2's rd_kafka_rebalance_protocol may block forever or answer NULL (librdkafka
  // issue 4041; both seen here, one member in ~20 under load), so the last answer is kept.
  if (!closing_) {
    if (const char* protocol = rd_kafka_rebalance_protocol(rk_.get()); protocol != nullptr) {
      cooperative_ = std::strcmp(protocol, "COOPERATIVE") == 0;
    }
  }
  return cooperative_;
}

void Consumer::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                            void* opaque) {
  static_cast<Consumer*>(opaque)->rebalance(err, parts);
}

ReadProgress* Consumer::progress_of(std::string_view topic, std::int32_t partition) {
  if (last_ == progress_.end() || last_->first.partition != partition || last_->first.topic != topic) {
    last_ = progress_.find(TopicPartition{std::string(topic), partition});
  }
  return last_ == progress_.end() ? nullptr : &last_->second;
}

void Consumer::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  last_ = progress_.end();
  const bool incremental = cooperative();
  std::string failure;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ++assignments_;
    ++generation_;
    const std::vector<TopicPartition> added = from_list(parts);
    for (int i = 0; i < parts->cnt; ++i) {
      auto& p = parts->elems[i];
      const bool first_time = started_.insert({p.topic, p.partition}).second;
      if (first_time && from_ == StartFrom::Beginning) p.offset = RD_KAFKA_OFFSET_BEGINNING;
      if (first_time && from_ == StartFrom::End) p.offset = RD_KAFKA_OFFSET_END;
    }
    AssignPlan plan;
    if (listener_ != nullptr) plan = listener_->on_assign(added, generation_);
    for (int i = 0; i < parts->cnt; ++i) {
      auto& p = parts->elems[i];
      if (auto it = plan.start.find({p.topic, p.partition}); it != plan.start.end() && it->second >= 0) {
        p.offset = it->second;
      }
    }
    resolve_logical_starts(parts);
    if (incremental) {
      failure = take_error(rd_kafka_incremental_assign(rk_.get(), parts));
    } else if (const auto e = rd_kafka_assign(rk_.get(), parts); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failure = rd_kafka_err2str(e);
    }
    for (const auto& tp : added) progress_[tp] = {};
    if (!plan.paused.empty()) pause(plan.paused);
  } else {
    send_commits();  // while this generation may still commit them
    const std::vector<TopicPartition> removed = from_list(parts);
    if (listener_ != nullptr) listener_->on_revoke(removed);
    if (incremental) {
      failure = take_error(rd_kafka_incremental_unassign(rk_.get(), parts));
    } else if (const auto e = rd_kafka_assign(rk_.get(), nullptr); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failure = rd_kafka_err2str(e);
    }
    for (const auto& tp : removed) progress_.erase(tp);
    ++generation_;
  }
  if (!failure.empty()) {
    fmt::print(stderr, "warning: rebalance: {} failed: {}\n",
               err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign" : "unassign", failure);
  }
}

std::size_t Consumer::poll(std::vector<Message>& out, std::size_t max, std::chrono::milliseconds timeout) {
  send_commits(/*only_if_due=*/true);
  std::size_t n = 0;
  int wait_ms = static_cast<int>(timeout.count());
  while (n < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 0);
    if (m == nullptr && wait_ms > 0) {  // nothing queued: the fetcher must not be asleep meanwhile
      nudge_fetcher();
      m = rd_kafka_consumer_poll(rk_.get(), wait_ms);
    }
    if (m == nullptr) break;
    wait_ms = 0;  // only the first event is waited for
    const char* topic = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "";
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (ReadProgress* p = progress_of(topic, m->partition)) {
        p->read_to = std::max(p->read_to, m->offset);
        p->at_end = true;
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    Message msg;
    msg.generation = generation_;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      char reason[512];
      if (m->err == RD_KAFKA_RESP_ERR__FATAL &&
          rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::string text = reason;
        rd_kafka_message_destroy(m);
        throw core::RuntimeFailure(fmt::format("fatal consumer error: {}", text));
      }
      msg.error = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
    } else {
      msg.topic = topic;
      msg.partition = m->partition;
      msg.offset = m->offset;
      msg.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      msg.intended_us = intended_us(m);
      msg.payload = {static_cast<const char*>(m->payload), m->len};
      msg.owner = Message::Owner(m, [](void* p) { rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(p)); });
      if (ReadProgress* p = progress_of(topic, m->partition)) {
        p->read_to = m->offset + 1;
        p->at_end = false;
      }
    }
    out.push_back(std::move(msg));
    ++n;
  }
  return n;
}

void Consumer::pause(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  rd_kafka_pause_partitions(rk_.get(), to_list(partitions).get());
  mark_paused(partitions, true);
}

void Consumer::resume(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  rd_kafka_resume_partitions(rk_.get(), to_list(partitions).get());
  mark_paused(partitions, false);
}

void Consumer::mark_paused(const std::vector<TopicPartition>& partitions, bool paused) {
  for (const auto& tp : partitions) {
    if (auto it = progress_.find(tp); it != progress_.end()) it->second.paused = paused;
  }
}

void Consumer::nudge_fetcher() {
  const auto now = std::chrono::steady_clock::now();
  if (closed_ || now < next_nudge_) return;
  // Behind: the broker's last high watermark is past what was read, so a fetch of it returns at
  // once and the request below is not queued behind a fetch waiting for data (fetch.wait.max.ms).
  std::vector<const TopicPartition*> behind;
  for (const auto& [tp, p] : progress_) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (p.paused || p.read_to < 0 ||
        rd_kafka_get_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high <= p.read_to) {
      continue;
    }
    behind.push_back(&tp);
  }
  if (behind.empty()) return;
  const TopicPartition& tp = *behind[nudge_turn_++ % behind.size()];  // each leader in turn
  std::int64_t low = 0;
  std::int64_t high = 0;
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition, &low, &high, 100);
  // Unanswered or slow (a broker away, a transaction's records not readable yet): the fetcher
  // has its own retries, and asking again soon would only hold this thread up.
  const bool prompt = err == RD_KAFKA_RESP_ERR_NO_ERROR && std::chrono::steady_clock::now() - now < kNudgeSlow;
  next_nudge_ = now + (prompt ? kNudgeEvery : std::chrono::milliseconds(1000));
}

void Consumer::resolve_logical_starts(rd_kafka_topic_partition_list_t* parts) {
  const auto is_logical = [](std::int64_t o) { return o == RD_KAFKA_OFFSET_BEGINNING || o == RD_KAFKA_OFFSET_END; };
  List ask(rd_kafka_topic_partition_list_new(parts->cnt));
  for (int i = 0; i < parts->cnt; ++i) {
    const auto& p = parts->elems[i];
    // ListOffsets takes BEGINNING (-2) and END (-1) as the timestamps of the earliest and latest.
    if (is_logical(p.offset)) rd_kafka_topic_partition_list_add(ask.get(), p.topic, p.partition)->offset = p.offset;
  }
  if (ask->cnt == 0 || rd_kafka_offsets_for_times(rk_.get(), ask.get(), 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  for (int i = 0; i < ask->cnt; ++i) {
    const auto& a = ask->elems[i];
    if (a.err != RD_KAFKA_RESP_ERR_NO_ERROR || a.offset < 0) continue;
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_find(parts, a.topic, a.partition);
    if (p != nullptr && is_logical(p->offset)) p->offset = a.offset;
  }
}

std::int64_t Consumer::first_start(const TopicPartition& tp) {
  if (from_ == StartFrom::End) return RD_KAFKA_OFFSET_END;
  if (from_ == StartFrom::Stored) {
    const Offsets c = committed({tp});
    if (const auto it = c.find(tp); it != c.end()) return it->second;
  }
  return RD_KAFKA_OFFSET_BEGINNING;
}

void Consumer::seek(const TopicPartition& tp, std::int64_t offset) {
  List l = to_list({tp});
  l->elems[0].offset = offset >= 0 ? offset : first_start(tp);
  std::string failure = take_error(rd_kafka_seek_partitions(rk_.get(), l.get(), 10000));
  if (failure.empty() && l->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) failure = rd_kafka_err2str(l->elems[0].err);
  if (!failure.empty()) {
    throw core::RuntimeFailure(fmt::format("cannot seek {} [{}] to {}: {}", tp.topic, tp.partition, offset, failure));
  }
  ++generation_;
  if (auto it = progress_.find(tp); it != progress_.end()) it->second = {.paused = it->second.paused};
}

void Consumer::commit_async(const Offsets& next_offsets) {
  for (const auto& [p, next] : next_offsets) to_commit_[p] = next;
  send_commits(/*only_if_due=*/true);
}

void Consumer::send_commits(bool only_if_due) {
  if (to_commit_.empty() || (only_if_due && std::chrono::steady_clock::now() < next_commit_)) return;
  List parts(rd_kafka_topic_partition_list_new(static_cast<int>(to_commit_.size())));
  for (const auto& [p, next] : to_commit_) {
    rd_kafka_topic_partition_list_add(parts.get(), p.topic.c_str(), p.partition)->offset = next;
  }
  rd_kafka_commit(rk_.get(), parts.get(), 1);
  to_commit_.clear();
  next_commit_ = std::chrono::steady_clock::now() + kCommitEvery;
}

Offsets Consumer::committed(const std::vector<TopicPartition>& partitions) {
  List l = to_list(partitions);
  if (const auto e = rd_kafka_committed(rk_.get(), l.get(), 10000); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw core::RuntimeFailure(fmt::format("committed offsets: {}", rd_kafka_err2str(e)));
  }
  Offsets out;
  for (int i = 0; i < l->cnt; ++i) {
    if (l->elems[i].offset >= 0) out[{l->elems[i].topic, l->elems[i].partition}] = l->elems[i].offset;
  }
  return out;
}

void Consumer::wake() {
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk_.get());
  rd_kafka_queue_yield(queue);
  rd_kafka_queue_destroy(queue);
}

void Consumer::close() {
  if (closed_ || !rk_) return;
  closed_ = true;
  cooperative();  // the protocol as it stands, for the revoke that closing runs
  closing_ = true;
  send_commits();
  rd_kafka_consumer_close(rk_.get());
}

}  // namespace streamlab::kafka
