// CLI wiring only: parse the command line, run the command, map errors to exit codes
// (0 success, 1 runtime failure, 2 usage or configuration).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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

namespace {

constexpr const char* kBrokersHelp =
    "Kafka bootstrap brokers (default $STREAMLAB_BROKERS, else 127.0.0.1:9092); 'embedded' runs "
    "librdkafka's in-memory mock cluster inside this process (gone at exit, about 5 MB kept per "
    "partition, older messages dropped)";
constexpr const char* kPropertyHelp = "librdkafka property key=value, as kcat takes it (repeatable)";

void add_client_options(CLI::App* cmd, std::string& brokers, std::vector<std::string>& props) {
  cmd->add_option("-b,--brokers", brokers, kBrokersHelp);
  cmd->add_option("-X", props, kPropertyHelp)->allow_extra_args(false);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"streamlab: runs and measures a Kafka pipeline end to end"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "streamlab 0.1.0");

  commands::ProduceOptions produce;
  auto* p = app.add_subcommand("produce", "Produce counter messages or tweets into a topic");
  add_client_options(p, produce.brokers, produce.properties);
  p->add_option("-t,--topic", produce.topic, "Topic to produce to")->capture_default_str();
  p->add_option("--source", produce.source,
                "counter: {\"number\": n} from 0; tweets: a JSONL file replayed as-is (--file, default the "
                "real-tweet corpus); synthetic-tweets: seeded generator shaped like the corpus; x-stream: "
                "live tweets from X API v2's filtered stream (bearer token in $X_BEARER_TOKEN)")
      ->check(CLI::IsMember({"counter", "tweets", "synthetic-tweets", "x-stream"}))
      ->capture_default_str();
  p->add_option("--file", produce.file, "JSONL tweet file for --source tweets");
  p->add_option("--count", produce.count, "Stop after N messages (default: until the source ends or Ctrl-C)");
  p->add_option("--duration", produce.duration_s, "Stop after S seconds")->check(CLI::NonNegativeNumber);
  p->add_option("--rate", produce.rate, "Messages per second, evenly paced (default unlimited)")
      ->check(CLI::NonNegativeNumber);
  p->add_flag("--loop", produce.loop, "Replay the file again and again");
  p->add_flag("--strict", produce.strict, "A malformed line in the file is fatal instead of skipped");
  p->add_option("--seed", produce.seed, "Seed of --source synthetic-tweets")->capture_default_str();
  p->add_option("--track", produce.track,
                "x-stream: comma-separated keywords or phrases, any of which matches (default the lab's: "
                "Chile,Santiago,Fútbol,...,yes,no)");
  p->add_option("--lang", produce.lang, "x-stream: comma-separated language codes, any of which matches (default es,en)");
  p->add_option("--api-base", produce.api_base, "x-stream: X API base URL")->capture_default_str();
  p->add_option("--stall-timeout", produce.stall_timeout_s,
                "x-stream: reconnect after S seconds without a byte (X sends a keep-alive every ~20 s)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  p->add_flag("--json", produce.json, "Print a machine-readable summary on stdout");
  p->add_option("--stats", produce.stats,
                "Append running counters (acked, bytes) as a JSON line every 250 ms to FILE");

  commands::ConsumeOptions consume;
  auto* c = app.add_subcommand("consume", "Consume a topic: show messages live, or count them with rates and latency");
  add_client_options(c, consume.brokers, consume.properties);
  c->add_option("-t,--topic", consume.topics, "Topic(s) to consume")->capture_default_str();
  c->add_option("-g,--group", consume.group, "Consumer group")->capture_default_str();
  c->add_option("--from", consume.from,
                "Where a partition starts when first assigned: beginning, end, or stored (the group's "
                "committed offset, else the beginning)")
      ->check(CLI::IsMember({"beginning", "end", "stored"}))
      ->capture_default_str();
  c->add_option("--show", consume.show,
                "Print each message on stdout: text (one readable line), json (one object with the "
                "parsed fields) or raw (the payload as-is)")
      ->expected(0, 1)
      ->default_str("text")
      ->check(CLI::IsMember({"text", "json", "raw"}));
  c->add_flag("--quiet", consume.quiet, "Print only the once-a-second rate line");
  c->add_option("--count", consume.count, "Stop after N messages");
  c->add_option("--idle-exit", consume.idle_exit_s,
                "Stop once nothing has been left to read for S seconds (every assigned partition at its end "
                "and, with --sink, stored); waiting for partitions or for the sink does not count")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("--until-end", consume.until_end,
              "Stop (exit 0) once every assigned partition is read, and with --sink stored, up to the high "
              "watermark it had when assigned, like kcat -e");
  c->add_option("--assign-timeout", consume.assign_timeout_s,
                "Exit 1 when no partition is assigned within S seconds (0: wait for ever)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--instance-id", consume.instance_id,
                "Static group membership (group.instance.id): a member restarted with the same id within the "
                "session timeout (6 s) gets its partitions back at once, without a rebalance");
  c->add_flag("--json", consume.json, "Print a machine-readable summary (on stdout; on stderr with --show)");
  c->add_option("--stats", consume.stats,
                "Append running counters (consumed, bytes, stored) as a JSON line every 250 ms to FILE");
  c->add_option("--web", consume.web,
                "Serve a live dashboard (rates, lag, sink commits, CPU/RSS, trending hashtags, a feed of "
                "the messages) and Prometheus /metrics on HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any "
                "free one); the URL is printed on stderr");
  c->add_option("--sink", consume.sink,
                "Also store every message, exactly once: null (measure only), postgres://… (any libpq "
                "URI), redis://[:password@]host:port[/db], ignite://host:port[?table=NAME]");
  c->add_option("--table", consume.table,
                "PostgreSQL or Ignite table (default streamlab_messages; dead letters in "
                "<table>_dead_letters) or Redis key prefix (default streamlab)");
  c->add_option("--raw", consume.raw, "PostgreSQL: also keep each document in a raw column")
      ->check(CLI::IsMember({"none", "json", "jsonb"}))
      ->capture_default_str();
  c->add_option("--batch-rows", consume.batch_rows, "A batch is written when it holds this many rows")
      ->capture_default_str();
  c->add_option("--batch-ms", consume.batch_ms, "... or when its first row is this old")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--dlq-topic", consume.dlq_topic,
                "Also send each dead letter (with its error in header streamlab-error) to this topic");

  commands::VerifyOptions verify;
  auto* v = app.add_subcommand("verify",
                               "Check that a sink holds every message of a topic exactly once (as a row or a dead "
                               "letter) and that the group's stored offsets match; exit 0 when so, 1 when not");
  add_client_options(v, verify.brokers, verify.properties);
  v->add_option("-t,--topic", verify.topic, "Topic whose messages the sink should hold")->required();
  v->add_option("--sink", verify.sink,
                "The sink consume --sink stored into: postgres://… (any libpq URI), "
                "redis://[:password@]host:port[/db], ignite://host:port[?table=NAME]")
      ->required();
  v->add_option("--table", verify.table,
                "As consume's: PostgreSQL or Ignite table (default streamlab_messages) or Redis key prefix "
                "(default streamlab)");
  v->add_option("-g,--group", verify.group, "Consumer group whose stored offsets are checked")->capture_default_str();
  v->add_flag("--json", verify.json, "Print one JSON document instead of the table");

  commands::TopicOptions topic;
  auto* t = app.add_subcommand("topic", "Create, describe, delete or list topics");
  t->require_subcommand(1);
  for (const char* action : {"create", "describe", "delete", "list"}) {
    auto* a = t->add_subcommand(action, fmt::format("{} topic(s)", action));
    add_client_options(a, topic.brokers, topic.properties);
    a->callback([&topic, action] { topic.action = action; });
    if (std::string(action) != "list") a->add_option("-t,--topic", topic.topic, "Topic name")->required();
    if (std::string(action) == "create") {
      a->add_option("-p,--partitions", topic.partitions, "Partitions")->capture_default_str();
      a->add_option("-r,--replication-factor", topic.replication_factor, "Replication factor")
          ->capture_default_str();
      a->add_option("--config", topic.configs, "Topic config key=value (repeatable)");
      a->add_flag("--if-not-exists", topic.if_not_exists, "Succeed when the topic already exists");
    }
    if (std::string(action) == "describe" || std::string(action) == "list") {
      a->add_flag("--json", topic.json, "Machine-readable output");
    }
  }

  commands::BrokerOptions broker;
  auto* b = app.add_subcommand("broker",
                               "Serve an embedded in-memory broker (librdkafka's mock cluster) until Ctrl-C; "
                               "prints STREAMLAB_BROKERS=host:port on stdout");
  b->add_option("--brokers-count", broker.brokers, "Number of mock brokers")->capture_default_str();
  b->add_option("-p,--partitions", broker.partitions, "Partitions of each -t topic")->capture_default_str();
  b->add_option("-t,--topic", broker.topics, "Topics to create up front (repeatable)");

  commands::BenchOptions bench;
  auto* bn = app.add_subcommand("bench",
                                "Run the lab's experiments (mode 1, mode 2 into each sink, faults against each sink, "
                                "the services at rest, highest sustainable rates, latency at fixed rates) with "
                                "baselines; writes "
                                "report.json, report.md and report.html");
  bn->add_option("-b,--brokers", bench.brokers, kBrokersHelp);
  bn->add_option("--scenario", bench.scenarios,
                 "Scenario name(s), repeatable or comma-separated (default all): counters-live, tweets-live, "
                 "tweets-backlog, sink-{postgres,redis,ignite}-{counters,tweets}, "
                 "fault-{kill,outage,rebalance}-{postgres,redis,ignite} (fault: all of them), rest, "
                 "max-{kafka,postgres,redis,ignite}, latency-{1k,10k,100k}");
  bn->add_flag("--quick", bench.quick, "Smaller counts and shorter steps: a few minutes for everything");
  bn->add_option("--scale", bench.scale, "Multiplies every count and duration")->capture_default_str();
  bn->add_option("--out", bench.out, "Report directory (default bench/out/<UTC timestamp>)");
  bn->add_flag("--no-baselines", bench.no_baselines, "Skip kcat, Kafka's perf tools, psql \\copy, redis-benchmark and the lab-style consumers");
  bn->add_flag("--keep", bench.keep, "Keep the run's topics, tables, keys and work files");
  bn->add_option("--postgres", bench.postgres, "PostgreSQL URI (default $STREAMLAB_POSTGRES)");
  bn->add_option("--redis", bench.redis, "Redis URI (default $STREAMLAB_REDIS)");
  bn->add_option("--ignite", bench.ignite, "Ignite URI (default $STREAMLAB_IGNITE)");
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
