// CLI wiring only: parse the command line, run the command, map errors to exit codes
// (0 success, 1 runtime failure, 2 usage or configuration).

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <exception>

#include "commands/bench.hpp"
#include "commands/broker.hpp"
#include "commands/consume.hpp"
#include "commands/produce.hpp"
#include "commands/topic.hpp"
#include "commands/verify.hpp"
#include "core/errors.hpp"
#include "core/shutdown.hpp"

using namespace streamlab;

int main(int argc, char** argv) {
  CLI::App app{"streamlab: runs and measures a Kafka pipeline end to end"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "streamlab " STREAMLAB_VERSION);  // project(VERSION) in CMakeLists.txt

  // Each command's flags are defined beside its options struct, in src/commands/.
  commands::ProduceOptions produce;
  commands::ConsumeOptions consume;
  commands::VerifyOptions verify;
  commands::TopicOptions topic;
  commands::BrokerOptions broker;
  commands::BenchOptions bench;
  auto* p = commands::add_produce_command(app, produce);
  auto* c = commands::add_consume_command(app, consume);
  auto* v = commands::add_verify_command(app, verify);
  auto* t = commands::add_topic_command(app, topic);
  auto* b = commands::add_broker_command(app, broker);
  auto* bn = commands::add_bench_command(app, bench);
  // The report records how it was made.
  for (int i = 0; i < argc; ++i) bench.command_line += (i ? " " : "") + std::string(i ? argv[i] : "streamlab");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  core::install_shutdown_handlers();
  try {
    if (p->parsed()) return commands::run_produce(produce);
    if (c->parsed()) return commands::run_consume(consume);
    if (t->parsed()) return commands::run_topic(topic);
    if (v->parsed()) return commands::run_verify(verify);
    if (b->parsed()) return commands::run_broker(broker);
    if (bn->parsed()) return commands::run_bench(bench);
  } catch (const core::UsageError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 2;
}
