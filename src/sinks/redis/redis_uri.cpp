#include "sinks/redis/redis_uri.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/errors.hpp"

namespace streamlab::sinks {

RedisUri parse_redis_uri(std::string_view u) {
  const auto bad = [&](const std::string& why) {
    return core::UsageError(
        fmt::format("--sink: not a Redis URI (redis://[:password@]host:port[/db][?record=FILE]): {}", why));
  };
  RedisUri out;
  if (!u.starts_with("redis://")) throw bad("must start with redis://");
  u.remove_prefix(8);
  // The last '@' ends the credentials: a password may hold '@' itself.
  if (const auto at = u.rfind('@'); at != std::string_view::npos) {
    const std::string_view cred = u.substr(0, at);
    const auto colon = cred.find(':');
    if (colon == std::string_view::npos) throw bad("credentials need ':' before the password");
    // A '/' ends the host: before the credentials' ':', it makes them a path (and
    // core::redact_secrets, reading the URI so, would leave the password in a report).
    if (cred.substr(0, colon).find('/') != std::string_view::npos) throw bad("a user name cannot hold '/'");
    out.user = cred.substr(0, colon);
    out.password = cred.substr(colon + 1);
    u.remove_prefix(at + 1);
  }
  if (const auto q = u.find('?'); q != std::string_view::npos) {
    const std::string_view query = u.substr(q + 1);
    if (!query.starts_with("record=") || query.size() == 7 || query.find('&') != std::string_view::npos) {
      throw bad(fmt::format("query '{}': the one parameter is record=FILE", query));
    }
    out.record = std::string(query.substr(7));
    u = u.substr(0, q);
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

std::string RedisUri::describe() const { return fmt::format("redis {}:{}/{}", host, port, db); }

void check_redis_prefix(std::string_view prefix) {
  for (char c : prefix) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\0')
      throw core::UsageError("--table (the Redis key prefix) cannot hold spaces or line breaks");
  }
  if (prefix.empty()) throw core::UsageError("--table (the Redis key prefix) is empty");
}

}  // namespace streamlab::sinks
