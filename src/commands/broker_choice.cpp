#include "commands/broker_choice.hpp"

#include <CLI/CLI.hpp>

#include "core/errors.hpp"
#include "kafka/client_config.hpp"

namespace streamlab::commands {

BrokerChoice choose_brokers(const std::string& flag, const std::vector<std::string>& properties) {
  BrokerChoice choice;
  for (const auto& p : properties) choice.client.properties.push_back(kafka::parse_property(p));
  choice.client.brokers = kafka::choose_bootstrap(flag, choice.client.properties);
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
  // Defined after -X: its callback runs after -X's values are in place and puts the file's
  // before them, so a -X of the same key wins.
  command
      ->add_option_function<std::string>(
          "-F",
          [&properties](const std::string& path) {
            std::vector<std::string> lines;
            try {
              for (const auto& [k, v] : kafka::read_properties_file(path)) lines.push_back(k + "=" + v);
            } catch (const core::UsageError& e) {
              throw CLI::ValidationError(e.what());  // while parsing: CLI11 reports it, exit code 2
            }
            properties.insert(properties.begin(), lines.begin(), lines.end());
          },
          "librdkafka properties file (key=value lines, # comments), as kcat's -F: where a password belongs "
          "rather than the command line; -X wins over it, -b over its bootstrap.servers (default "
          "$STREAMLAB_CONFIG)")
      ->envname("STREAMLAB_CONFIG");
}

}  // namespace streamlab::commands
