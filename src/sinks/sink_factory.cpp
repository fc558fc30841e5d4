#include "sinks/sink_factory.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"
#include "sinks/ignite/ignite_sink.hpp"
#include "sinks/null_sink.hpp"
#include "sinks/postgres/postgres_sink.hpp"
#include "sinks/redis/redis_sink.hpp"

namespace streamlab::sinks {

std::unique_ptr<Sink> make_sink(const SinkChoice& c) {
  const bool postgres = c.uri.starts_with("postgres://") || c.uri.starts_with("postgresql://");
  if (c.raw != "none" && !postgres) throw core::UsageError("--raw goes with a PostgreSQL --sink");
  if (c.uri == "null") return std::make_unique<NullSink>();
  if (postgres) {
    PostgresSinkOptions o{c.uri};
    if (!c.table.empty()) o.table = c.table;
    if (c.raw == "json") o.raw = RawColumn::Json;
    else if (c.raw == "jsonb") o.raw = RawColumn::Jsonb;
    else if (c.raw != "none") throw core::UsageError(fmt::format("--raw expects none, json or jsonb, got '{}'", c.raw));
    return std::make_unique<PostgresSink>(std::move(o));
  }
  if (c.uri.starts_with("redis://")) {
    RedisSinkOptions o{c.uri};
    if (!c.table.empty()) o.prefix = c.table;
    return std::make_unique<RedisSink>(std::move(o));
  }
  if (c.uri.starts_with("ignite://")) return std::make_unique<IgniteSink>(c.uri, c.table);
  throw core::UsageError(fmt::format(
      "--sink '{}': expected null, postgres://…, postgresql://…, redis://… or ignite://…",
      c.uri.substr(0, c.uri.find("://") == std::string::npos ? c.uri.size() : c.uri.find("://") + 3)));
}

}  // namespace streamlab::sinks
