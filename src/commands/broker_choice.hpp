#pragma once
// Resolves -b for a command: a real cluster, or an in-process embedded broker that lives as
// long as the returned object.

#include <memory>
#include <string>
#include <vector>

#include "kafka/client_config.hpp"
#include "kafka/embedded_broker.hpp"

namespace streamlab::commands {

struct BrokerChoice {
  std::unique_ptr<kafka::EmbeddedBroker> embedded;  // set for --brokers embedded
  kafka::ClientOptions client;
};

BrokerChoice choose_brokers(const std::string& flag, const std::vector<std::string>& properties);

}  // namespace streamlab::commands
