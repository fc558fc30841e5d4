#include "commands/bench.hpp"

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "bench/runner.hpp"
#include "bench/scenarios.hpp"
#include "core/errors.hpp"
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

}  // namespace streamlab::commands
