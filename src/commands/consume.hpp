#pragma once
// `streamlab consume` (mode 1): reads a topic as a group member, shows or counts what arrives,
// and measures rate and end-to-end latency (Kafka message timestamp → receipt).

#include <cstdint>
#include <string>
#include <vector>

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
  double idle_exit_s = 0;   // stop after this long without a message; 0 = never
  std::vector<std::string> properties;
};

// Exit code: 0, or 1 when --count was not reached before --idle-exit or a signal.
int run_consume(const ConsumeOptions& options);

}  // namespace streamlab::commands
