#include "commands/broker.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/errors.hpp"
#include "core/shutdown.hpp"
#include "kafka/embedded_broker.hpp"

namespace streamlab::commands {

int run_broker(const BrokerOptions& o) {
  if (o.brokers < 1 || o.partitions < 1) throw core::UsageError("--brokers-count and --partitions must be at least 1");
  kafka::EmbeddedBroker broker(o.brokers);
  for (const auto& t : o.topics) broker.create_topic(t, o.partitions);
  // stdout carries only the address, so `eval "$(streamlab broker &)"`-style wrappers can read it.
  fmt::print("STREAMLAB_BROKERS={}\n", broker.bootstraps());
  std::fflush(stdout);
  fmt::print(stderr, "embedded broker (in memory, about 5 MB kept per partition) at {}; Ctrl-C stops it\n",
             broker.bootstraps());
  while (!core::shutdown_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

CLI::App* add_broker_command(CLI::App& app, BrokerOptions& o) {
  auto* b = app.add_subcommand("broker",
                               "Serve an embedded in-memory broker (librdkafka's mock cluster) until Ctrl-C; "
                               "prints STREAMLAB_BROKERS=host:port on stdout");
  b->add_option("--brokers-count", o.brokers, "Number of mock brokers")->capture_default_str();
  b->add_option("-p,--partitions", o.partitions, "Partitions of each -t topic")->capture_default_str();
  b->add_option("-t,--topic", o.topics, "Topics to create up front (repeatable)");
  return b;
}

}  // namespace streamlab::commands
