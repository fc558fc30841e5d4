#pragma once
// `streamlab produce`: a source paced into a Kafka topic, with live status and a summary.

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace streamlab::commands {

struct ProduceOptions {
  std::string brokers;  // raw flag; resolved with kafka::resolve_brokers
  std::string topic = "streamlab";
  std::string source = "counter";  // counter | tweets | synthetic-tweets | x-stream
  std::string file;                // for tweets; empty = the real-tweet corpus
  std::uint64_t count = 0;         // 0 = until the source ends, --duration, or Ctrl-C
  double duration_s = 0;
  double rate = 0;  // msgs/s, 0 = unlimited
  bool loop = false;
  bool strict = false;
  bool json = false;
  std::uint64_t seed = 1;
  std::vector<std::string> properties;  // -X key=value
  // --source x-stream (X API v2 filtered stream; the token only from $X_BEARER_TOKEN)
  std::string track;  // comma-separated keywords; empty = the lab's
  std::string lang;   // comma-separated language codes; empty = the lab's (es,en)
  std::string api_base = "https://api.x.com";
  double stall_timeout_s = 30;
  std::string stats;  // --stats FILE: running counters as JSON lines (core/stats_file.hpp)
};

// Returns the exit code: 0 when every message was acknowledged, 1 otherwise.
int run_produce(const ProduceOptions& options);

// Adds the `produce` subcommand and its flags, which fill `options`.
CLI::App* add_produce_command(CLI::App& app, ProduceOptions& options);

}  // namespace streamlab::commands
