#include "commands/sink_choice.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "core/errors.hpp"
#include "core/secrets.hpp"
#include "sinks/ignite/ignite_inventory.hpp"
#include "sinks/ignite/ignite_sink.hpp"
#include "sinks/null_sink.hpp"
#include "sinks/postgres/postgres_inventory.hpp"
#include "sinks/postgres/postgres_sink.hpp"
#include "sinks/redis/redis_inventory.hpp"
#include "sinks/redis/redis_sink.hpp"

namespace streamlab::commands {

namespace {

bool is_postgres(const std::string& uri) { return uri.starts_with("postgres://") || uri.starts_with("postgresql://"); }
bool is_redis(const std::string& uri) { return uri.starts_with("redis://") || uri.starts_with("rediss://"); }

core::UsageError unknown_scheme(const std::string& uri) {
  return core::UsageError(
      fmt::format("--sink '{}': expected null, postgres://…, postgresql://…, redis://…, rediss://… or ignite://…",
                  uri.substr(0, uri.find("://") == std::string::npos ? uri.size() : uri.find("://") + 3)));
}

}  // namespace

std::string sink_uri(const std::string& value) { return core::from_environment("--sink", value); }

std::unique_ptr<sinks::Sink> make_sink(const SinkChoice& choice) {
  SinkChoice c = choice;
  c.uri = sink_uri(choice.uri);
  const bool postgres = is_postgres(c.uri);
  if (c.raw != "none" && !postgres) throw core::UsageError("--raw goes with a PostgreSQL --sink");
  if (c.uri == "null") return std::make_unique<sinks::NullSink>();
  if (postgres) {
    sinks::PostgresSinkOptions o{c.uri};
    if (!c.table.empty()) o.table = c.table;
    o.timeout = c.timeout;
    if (c.raw == "json")
      o.raw = sinks::RawColumn::Json;
    else if (c.raw == "jsonb")
      o.raw = sinks::RawColumn::Jsonb;
    else if (c.raw != "none")
      throw core::UsageError(fmt::format("--raw expects none, json or jsonb, got '{}'", c.raw));
    return std::make_unique<sinks::PostgresSink>(std::move(o));
  }
  if (is_redis(c.uri)) {
    sinks::RedisSinkOptions o{c.uri};
    if (!c.table.empty()) o.prefix = c.table;
    o.timeout = c.timeout;
    return std::make_unique<sinks::RedisSink>(std::move(o));
  }
  if (c.uri.starts_with("ignite://")) return std::make_unique<sinks::IgniteSink>(c.uri, c.table, c.timeout);
  throw unknown_scheme(c.uri);
}

std::unique_ptr<sinks::SinkInventory> make_inventory(const SinkChoice& choice) {
  SinkChoice c = choice;
  c.uri = sink_uri(choice.uri);
  if (c.uri == "null") throw core::UsageError("--sink null stores nothing, so there is nothing to verify");
  if (is_postgres(c.uri)) return std::make_unique<sinks::PostgresInventory>(c.uri, c.table);
  if (is_redis(c.uri)) return std::make_unique<sinks::RedisInventory>(c.uri, c.table);
  if (c.uri.starts_with("ignite://")) return std::make_unique<sinks::IgniteInventory>(c.uri, c.table);
  throw unknown_scheme(c.uri);
}

}  // namespace streamlab::commands
