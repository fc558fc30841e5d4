#pragma once
// What the Redis sink and its inventory share to talk to Redis: a connection (net::Stream, TLS
// with rediss://, and hiredis's reply parser: hiredis 0.14, Debian 12's, has no TLS of its own),
// owning replies, and a command builder for pipelining. A connection is made ready (AUTH,
// SELECT, PING) or says why not in the sink contract's terms: RetryableError when Redis is
// unreachable or still loading, FatalError when it refuses or TLS cannot be set up.

#include <hiredis.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/stream.hpp"
#include "sinks/redis/redis_uri.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks::redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class Connection;

// Redis's protocol (RESP) written straight onto a string, with no list of arguments in between
// (the sink's hot path): an array's header saying how many bulk strings follow, then each.
namespace resp {
inline void array(std::string& out, std::size_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out += '*';
  out.append(digits, end);
  out += "\r\n";
}
inline void bulk(std::string& out, std::string_view s) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, s.size()).ptr;
  out += '$';
  out.append(digits, end);
  out += "\r\n";
  out += s;
  out += "\r\n";
}
inline void bulk(std::string& out, std::int64_t v) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  bulk(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}
}  // namespace resp

// One command's arguments, encoded in Redis's protocol (RESP) onto a string, or queued on a
// connection (nothing is sent until a reply is read). Either clears the arguments.
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
  void append_to(Connection& c);

 private:
  std::vector<std::string> args_;
};

// The hash holding a group's stored offsets (field "<topic>:<partition>", the next offset).
std::string offsets_key(std::string_view prefix, std::string_view group);

class Connection {
 public:
  // Connects (5 s), authenticates and selects the URI's database: AUTH with the URI's password,
  // else $REDISCLI_AUTH's when it is set. A reply that takes longer than `io_timeout` breaks
  // the connection (read_reply's RetryableError).
  explicit Connection(const RedisUri& uri, std::chrono::milliseconds io_timeout = kDefaultSinkTimeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues a command in RESP, sent with the next read_reply().
  void append(std::string_view resp) { out_ += resp; }
  void append(std::string&& resp) {
    if (out_.empty())
      out_.swap(resp);
    else
      out_ += resp;
  }
  // Sends what is queued, then returns the next reply. RetryableError (naming the server) when
  // the connection fails, after which it is broken() and unusable.
  Reply read_reply();
  bool broken() const { return broken_; }

 private:
  [[noreturn]] void fail(const std::string& why, bool retryable = true);
  // ": the port speaks TLS: use rediss://" when this plaintext connection's server answers a TLS
  // ClientHello (net::speaks_tls), else empty.
  std::string tls_port_hint() const;

  std::string where_;
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds io_timeout_;
  std::unique_ptr<net::Stream> stream_;
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader_;
  std::string out_;
  bool broken_ = false;
  bool answered_ = false;  // a reply has come on this connection (else a drop may mean a TLS port)
};

}  // namespace streamlab::sinks::redis
