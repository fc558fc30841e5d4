#include "sinks/redis/redis_connection.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "sinks/sink.hpp"

namespace streamlab::sinks::redis {

void Command::append_to(std::string& resp) {
  auto out = std::back_inserter(resp);
  fmt::format_to(out, "*{}\r\n", args_.size());
  for (const auto& a : args_) {
    fmt::format_to(out, "${}\r\n", a.size());
    resp += a;
    resp += "\r\n";
  }
  args_.clear();
}

void Command::append_to(redisContext* c) {
  std::string resp;
  append_to(resp);
  redisAppendFormattedCommand(c, resp.data(), resp.size());
}

std::string offsets_key(std::string_view prefix, std::string_view group) {
  return fmt::format("{}:offsets:{}", prefix, group);
}

Context connect(const RedisUri& uri, std::chrono::milliseconds io_timeout) {
  const std::string where = uri.describe();
  const timeval connect_timeout{5, 0};
  Context ctx(redisConnectWithTimeout(uri.host.c_str(), uri.port, connect_timeout));
  if (!ctx || ctx->err != 0) {
    throw RetryableError(fmt::format("{}: {}", where, ctx ? ctx->errstr : "out of memory"));
  }
  // Each read and write on the socket (SO_RCVTIMEO, SO_SNDTIMEO): a reply later than this counts
  // as lost, and the context as failed.
  const auto ms = io_timeout.count();
  redisSetTimeout(ctx.get(), timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)});
  const auto check = [&](Reply r, const char* what) {
    if (!r) throw RetryableError(fmt::format("{}: {}: {}", where, what, io_failure(ctx.get())));
    if (r->type == REDIS_REPLY_ERROR) {
      const std::string why(r->str, r->len);
      if (why.starts_with("LOADING") || why.starts_with("BUSY"))
        throw RetryableError(fmt::format("{}: {}", where, why));
      throw FatalError(fmt::format("{}: {}: {}", where, what, why));
    }
  };
  const std::string& user = uri.user;
  // A URI without a password takes redis-cli's: $REDISCLI_AUTH (kept out of every command line).
  const char* from_env = std::getenv("REDISCLI_AUTH");
  const std::string password = !uri.password.empty() ? uri.password : from_env != nullptr ? from_env : "";
  if (!password.empty()) {
    Reply r(user.empty()
                ? static_cast<redisReply*>(redisCommand(ctx.get(), "AUTH %b", password.data(), password.size()))
                : static_cast<redisReply*>(redisCommand(ctx.get(), "AUTH %b %b", user.data(), user.size(),
                                                        password.data(), password.size())));
    // $REDISCLI_AUTH is set for every server the shell reaches; one that wants no password says
    // so, and, as with redis-cli, the connection goes on (PING below still checks it is open).
    const bool unwanted =
        uri.password.empty() && r && r->type == REDIS_REPLY_ERROR &&
        std::string_view(r->str, r->len).find("without any password configured") != std::string_view::npos;
    if (!unwanted) check(std::move(r), "AUTH");
  }
  if (uri.db != 0) check(Reply(static_cast<redisReply*>(redisCommand(ctx.get(), "SELECT %d", uri.db))), "SELECT");
  // Any command tells whether authentication is required and the server is ready.
  check(Reply(static_cast<redisReply*>(redisCommand(ctx.get(), "PING"))), "PING");
  return ctx;
}

Reply read_reply(redisContext* c, const std::string& where) {
  redisReply* raw = nullptr;
  if (redisGetReply(c, reinterpret_cast<void**>(&raw)) != REDIS_OK) {
    throw RetryableError(fmt::format("{}: {}", where, io_failure(c)));
  }
  return Reply(raw);
}

std::string io_failure(const redisContext* c) {
  if (c->err == REDIS_ERR_IO && std::string_view(c->errstr) == std::strerror(EAGAIN)) {
    return "no answer within --sink-timeout; the connection is dropped and made again";
  }
  return c->errstr;
}

}  // namespace streamlab::sinks::redis
