#pragma once
// The services as the bench reaches them besides streamlab's own sinks: reachability checks,
// the psql / redis-cli command lines, counts and clean-up of what a run created.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/child_process.hpp"

namespace streamlab::bench {

struct ServiceUris {
  std::string brokers, postgres, redis, ignite;  // empty = not configured
  std::vector<std::string> broker_metrics;       // the brokers' Prometheus endpoints; none = not read
  // The lab's WAN (deploy/local/services start toxiproxy): Toxiproxy's API, and the brokers and
  // PostgreSQL through its proxies. Empty = the wan scenario is skipped.
  std::string toxiproxy, wan_brokers, wan_postgres;
};

// The port of "host:port", "scheme://[user[:pw]@]host:port/…" (0 when there is none).
std::uint16_t port_of(const std::string& address, std::uint16_t fallback);

// nullopt when reachable, else why not.
std::optional<std::string> postgres_unreachable(const std::string& uri);
std::optional<std::string> redis_unreachable(const std::string& uri);
std::optional<std::string> ignite_unreachable(const std::string& uri);

// A program's command line and what it gets in its environment (added to the bench's own):
// secrets go there, never into the argv that every local user can read in /proc.
using Environment = std::vector<std::pair<std::string, std::string>>;
using ToolCall = std::pair<std::vector<std::string>, Environment>;

// psql with the session's URI, quiet, stopping at the first error, `args` appended; a password
// in the URI (user:password@ or ?password=, percent-decoded) goes in PGPASSWORD.
ToolCall psql(const std::string& uri, const std::vector<std::string>& args);
// That psql run to its end (at most `timeout`).
RunResult run_psql(const std::string& uri, const std::vector<std::string>& args, std::chrono::seconds timeout);
// redis-cli for `uri` (host, port, db); the password, if any, goes in REDISCLI_AUTH.
ToolCall redis_cli(const std::string& uri);

std::optional<std::uint64_t> postgres_count(const std::string& uri, const std::string& table);
// Clean-up; errors are returned as text (empty = done).
std::string drop_postgres(const std::string& uri, const std::vector<std::string>& tables,
                          const std::string& group_prefix);
// Every key matching the SCAN pattern.
std::string delete_redis_keys(const std::string& uri, const std::string& pattern);
// Redis as a timed phase should find it: the keys matching `pattern` deleted and the append-only
// file rewritten (BGREWRITEAOF, waited for up to 2 minutes). Redis rewrites its AOF by itself
// once it has doubled, forking a copy of the whole dataset (seconds of CPU on 2 cores); from the
// same small start, streamlab's drain and redis-cli's replay of it meet those rewrites alike,
// instead of one of them meeting the rewrite of what earlier scenarios left.
std::string settle_redis(const std::string& uri, const std::string& pattern);
std::string drop_ignite(const std::string& uri, const std::vector<std::string>& tables);

}  // namespace streamlab::bench
