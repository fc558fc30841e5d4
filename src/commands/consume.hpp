#pragma once
// `streamlab consume`: reads a topic as a group member, shows or counts what arrives (mode 1)
// and/or stores it in a sink (mode 2), and measures rate and end-to-end latency.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sinks/sink_runner.hpp"

namespace CLI {
class App;
}

namespace streamlab::commands {

struct ConsumeOptions {
  std::string brokers;
  std::vector<std::string> topics = {"streamlab"};
  std::string group = "streamlab";
  std::string from = "stored";  // beginning | end | stored
  std::string show;             // "" (none) | "text" | "json" | "raw"
  bool quiet = false;
  bool json = false;
  std::uint64_t count = 0;  // stop after this many; 0 = no limit
  // Stop once nothing has been left to read for this long (every assigned partition at its
  // end, everything read stored); waiting for the group does not count. 0 = never.
  double idle_exit_s = 0;
  // Stop once every assigned partition is read (and stored) up to the high watermark seen
  // when it was assigned, like kcat -e.
  bool until_end = false;
  // Exit 1 when no partition is assigned within this long; 0 = wait for ever.
  double assign_timeout_s = 60;
  std::string instance_id;  // static group membership (group.instance.id)
  std::vector<std::string> properties;
  std::string web;               // --web HOST:PORT: the live dashboard and /metrics (src/web/); empty = off
  std::size_t web_clients = 16;  // --web-clients: /events streams at once
  std::string web_token;         // --web-token VALUE | env:NAME; empty = $STREAMLAB_WEB_TOKEN, else none
  std::string stats;             // --stats FILE: running counters as JSON lines (core/stats_file.hpp)

  // Mode 2: store every message (exactly once) as well.
  std::string sink;  // empty = none; null | postgres://… | redis://… | ignite://…
  std::string table;
  std::string raw = "none";
  // When a batch is written: the runner's own defaults (sinks::SinkRunnerOptions says why).
  std::size_t batch_rows = sinks::SinkRunnerOptions{}.batch_rows;
  std::optional<double> batch_mb;  // absent: the sink's own (sinks::Sink::batch_bytes)
  double batch_ms = static_cast<double>(sinks::SinkRunnerOptions{}.batch_time.count());
  // A store that has not answered for this long is taken as gone: the connection is dropped and
  // the batch written again (sinks::kDefaultSinkTimeout).
  double sink_timeout_s = 20;  // below max.poll.interval.ms (30 s): a hung store keeps the member in its group
  std::string dlq_topic;
};

// Exit code: 0, or 1 when --count was not reached before --idle-exit or a signal, no
// partition came within --assign-timeout, or the sink failed for good.
int run_consume(const ConsumeOptions& options);

// Adds the `consume` subcommand and its flags, which fill `options`.
CLI::App* add_consume_command(CLI::App& app, ConsumeOptions& options);

}  // namespace streamlab::commands
