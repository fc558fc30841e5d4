#include "sinks/redis/redis_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/errors.hpp"

namespace streamlab::sinks {
namespace {

using redis::Command;
using redis::Reply;
namespace resp = redis::resp;

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

// A batch's transaction written in RESP straight onto a string: no argument list, no format
// strings, keys built in one reused buffer (the encoder runs inside each write, on the runner's
// writer thread, while Redis waits for the transaction).
class TransactionWriter {
 public:
  TransactionWriter(std::string& out, std::string_view prefix, std::string_view group)
      : out_(out), prefix_(prefix), group_(group) {}

  // One row's hash (and a tweet's id pointer); what it adds to the lists and the hashtags is
  // kept for finish().
  void row(const Row& r) {
    if (!r.dead_letter_reason.empty()) {
      // A dead letter keeps its coordinates in fields too: few, and read by people.
      hset(r, "dead", 7);
      field("topic", r.topic());
      field("partition", r.partition());
      field("offset", r.offset());
      field("group", group_);
      field("error", r.dead_letter_reason);
      field("payload", r.payload());
      field("kafka_timestamp", r.timestamp_ms());
      push(r, true);
      return;
    }
    // Every message under its coordinates, as dead letters are: the same tweet at two offsets
    // (a file replayed, --loop) is two messages, and each hash's offset stays its own. The
    // coordinates are in the key only (and so in the index and the by-id pointer): as fields too
    // they cost Redis ~30% more per counter and ~20% more per tweet.
    if (r.parsed.kind == tweets::MessageKind::Tweet) {
      const tweets::Tweet& t = r.parsed.tweet;
      hset(r, "msg", 10);
      field("kind", "tweet");
      field("id", t.id);
      field("created_at", t.created_at);
      field("author", t.author);
      field("lang", t.lang);
      field("text", t.text);
      field("hashtags", nlohmann::json(t.hashtags).dump());
      field("mentions", nlohmann::json(t.mentions).dump());
      field("is_retweet", t.is_retweet ? "1" : "0");
      field("kafka_timestamp", r.timestamp_ms());
      if (!t.id.empty()) by_id_.push_back(&r);
      for (const auto& tag : t.hashtags) ++hashtags_[tag];
    } else {
      hset(r, "msg", 3);
      field("kind", "counter");
      field("number", r.parsed.number);
      field("kafka_timestamp", r.timestamp_ms());
    }
    push(r, false);
  }

  // One HSET of the tweets' ids (the batch's last copy of an id wins, as HSET sets its pairs in
  // order), one RPUSH per list (its keys in the batch's order), one ZINCRBY per hashtag by its
  // count, the HSET of the offsets.
  void finish(const Batch& batch, const std::string& offsets_key) {
    if (!by_id_.empty()) {
      // The lookup by id: the key of the copy stored last, rather than the hash a second time;
      // in one hash rather than a string key per id, which cost Redis ~1.5x as much per tweet.
      resp::array(out_, 2 + 2 * by_id_.size());
      resp::bulk(out_, "HSET");
      key_.assign(prefix_).append(":tweet_by_id");
      resp::bulk(out_, key_);
      for (const Row* r : by_id_) {
        resp::bulk(out_, r->parsed.tweet.id);
        resp::bulk(out_, row_key(*r, "msg"));
      }
      ++commands_;
    }
    for (const List& l : lists_) {
      resp::array(out_, 2 + l.rows.size());
      resp::bulk(out_, "RPUSH");
      if (l.dead)
        key_.assign(prefix_).append(":dead_letters");
      else
        key_.assign(prefix_).append(":index:").append(l.topic);
      resp::bulk(out_, key_);
      for (const Row* r : l.rows) resp::bulk(out_, row_key(*r, l.dead ? "dead" : "msg"));
      ++commands_;
    }
    const std::string hashtags_key = std::string(prefix_) + ":hashtags";
    for (const auto& [tag, count] : hashtags_) {
      resp::array(out_, 4);
      resp::bulk(out_, "ZINCRBY");
      resp::bulk(out_, hashtags_key);
      resp::bulk(out_, count);
      resp::bulk(out_, tag);
      ++commands_;
    }
    const auto ranges = batch.ranges();
    resp::array(out_, 2 + 2 * ranges.size());
    resp::bulk(out_, "HSET");
    resp::bulk(out_, offsets_key);
    for (const auto& [tp, range] : ranges) {
      key_.assign(tp.topic).append(":").append(std::to_string(tp.partition));
      resp::bulk(out_, key_);
      resp::bulk(out_, range.next);
    }
    ++commands_;
  }

  std::size_t commands() const { return commands_; }

 private:
  // A list the batch pushes onto: the dead letters, or a topic's index.
  struct List {
    bool dead = false;
    std::string_view topic;
    std::vector<const Row*> rows;  // whose keys it gets, in the batch's order
  };

  // "<prefix>:<kind>:<topic>:<partition>:<offset>", in the reused buffer.
  std::string_view row_key(const Row& r, std::string_view kind) {
    char digits[24];
    key_.assign(prefix_).append(":").append(kind).append(":").append(r.topic()).append(":");
    key_.append(digits, std::to_chars(digits, digits + sizeof digits, r.partition()).ptr);
    key_.append(":");
    key_.append(digits, std::to_chars(digits, digits + sizeof digits, r.offset()).ptr);
    return key_;
  }

  // The start of HSET of the row's hash, `fields` field-value pairs to follow.
  void hset(const Row& r, std::string_view kind, std::size_t fields) {
    resp::array(out_, 2 + 2 * fields);
    resp::bulk(out_, "HSET");
    resp::bulk(out_, row_key(r, kind));
    ++commands_;
  }
  void field(std::string_view name, std::string_view value) {
    resp::bulk(out_, name);
    resp::bulk(out_, value);
  }
  void field(std::string_view name, std::int64_t value) {
    resp::bulk(out_, name);
    resp::bulk(out_, value);
  }

  // Lists are pushed in the order the batch first names them.
  void push(const Row& r, bool dead) {
    auto it = std::find_if(lists_.begin(), lists_.end(),
                           [&](const List& l) { return l.dead == dead && (dead || l.topic == r.topic()); });
    if (it == lists_.end()) it = lists_.insert(lists_.end(), List{dead, dead ? std::string_view() : r.topic(), {}});
    it->rows.push_back(&r);
  }

  std::string& out_;
  std::string_view prefix_;
  std::string_view group_;
  std::string key_;
  std::vector<List> lists_;
  std::vector<const Row*> by_id_;  // tweets with an id, in the batch's order
  std::map<std::string, std::int64_t> hashtags_;
  std::size_t commands_ = 0;
};

}  // namespace

std::string transaction_resp(const std::string& prefix, const std::string& group, const Batch& batch,
                             std::size_t& commands) {
  std::string tx;
  tx.reserve(64 + batch.rows.size() * 160);
  resp::array(tx, 1);
  resp::bulk(tx, "MULTI");
  TransactionWriter w(tx, prefix, group);
  for (const Row& r : batch.rows) w.row(r);
  w.finish(batch, redis::offsets_key(prefix, group));
  resp::array(tx, 1);
  resp::bulk(tx, "EXEC");
  commands = w.commands();
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
    std::string tx = transaction_resp(p, group, batch, queued);
    if (record_)
      c.append(std::string_view(tx));  // kept for the record once Redis has applied it
    else
      c.append(std::move(tx));

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
