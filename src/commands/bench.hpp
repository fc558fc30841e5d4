#pragma once
// `streamlab bench`: the lab's experiments in one command (src/bench/ runs them), with a
// report in report.json, report.md and report.html.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace streamlab::commands {

struct BenchOptions {
  std::vector<std::string> scenarios;  // names or comma lists; empty or "all" = every one
  bool quick = false;
  double scale = 1;
  std::string out;  // default bench/out/<UTC timestamp> under the working directory
  bool no_baselines = false;
  bool keep = false;
  std::string brokers, postgres, redis, ignite;      // raw flags; defaults from the environment
  double wan_rtt_ms = 40, wan_bandwidth_mbit = 100;  // the wan scenario's link
  std::string command_line;
};

// 0 when every scenario ran ok (a missing baseline tool or a skipped sink included), 1 when a
// scenario failed (the report is written all the same).
int run_bench(const BenchOptions& options);

// Adds the `bench` subcommand and its flags, which fill `options`.
CLI::App* add_bench_command(CLI::App& app, BenchOptions& options);

}  // namespace streamlab::commands
