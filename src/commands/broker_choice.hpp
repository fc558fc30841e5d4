#pragma once
// Resolves -b for a command: a real cluster, or an in-process embedded broker that lives as
// long as the returned object.

#include <memory>
#include <string>
#include <vector>

#include "kafka/client_config.hpp"
#include "kafka/embedded_broker.hpp"

namespace CLI {
class App;
}

namespace streamlab::commands {

struct BrokerChoice {
  std::unique_ptr<kafka::EmbeddedBroker> embedded;  // set for --brokers embedded
  kafka::ClientOptions client;
};

BrokerChoice choose_brokers(const std::string& flag, const std::vector<std::string>& properties);

// -b/--brokers, for every command that reaches Kafka.
void add_brokers_flag(CLI::App* command, std::string& brokers);
// -b and -X key=value (librdkafka properties, repeatable), for the commands that make a client.
void add_client_flags(CLI::App* command, std::string& brokers, std::vector<std::string>& properties);

}  // namespace streamlab::commands
