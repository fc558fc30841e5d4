#pragma once
// `--sink URI` → the sink that stores there, or the inventory that reads it back (verify).

#include <chrono>
#include <memory>
#include <string>

#include "sinks/sink.hpp"
#include "sinks/sink_inventory.hpp"

namespace streamlab::commands {

struct SinkChoice {
  std::string uri;           // null | postgres://… | postgresql://… | redis://… | ignite://… | env:NAME
  std::string table;         // PostgreSQL or Ignite table / Redis key prefix; empty = the sink's default
  std::string raw = "none";  // PostgreSQL: none | json | jsonb
  // A store that leaves a request unanswered this long is taken as gone (all three sinks).
  std::chrono::milliseconds timeout = sinks::kDefaultSinkTimeout;
};

// The URI a --sink value names: `env:NAME` is the URI held by the environment variable NAME
// (so a password in it is in no process's argv), anything else the value itself. UsageError
// when NAME is not set.
std::string sink_uri(const std::string& value);

// Throws core::UsageError for an unknown scheme or a bad option.
std::unique_ptr<sinks::Sink> make_sink(const SinkChoice& choice);
// The same URIs and --table (`raw` is ignored); `null` holds nothing and is a UsageError too.
std::unique_ptr<sinks::SinkInventory> make_inventory(const SinkChoice& choice);

}  // namespace streamlab::commands
