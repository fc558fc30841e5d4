// commands::broker_choice: -F and -X together, as the command line gives them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>

#include "commands/broker_choice.hpp"

using namespace streamlab;

TEST(BrokerChoice, XWinsOverTheFileAndBOverItsBootstrap) {
  const auto path = std::filesystem::temp_directory_path() / ("streamlab-F-" + std::to_string(::getpid()));
  std::ofstream(path) << "bootstrap.servers=file:1\nclient.id=file\nlinger.ms=7\n";
  CLI::App app;
  std::string brokers;
  std::vector<std::string> properties;
  commands::add_client_flags(&app, brokers, properties);
  app.parse("-X client.id=flag -F " + path.string() + " -b flag:2", false);
  EXPECT_EQ(properties,
            (std::vector<std::string>{"bootstrap.servers=file:1", "client.id=file", "linger.ms=7", "client.id=flag"}));
  const commands::BrokerChoice c = commands::choose_brokers(brokers, properties);
  EXPECT_EQ(c.client.brokers, "flag:2");
  EXPECT_EQ(c.client.properties,
            (kafka::Properties{{"client.id", "file"}, {"linger.ms", "7"}, {"client.id", "flag"}}));  // applied in order
  std::filesystem::remove(path);
}
