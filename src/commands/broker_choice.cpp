#include "commands/broker_choice.hpp"

namespace streamlab::commands {

BrokerChoice choose_brokers(const std::string& flag, const std::vector<std::string>& properties) {
  BrokerChoice choice;
  choice.client.brokers = kafka::resolve_brokers(flag);
  for (const auto& p : properties) choice.client.properties.push_back(kafka::parse_property(p));
  if (choice.client.brokers == kafka::kEmbeddedBrokers) {
    choice.embedded = std::make_unique<kafka::EmbeddedBroker>();
    choice.client.brokers = choice.embedded->bootstraps();
  }
  return choice;
}

}  // namespace streamlab::commands
