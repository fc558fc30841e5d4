#pragma once
// What the Redis sink and its inventory share to talk to Redis over hiredis: owning handles for
// a context and a reply, a command builder for pipelining, and connect(), which makes a
// connection ready (AUTH, SELECT, PING) or says why not in the sink contract's terms:
// RetryableError when Redis is unreachable or still loading, FatalError when it refuses.

#include <hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/redis/redis_uri.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks::redis {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// One command's arguments, encoded in Redis's protocol (RESP) onto a string, or appended to the
// context's output buffer (nothing is sent until a reply is read). Either clears the arguments.
class Command {
 public:
  Command& arg(std::string_view a) {
    args_.emplace_back(a);
    return *this;
  }
  Command& arg(std::int64_t v) { return arg(std::string_view(std::to_string(v))); }
  // A hash field and its value (HSET's pairs).
  template <typename V>
  Command& field(std::string_view name, const V& value) {
    return arg(name).arg(value);
  }
  void append_to(std::string& resp);
  void append_to(redisContext* c);

 private:
  std::vector<std::string> args_;
};

// The hash holding a group's stored offsets (field "<topic>:<partition>", the next offset).
std::string offsets_key(std::string_view prefix, std::string_view group);

// Connects (5 s), authenticates and selects the URI's database; a reply that takes longer than
// `io_timeout` fails the context (read_reply's RetryableError).
// AUTH with the URI's password, else $REDISCLI_AUTH's when it is set.
Context connect(const RedisUri& uri, std::chrono::milliseconds io_timeout = kDefaultSinkTimeout);

// The next reply on `c`; RetryableError (naming `where`) when the connection failed, after which
// `c` is unusable.
Reply read_reply(redisContext* c, const std::string& where);
// What failed on the context, in words: hiredis's own text, except for a reply that did not come
// within the I/O timeout (hiredis says "Resource temporarily unavailable").
std::string io_failure(const redisContext* c);

}  // namespace streamlab::sinks::redis
