#include "commands/broker_choice.hpp"

#include <CLI/CLI.hpp>

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

void add_brokers_flag(CLI::App* command, std::string& brokers) {
  command->add_option("-b,--brokers", brokers,
                      "Kafka bootstrap brokers (default $STREAMLAB_BROKERS, else 127.0.0.1:9092); 'embedded' "
                      "runs librdkafka's in-memory mock cluster inside this process (gone at exit, about 5 MB "
                      "kept per partition, older messages dropped)");
}

void add_client_flags(CLI::App* command, std::string& brokers, std::vector<std::string>& properties) {
  add_brokers_flag(command, brokers);
  command->add_option("-X", properties, "librdkafka property key=value, as kcat takes it (repeatable)")
      ->allow_extra_args(false);
}

}  // namespace streamlab::commands
