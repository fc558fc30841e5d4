#include "sinks/redis/redis_sink.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "core/errors.hpp"

namespace streamlab::sinks {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// Appends one command to the context's output buffer; nothing is sent until a reply is read.
class Command {
 public:
  Command& arg(std::string_view a) {
    args_.emplace_back(a);
    return *this;
  }
  Command& arg(std::int64_t v) { return arg(std::string_view(std::to_string(v))); }
  void append_to(redisContext* c) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args_) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
    args_.clear();
  }

 private:
  std::vector<std::string> args_;
};

std::string field_of(const TopicPartition& tp) { return fmt::format("{}:{}", tp.topic, tp.partition); }

bool starts_with(const redisReply* r, std::string_view prefix) {
  return r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with(prefix);
}

}  // namespace

RedisSink::RedisSink(RedisSinkOptions options) : options_(std::move(options)) {
  // redis://[[user]:password@]host[:port][/db]
  std::string_view u = options_.uri;
  const auto bad = [&](const std::string& why) {
    return core::UsageError(fmt::format("--sink: not a Redis URI (redis://[:password@]host:port[/db]): {}", why));
  };
  if (!u.starts_with("redis://")) throw bad("must start with redis://");
  u.remove_prefix(8);
  if (const auto at = u.rfind('@'); at != std::string_view::npos) {
    const std::string_view cred = u.substr(0, at);
    const auto colon = cred.find(':');
    if (colon == std::string_view::npos) throw bad("credentials need ':' before the password");
    user_ = cred.substr(0, colon);
    password_ = cred.substr(colon + 1);
    u.remove_prefix(at + 1);
  }
  if (const auto slash = u.find('/'); slash != std::string_view::npos) {
    const std::string_view db = u.substr(slash + 1);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), db_);
      if (ec != std::errc() || p != db.data() + db.size() || db_ < 0) throw bad(fmt::format("database '{}'", db));
    }
    u = u.substr(0, slash);
  }
  if (const auto colon = u.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = u.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), port_);
    if (ec != std::errc() || p != port.data() + port.size() || port_ < 1 || port_ > 65535) {
      throw bad(fmt::format("port '{}'", port));
    }
    u = u.substr(0, colon);
  }
  host_ = u.empty() ? "127.0.0.1" : std::string(u);
  for (char c : options_.prefix) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\0') throw core::UsageError("--table (the Redis key prefix) cannot hold spaces or line breaks");
  }
  if (options_.prefix.empty()) throw core::UsageError("--table (the Redis key prefix) is empty");
}

RedisSink::~RedisSink() = default;

std::string RedisSink::describe() const { return fmt::format("redis {}:{}/{}", host_, port_, db_); }

std::string RedisSink::offsets_key(const std::string& group) const {
  return fmt::format("{}:offsets:{}", options_.prefix, group);
}

redisContext* RedisSink::connection() {
  if (ctx_ && ctx_->err == 0) return ctx_.get();
  // A reply later than this counts as lost: short, so a hung server does not keep the member from
  // polling past max.poll.interval.ms (30 s); a batch's EXEC takes well under a second.
  const timeval connect_timeout{5, 0}, io_timeout{5, 0};
  ctx_.reset(redisConnectWithTimeout(host_.c_str(), port_, connect_timeout));
  if (!ctx_ || ctx_->err != 0) {
    const std::string why = ctx_ ? ctx_->errstr : "out of memory";
    ctx_.reset();
    throw RetryableError(fmt::format("{}: {}", describe(), why));
  }
  redisSetTimeout(ctx_.get(), io_timeout);
  const auto check = [&](Reply r, const char* what) {
    if (!r) {
      const std::string why = ctx_->errstr;
      ctx_.reset();
      throw RetryableError(fmt::format("{}: {}: {}", describe(), what, why));
    }
    if (r->type == REDIS_REPLY_ERROR) {
      const std::string why(r->str, r->len);
      ctx_.reset();
      if (why.starts_with("LOADING") || why.starts_with("BUSY")) throw RetryableError(fmt::format("{}: {}", describe(), why));
      throw FatalError(fmt::format("{}: {}: {}", describe(), what, why));
    }
  };
  if (!password_.empty()) {
    Reply r(user_.empty() ? static_cast<redisReply*>(redisCommand(ctx_.get(), "AUTH %b", password_.data(), password_.size()))
                          : static_cast<redisReply*>(redisCommand(ctx_.get(), "AUTH %b %b", user_.data(), user_.size(),
                                                                  password_.data(), password_.size())));
    check(std::move(r), "AUTH");
  }
  if (db_ != 0) check(Reply(static_cast<redisReply*>(redisCommand(ctx_.get(), "SELECT %d", db_))), "SELECT");
  // Any command tells whether authentication is required and the server is ready.
  check(Reply(static_cast<redisReply*>(redisCommand(ctx_.get(), "PING"))), "PING");
  return ctx_.get();
}

Offsets RedisSink::stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) {
  redisContext* c = connection();
  Offsets out;
  if (partitions.empty()) return out;
  Command cmd;
  cmd.arg("HMGET").arg(offsets_key(group));
  for (const auto& tp : partitions) cmd.arg(field_of(tp));
  cmd.append_to(c);
  redisReply* raw = nullptr;
  if (redisGetReply(c, reinterpret_cast<void**>(&raw)) != REDIS_OK) {
    const std::string why = c->errstr;
    ctx_.reset();
    throw RetryableError(fmt::format("{}: {}", describe(), why));
  }
  Reply r(raw);
  if (r->type == REDIS_REPLY_ERROR) throw FatalError(fmt::format("{}: HMGET: {}", describe(), std::string(r->str, r->len)));
  for (std::size_t i = 0; i < r->elements && i < partitions.size(); ++i) {
    const redisReply* e = r->element[i];
    if (e->type == REDIS_REPLY_STRING) out[partitions[i]] = std::stoll(std::string(e->str, e->len));
  }
  return out;
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
    redisContext* c = connection();
    const auto read_reply = [&]() {
      redisReply* raw = nullptr;
      if (redisGetReply(c, reinterpret_cast<void**>(&raw)) != REDIS_OK) {
        const std::string why = c->errstr;
        ctx_.reset();
        throw RetryableError(fmt::format("{}: {}", describe(), why));
      }
      return Reply(raw);
    };
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
    cmd.arg("MULTI").append_to(c);
    for (const Row& r : batch.rows) {
      const std::int64_t ts = r.timestamp_ms();
      const std::string coords = fmt::format("{}:{}:{}", r.topic(), r.partition(), r.offset());
      if (!r.dead_letter_reason.empty()) {
        const std::string key = fmt::format("{}:dead:{}", p, coords);
        cmd.arg("HSET").arg(key).arg("topic").arg(r.topic()).arg("partition").arg(r.partition())
            .arg("offset").arg(r.offset()).arg("group").arg(group).arg("error").arg(r.dead_letter_reason)
            .arg("payload").arg(r.payload()).arg("kafka_timestamp").arg(ts).append_to(c);
        cmd.arg("RPUSH").arg(p + ":dead_letters").arg(key).append_to(c);
        queued += 2;
        continue;
      }
      std::string key;
      if (r.parsed.kind == tweets::MessageKind::Tweet) {
        const tweets::Tweet& t = r.parsed.tweet;
        key = fmt::format("{}:tweet:{}", p, t.id);
        cmd.arg("HSET").arg(key).arg("topic").arg(r.topic()).arg("partition").arg(r.partition())
            .arg("offset").arg(r.offset()).arg("kind").arg("tweet").arg("id").arg(t.id)
            .arg("created_at").arg(t.created_at).arg("author").arg(t.author).arg("lang").arg(t.lang)
            .arg("text").arg(t.text).arg("hashtags").arg(nlohmann::json(t.hashtags).dump())
            .arg("mentions").arg(nlohmann::json(t.mentions).dump()).arg("is_retweet").arg(t.is_retweet ? "1" : "0")
            .arg("kafka_timestamp").arg(ts).append_to(c);
        ++queued;
        for (const auto& tag : t.hashtags) {
          cmd.arg("ZINCRBY").arg(p + ":hashtags").arg("1").arg(tag).append_to(c);
          ++queued;
        }
      } else {
        key = fmt::format("{}:msg:{}", p, coords);
        cmd.arg("HSET").arg(key).arg("topic").arg(r.topic()).arg("partition").arg(r.partition())
            .arg("offset").arg(r.offset()).arg("kind").arg("counter").arg("number").arg(r.parsed.number)
            .arg("kafka_timestamp").arg(ts).append_to(c);
        ++queued;
      }
      cmd.arg("RPUSH").arg(fmt::format("{}:index:{}", p, r.topic())).arg(key).append_to(c);
      ++queued;
    }
    cmd.arg("HSET").arg(okey);
    for (const auto& [tp, range] : ranges) cmd.arg(field_of(tp)).arg(range.next);
    cmd.append_to(c);
    ++queued;
    cmd.arg("EXEC").append_to(c);

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
    return {};
  }
  throw RetryableError(fmt::format("{}: the offsets kept changing under WATCH", describe()));
}

}  // namespace streamlab::sinks
