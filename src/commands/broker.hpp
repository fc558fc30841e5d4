#pragma once
// `streamlab broker`: serves librdkafka's mock cluster until SIGINT/SIGTERM, so producers and
// consumers in other processes can try streamlab with no Kafka installed.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace streamlab::commands {

struct BrokerOptions {
  int brokers = 1;
  int partitions = 1;
  std::vector<std::string> topics;  // created up front with `partitions` each
};

int run_broker(const BrokerOptions& options);

// Adds the `broker` subcommand and its flags, which fill `options`.
CLI::App* add_broker_command(CLI::App& app, BrokerOptions& options);

}  // namespace streamlab::commands
