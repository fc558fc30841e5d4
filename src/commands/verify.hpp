#pragma once
// `streamlab verify`: checks that a sink holds every message of a topic exactly once. Reads
// which offsets the topic holds (kafka/topic_scan) and what the sink holds for it and the group
// (the sink's inventory), compares them without I/O (sinks/verify_report), and prints a table
// per partition on stdout, or with --json one document.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace streamlab::commands {

struct VerifyOptions {
  std::string brokers;
  std::vector<std::string> properties;  // -X
  std::string topic;
  std::string sink;   // as consume --sink: postgres://… | redis://… | ignite://…
  std::string table;  // as consume --table; empty = the sink's default
  std::string group = "streamlab";
  bool json = false;
};

// Exit code: 0 when every offset is held exactly once and the stored offsets match, 1 when not
// (or the sink or Kafka cannot be read: RuntimeFailure); UsageError (exit 2) for an unknown
// topic, a bad URI or a table that does not exist.
int run_verify(const VerifyOptions& options);

// Adds the `verify` subcommand and its flags, which fill `options`.
CLI::App* add_verify_command(CLI::App& app, VerifyOptions& options);

}  // namespace streamlab::commands
