#include "commands/bench.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "bench/runner.hpp"
#include "bench/scenarios.hpp"
#include "commands/broker_choice.hpp"
#include "core/errors.hpp"
#include "host/broker_metrics.hpp"
#include "kafka/client_config.hpp"

namespace streamlab::commands {

namespace {

std::string flag_or_env(const std::string& flag, const char* env) {
  if (!flag.empty()) return flag;
  const char* v = std::getenv(env);
  return v ? v : "";
}

}  // namespace

int run_bench(const BenchOptions& o) {
  if (!(o.scale > 0)) throw core::UsageError(fmt::format("--scale must be above 0, got {}", o.scale));
  bench::RunConfig c;
  c.scenarios = bench::select_scenarios(o.scenarios, o.quick, o.scale);
  c.quick = o.quick;
  c.scale = o.scale;
  c.baselines = !o.no_baselines;
  c.keep = o.keep;
  c.services.brokers = kafka::resolve_brokers(o.brokers);
  if (c.services.brokers == kafka::kEmbeddedBrokers) {
    throw core::UsageError("bench needs a real broker: its producers and consumers are separate processes");
  }
  c.services.postgres = flag_or_env(o.postgres, "STREAMLAB_POSTGRES");
  c.services.redis = flag_or_env(o.redis, "STREAMLAB_REDIS");
  c.services.ignite = flag_or_env(o.ignite, "STREAMLAB_IGNITE");
  c.services.broker_metrics = host::broker_metrics_urls_from_env();
  c.services.toxiproxy = flag_or_env("", "STREAMLAB_TOXIPROXY");
  c.services.wan_brokers = flag_or_env("", "STREAMLAB_WAN_BROKERS");
  c.services.wan_postgres = flag_or_env("", "STREAMLAB_WAN_POSTGRES");
  if (!(o.wan_rtt_ms >= 0) || !(o.wan_bandwidth_mbit >= 0)) {
    throw core::UsageError("--wan-rtt and --wan-bandwidth must be 0 or more");
  }
  bench::set_link(c.scenarios, {.rtt_ms = o.wan_rtt_ms, .bandwidth_mbit = o.wan_bandwidth_mbit});
  c.command_line = o.command_line;
  if (o.out.empty()) {
    char stamp[32];
    std::tm tm{};
    const std::time_t now = std::time(nullptr);
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    c.out_dir = std::filesystem::path("bench") / "out" / stamp;
  } else {
    c.out_dir = o.out;
  }
  const auto doc = bench::run_bench(c);
  fmt::print(stderr, "report: {}\n", (c.out_dir / "report.html").string());
  fmt::print(stderr, "        {}\n", (c.out_dir / "report.md").string());
  fmt::print(stderr, "        {}\n", (c.out_dir / "report.json").string());
  if (!bench::all_ok(doc)) {
    fmt::print(stderr, "error: at least one scenario failed (see the report's problems)\n");
    return 1;
  }
  return 0;
}

CLI::App* add_bench_command(CLI::App& app, BenchOptions& o) {
  auto* bn = app.add_subcommand("bench",
                                "Run the lab's experiments (mode 1, mode 2 into each sink, 1, 2 and 4 consumers of a "
                                "group into each sink, mode 1 and a sink across a WAN link, faults against each sink, "
                                "the services at rest, highest sustainable rates, latency at fixed rates) with "
                                "baselines; writes "
                                "report.json, report.md and report.html");
  add_brokers_flag(bn, o.brokers);
  bn->add_option("--scenario", o.scenarios,
                 "Scenario name(s), repeatable or comma-separated (default all): counters-live, tweets-live, "
                 "tweets-backlog, sink-{postgres,redis,ignite}-{counters,tweets}, "
                 "scale-{postgres,redis,ignite} (scale: all three), wan, "
                 "fault-{kill,outage,rebalance}-{postgres,redis,ignite} (fault: all of them), rest, "
                 "max-{kafka,postgres,redis,ignite}, latency-{1k,10k,100k}, latency-{postgres,redis,ignite}");
  bn->add_flag("--quick", o.quick, "Smaller counts and shorter steps: a few minutes for everything");
  bn->add_option("--scale", o.scale, "Multiplies every count and duration")->capture_default_str();
  bn->add_option("--out", o.out, "Report directory (default bench/out/<UTC timestamp>)");
  bn->add_flag("--no-baselines", o.no_baselines,
               "Skip kcat, Kafka's perf tools, psql \\copy, redis-benchmark, redis-cli --pipe, Ignite's Java clients "
               "(bench/ignite-baseline) and the lab-style consumers");
  bn->add_flag("--keep", o.keep, "Keep the run's topics, tables, keys and work files");
  bn->add_option("--postgres", o.postgres, "PostgreSQL URI (default $STREAMLAB_POSTGRES)");
  bn->add_option("--redis", o.redis, "Redis URI (default $STREAMLAB_REDIS)");
  bn->add_option("--ignite", o.ignite, "Ignite URI (default $STREAMLAB_IGNITE)");
  bn->add_option("--wan-rtt", o.wan_rtt_ms,
                 "wan: the link's round-trip time in ms (Toxiproxy at $STREAMLAB_TOXIPROXY, in front of "
                 "$STREAMLAB_WAN_BROKERS and $STREAMLAB_WAN_POSTGRES)")
      ->capture_default_str();
  bn->add_option("--wan-bandwidth", o.wan_bandwidth_mbit,
                 "wan: the link's bandwidth each way in Mbit/s (0 = unlimited)")
      ->capture_default_str();
  return bn;
}

}  // namespace streamlab::commands
