#include "sinks/redis/redis_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/errors.hpp"

namespace streamlab::sinks {
namespace {

using redis::Command;
using redis::Reply;

std::string field_of(const TopicPartition& tp) { return fmt::format("{}:{}", tp.topic, tp.partition); }

bool starts_with(const redisReply* r, std::string_view prefix) {
  return r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with(prefix);
}

}  // namespace

RedisSink::RedisSink(RedisSinkOptions options) : options_(std::move(options)), uri_(parse_redis_uri(options_.uri)) {
  check_redis_prefix(options_.prefix);
  if (!uri_.record.empty()) {
    record_ = std::make_unique<std::ofstream>(uri_.record, std::ios::binary | std::ios::app);
    if (!*record_) throw core::UsageError(fmt::format("--sink: cannot open the record file {}", uri_.record));
  }
}

RedisSink::~RedisSink() = default;

std::string RedisSink::describe() const { return uri_.describe(); }

std::string RedisSink::offsets_key(const std::string& group) const {
  return redis::offsets_key(options_.prefix, group);
}

redis::Connection& RedisSink::connection() {
  if (!connection_ || connection_->broken()) {
    connection_.reset();
    connection_ = std::make_unique<redis::Connection>(uri_, options_.timeout);
  }
  return *connection_;
}

Offsets RedisSink::stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) {
  redis::Connection& c = connection();
  Offsets out;
  if (partitions.empty()) return out;
  Command cmd;
  cmd.arg("HMGET").arg(offsets_key(group));
  for (const auto& tp : partitions) cmd.arg(field_of(tp));
  cmd.append_to(c);
  const Reply r = c.read_reply();
  if (r->type == REDIS_REPLY_ERROR)
    throw FatalError(fmt::format("{}: HMGET: {}", describe(), std::string(r->str, r->len)));
  for (std::size_t i = 0; i < r->elements && i < partitions.size(); ++i) {
    const redisReply* e = r->element[i];
    if (e->type == REDIS_REPLY_STRING) out[partitions[i]] = std::stoll(std::string(e->str, e->len));
  }
  return out;
}

namespace {

// HSET of a row's hash, starting with the coordinates every hash carries.
Command& hset_with_coordinates(Command& cmd, const std::string& key, const Row& r) {
  return cmd.arg("HSET")
      .arg(key)
      .field("topic", r.topic())
      .field("partition", r.partition())
      .field("offset", r.offset());
}

// What a batch adds to the lists and the hashtag counts, gathered so that each list gets one
// variadic RPUSH (its keys in the batch's order) and each hashtag one ZINCRBY by its count.
struct BatchTail {
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;  // list key → keys pushed
  std::map<std::string, std::int64_t> hashtags;

  void push(const std::string& list, std::string key) {
    auto it = std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.first == list; });
    if (it == lists.end()) it = lists.insert(lists.end(), {list, {}});
    it->second.push_back(std::move(key));
  }
};

// One row's hash (and a tweet's id pointer) onto `c` (inside the MULTI); what it adds to the
// lists and hashtags goes to `tail`. Returns how many commands it queued.
std::size_t queue_row(Command& cmd, std::string& c, const std::string& p, const std::string& group, const Row& r,
                      BatchTail& tail) {
  const std::int64_t ts = r.timestamp_ms();
  const std::string coords = fmt::format("{}:{}:{}", r.topic(), r.partition(), r.offset());
  if (!r.dead_letter_reason.empty()) {
    std::string key = fmt::format("{}:dead:{}", p, coords);
    hset_with_coordinates(cmd, key, r)
        .field("group", group)
        .field("error", r.dead_letter_reason)
        .field("payload", r.payload())
        .field("kafka_timestamp", ts)
        .append_to(c);
    tail.push(p + ":dead_letters", std::move(key));
    return 1;
  }
  // Every message under its coordinates, as dead letters are: the same tweet at two offsets
  // (a file replayed, --loop) is two messages, and each hash's offset stays its own.
  std::string key = fmt::format("{}:msg:{}", p, coords);
  std::size_t queued = 1;
  if (r.parsed.kind == tweets::MessageKind::Tweet) {
    const tweets::Tweet& t = r.parsed.tweet;
    hset_with_coordinates(cmd, key, r)
        .field("kind", "tweet")
        .field("id", t.id)
        .field("created_at", t.created_at)
        .field("author", t.author)
        .field("lang", t.lang)
        .field("text", t.text)
        .field("hashtags", nlohmann::json(t.hashtags).dump())
        .field("mentions", nlohmann::json(t.mentions).dump())
        .field("is_retweet", t.is_retweet ? "1" : "0")
        .field("kafka_timestamp", ts)
        .append_to(c);
    if (!t.id.empty()) {
      // The lookup by id: the key of the copy stored last, rather than the hash a second time.
      cmd.arg("SET").arg(fmt::format("{}:tweet:{}", p, t.id)).arg(key).append_to(c);
      ++queued;
    }
    for (const auto& tag : t.hashtags) ++tail.hashtags[tag];
  } else {
    hset_with_coordinates(cmd, key, r)
        .field("kind", "counter")
        .field("number", r.parsed.number)
        .field("kafka_timestamp", ts)
        .append_to(c);
  }
  tail.push(fmt::format("{}:index:{}", p, r.topic()), std::move(key));
  return queued;
}

}  // namespace

std::string transaction_resp(const std::string& prefix, const std::string& group, const Batch& batch,
                             std::size_t& commands) {
  std::string tx;
  Command cmd;
  BatchTail tail;
  cmd.arg("MULTI").append_to(tx);
  commands = 0;
  for (const Row& r : batch.rows) commands += queue_row(cmd, tx, prefix, group, r, tail);
  for (const auto& [list, keys] : tail.lists) {
    cmd.arg("RPUSH").arg(list);
    for (const auto& k : keys) cmd.arg(k);
    cmd.append_to(tx);
    ++commands;
  }
  for (const auto& [tag, count] : tail.hashtags) {
    cmd.arg("ZINCRBY").arg(prefix + ":hashtags").arg(count).arg(tag).append_to(tx);
    ++commands;
  }
  cmd.arg("HSET").arg(redis::offsets_key(prefix, group));
  for (const auto& [tp, range] : batch.ranges()) cmd.arg(field_of(tp)).arg(range.next);
  cmd.append_to(tx);
  ++commands;
  cmd.arg("EXEC").append_to(tx);
  return tx;
}

void RedisSink::record(const std::string& tx) {
  record_->write(tx.data(), static_cast<std::streamsize>(tx.size()));
  record_->flush();
  if (!*record_) throw FatalError(fmt::format("{}: cannot write to the record file {}", describe(), uri_.record));
}

Offsets RedisSink::write(const std::string& group, const Batch& batch) {
  const auto ranges = batch.ranges();
  std::vector<TopicPartition> parts;
  for (const auto& [tp, range] : ranges) parts.push_back(tp);
  const std::string okey = offsets_key(group);
  const std::string& p = options_.prefix;

  // WATCH makes EXEC fail if another member of the group stored offsets meanwhile; then the
  // check is repeated, so this loop ends either fenced or written.
  for (int attempt = 0; attempt < 100; ++attempt) {
    redis::Connection& c = connection();
    const auto read_reply = [&c] { return c.read_reply(); };
    Command cmd;
    cmd.arg("WATCH").arg(okey).append_to(c);
    read_reply();
    const Offsets fenced = fenced_partitions(batch, stored_offsets(group, parts));
    if (!fenced.empty()) {
      cmd.arg("UNWATCH").append_to(c);
      read_reply();
      return fenced;
    }

    std::size_t queued = 0;
    const std::string tx = transaction_resp(p, group, batch, queued);
    c.append(tx);

    // Replies: MULTI's OK, one QUEUED (or an error) per command, then EXEC's.
    std::string queue_error;
    for (std::size_t i = 0; i < queued + 1; ++i) {
      Reply r = read_reply();
      if (r->type == REDIS_REPLY_ERROR && queue_error.empty()) queue_error.assign(r->str, r->len);
    }
    Reply exec = read_reply();
    if (exec->type == REDIS_REPLY_NIL) continue;  // the offsets changed under WATCH: check again
    if (exec->type == REDIS_REPLY_ERROR || !queue_error.empty()) {
      const std::string why = !queue_error.empty() ? queue_error : std::string(exec->str, exec->len);
      if (starts_with(exec.get(), "LOADING") || starts_with(exec.get(), "MISCONF") || why.starts_with("LOADING")) {
        throw RetryableError(fmt::format("{}: {}", describe(), why));
      }
      throw FatalError(fmt::format("{}: transaction refused: {}", describe(), why));
    }
    for (std::size_t i = 0; i < exec->elements; ++i) {
      if (exec->element[i]->type == REDIS_REPLY_ERROR) {
        // Redis applies the other commands of a transaction even when one fails at run time.
        throw FatalError(fmt::format("{}: a command of the transaction failed: {}", describe(),
                                     std::string(exec->element[i]->str, exec->element[i]->len)));
      }
    }
    if (record_) record(tx);
    return {};
  }
  throw RetryableError(fmt::format("{}: the offsets kept changing under WATCH", describe()));
}

}  // namespace streamlab::sinks
