#pragma once
// `streamlab topic create|describe|delete|list` (what the lab's Topic.sh did).

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace streamlab::commands {

struct TopicOptions {
  std::string action;  // create | describe | delete | list
  std::string brokers;
  std::string topic;
  int partitions = 1;
  int replication_factor = 0;  // 0: min(3, brokers in the cluster)
  bool if_not_exists = false;
  bool json = false;
  std::vector<std::string> configs;     // --config key=value, topic configs for create
  std::vector<std::string> properties;  // -X
};

int run_topic(const TopicOptions& options);

// Adds the `topic` subcommand and its flags, which fill `options`.
CLI::App* add_topic_command(CLI::App& app, TopicOptions& options);

}  // namespace streamlab::commands
