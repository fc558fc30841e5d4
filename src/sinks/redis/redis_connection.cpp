#include "sinks/redis/redis_connection.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <span>

#include "sinks/sink.hpp"

namespace streamlab::sinks::redis {

void Command::append_to(std::string& out) {
  resp::array(out, args_.size());
  for (const auto& a : args_) resp::bulk(out, a);
  args_.clear();
}

void Command::append_to(Connection& c) {
  std::string resp;
  append_to(resp);
  c.append(resp);
}

std::string offsets_key(std::string_view prefix, std::string_view group) {
  return fmt::format("{}:offsets:{}", prefix, group);
}

Connection::Connection(const RedisUri& uri, std::chrono::milliseconds io_timeout)
    : where_(uri.describe()),
      host_(uri.host),
      port_(static_cast<std::uint16_t>(uri.port)),
      io_timeout_(io_timeout),
      reader_(redisReaderCreate(), redisReaderFree) {
  if (!reader_) throw RetryableError(fmt::format("{}: out of memory", where_));
  try {
    stream_ = std::make_unique<net::Stream>(host_, port_, net::TlsOptions{.enabled = uri.tls, .ca_file = uri.cacert},
                                            std::chrono::seconds(5));
  } catch (const net::Error& e) {
    fail(e.what(), dynamic_cast<const net::TlsError*>(&e) == nullptr);
  }
  const auto call = [&](Command cmd) {
    cmd.append_to(*this);
    return read_reply();
  };
  const auto check = [&](Reply r, const char* what) {
    if (r->type == REDIS_REPLY_ERROR) {
      const std::string why(r->str, r->len);
      if (why.starts_with("LOADING") || why.starts_with("BUSY")) fail(why);
      fail(fmt::format("{}: {}", what, why), false);
    }
  };
  // A URI without a password takes redis-cli's: $REDISCLI_AUTH (kept out of every command line).
  const char* from_env = std::getenv("REDISCLI_AUTH");
  const std::string password = !uri.password.empty() ? uri.password : from_env != nullptr ? from_env : "";
  if (!password.empty()) {
    Command auth;
    auth.arg("AUTH");
    if (!uri.user.empty()) auth.arg(uri.user);
    Reply r = call(std::move(auth.arg(password)));
    // $REDISCLI_AUTH is set for every server the shell reaches; one that wants no password says
    // so, and, as with redis-cli, the connection goes on (PING below still checks it is open).
    const bool unwanted =
        uri.password.empty() && r->type == REDIS_REPLY_ERROR &&
        std::string_view(r->str, r->len).find("without any password configured") != std::string_view::npos;
    if (!unwanted) check(std::move(r), "AUTH");
  }
  if (uri.db != 0) check(call(std::move(Command().arg("SELECT").arg(std::int64_t{uri.db}))), "SELECT");
  // Any command tells whether authentication is required and the server is ready.
  check(call(std::move(Command().arg("PING"))), "PING");
}

Connection::~Connection() = default;

void Connection::fail(const std::string& why, bool retryable) {
  broken_ = true;
  stream_.reset();
  const std::string text = fmt::format("{}: {}", where_, why);
  if (retryable) throw RetryableError(text);
  throw FatalError(text);
}

Reply Connection::read_reply() {
  if (broken_) fail("the connection is broken");
  const auto deadline = net::Clock::now() + io_timeout_;
  try {
    if (!out_.empty()) {
      stream_->send(std::span(reinterpret_cast<const std::uint8_t*>(out_.data()), out_.size()), deadline);
      out_.clear();
    }
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
        // The first bytes are not Redis's protocol: not a Redis port (a TLS front end's alert,
        // say), which no retry will mend; later, a stream gone wrong, which a new one may.
        if (!answered_) fail(fmt::format("{}: not a Redis server's answer{}", reader_->errstr, tls_port_hint()), false);
        fail(reader_->errstr);
      }
      if (raw != nullptr) {
        answered_ = true;
        return Reply(static_cast<redisReply*>(raw));
      }
      std::uint8_t buffer[64 * 1024];
      const std::size_t n = stream_->receive_some(buffer, sizeof buffer, deadline);
      if (redisReaderFeed(reader_.get(), reinterpret_cast<const char*>(buffer), n) != REDIS_OK) fail(reader_->errstr);
    }
  } catch (const net::TimeoutError&) {
    fail("no answer within --sink-timeout; the connection is dropped and made again");
  } catch (const net::IoError& e) {
    // A TLS-only port drops a plaintext client without a word, which no retry will mend.
    const std::string hint = answered_ ? std::string() : tls_port_hint();
    fail(e.what() + hint, hint.empty());
  } catch (const net::TlsError& e) {
    fail(e.what(), false);
  }
}

std::string Connection::tls_port_hint() const {
  if (stream_->encrypted() || !net::speaks_tls(host_, port_, std::chrono::seconds(5))) return "";
  return ": the port speaks TLS: use rediss://";
}

}  // namespace streamlab::sinks::redis
