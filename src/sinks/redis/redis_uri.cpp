#include "sinks/redis/redis_uri.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/errors.hpp"
#include "core/percent_encoding.hpp"

namespace streamlab::sinks {

RedisUri parse_redis_uri(std::string_view u) {
  const auto bad = [&](const std::string& why) {
    return core::UsageError(fmt::format(
        "--sink: not a Redis URI (redis[s]://[[user]:password@]host:port[/db][?record=FILE&cacert=FILE]): {}", why));
  };
  RedisUri out;
  if (u.starts_with("rediss://")) {
    out.tls = true;
    u.remove_prefix(9);
  } else if (u.starts_with("redis://")) {
    u.remove_prefix(8);
  } else {
    throw bad("must start with redis:// (or rediss:// for TLS)");
  }
  // The last '@' ends the credentials: a password may hold '@' itself.
  if (const auto at = u.rfind('@'); at != std::string_view::npos) {
    const std::string_view cred = u.substr(0, at);
    // user@ alone: an ACL user whose password comes from $REDISCLI_AUTH.
    const auto colon = cred.find(':');
    // A '/' ends the host: before the credentials' ':', it makes them a path (and
    // core::redact_secrets, reading the URI so, would leave the password in a report).
    if (cred.substr(0, colon).find('/') != std::string_view::npos) throw bad("a user name cannot hold '/'");
    out.user = cred.substr(0, colon);
    if (colon != std::string_view::npos) out.password = cred.substr(colon + 1);
    u.remove_prefix(at + 1);
  }
  if (const auto q = u.find('?'); q != std::string_view::npos) {
    std::string_view query = u.substr(q + 1);
    u = u.substr(0, q);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      const auto eq = pair.find('=');
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      std::string* slot = name == "record" ? &out.record : name == "cacert" ? &out.cacert : nullptr;
      if (slot == nullptr) throw bad(fmt::format("query '{}': the parameters are record=FILE and cacert=FILE", pair));
      if (value.empty()) throw bad(fmt::format("parameter '{}' has no value", name));
      if (!slot->empty()) throw bad(fmt::format("parameter '{}' given twice", name));
      std::optional<std::string> decoded = core::percent_decode(value);
      if (!decoded) throw bad(fmt::format("parameter '{}': a '%' not followed by two hex digits", name));
      *slot = std::move(*decoded);
    }
    if (!out.cacert.empty() && !out.tls) throw bad("cacert= is for a TLS connection: rediss://");
  }
  if (const auto slash = u.find('/'); slash != std::string_view::npos) {
    const std::string_view db = u.substr(slash + 1);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), out.db);
      if (ec != std::errc() || p != db.data() + db.size() || out.db < 0) throw bad(fmt::format("database '{}'", db));
    }
    u = u.substr(0, slash);
  }
  if (const auto colon = u.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = u.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || p != port.data() + port.size() || out.port < 1 || out.port > 65535) {
      throw bad(fmt::format("port '{}'", port));
    }
    u = u.substr(0, colon);
  }
  if (!u.empty()) out.host = std::string(u);
  return out;
}

std::string RedisUri::describe() const { return fmt::format("{} {}:{}/{}", tls ? "rediss" : "redis", host, port, db); }

void check_redis_prefix(std::string_view prefix) {
  for (char c : prefix) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\0')
      throw core::UsageError("--table (the Redis key prefix) cannot hold spaces or line breaks");
  }
  if (prefix.empty()) throw core::UsageError("--table (the Redis key prefix) is empty");
}

}  // namespace streamlab::sinks
