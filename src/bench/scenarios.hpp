#pragma once
// The lab's experiments as the bench's scenarios: what each runs and how much of it, for the
// full run, `--quick` and `--scale`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/network_link.hpp"

namespace streamlab::bench {

// What a scenario does, which picks the runner's procedure for it. The runner switches over it,
// so a new kind that is not handled there is a compiler warning (an error with -Werror).
enum class Kind { Live, Backlog, Sink, Scale, Wan, Rest, Max, Latency, Fault };
// As report.json spells it (docs/report.schema.json): "live", "backlog", ….
std::string_view kind_name(Kind kind);

// What a fault scenario does to a sink consumer in the middle of a backlog.
enum class Fault {
  None,
  Kill,       // SIGKILL, then restarted at once (same group and static member id)
  Outage,     // the database stopped for a while (deploy/local/services stop, start)
  Rebalance,  // a second member of the group joins, then leaves (SIGTERM)
};
std::string_view fault_name(Fault fault);  // "kill", "outage", "rebalance" ("" for None)

struct Scenario {
  std::string id;
  std::string title;
  Kind kind = Kind::Live;
  std::string payload;           // counters | tweets | none
  std::string sink;              // "" | postgres | redis | ignite
  std::uint64_t count = 0;       // messages (unpaced producers, backlogs)
  double rate = 0;               // msgs/s offered (paced producers), 0 = unpaced
  double duration_s = 0;         // paced runs and rest
  double ladder_first = 0;       // max-*: the first step's offered rate (msgs/s)
  double ladder_top = 0;         // max-*: the highest rate offered
  std::size_t ladder_steps = 0;  // max-*: at most this many steps
  double step_s = 0;             // max-*: seconds per step
  double warm_up_s = 0;          // max-*: seconds of the uncounted warm-up step before the search
  // latency-<sink>: the consumer's --batch-ms of each run (none: consume's default, not passed)
  std::vector<std::optional<double>> batch_ms;
  std::uint64_t baseline_sample = 0;  // lab-style baselines: messages
  bool kafka_baselines = false;       // kcat and Kafka's perf tools on the same payloads
  double planned_s = 0;               // expected seconds, for the ETA
  // Fault scenarios: the fault, when it strikes (a fraction of the backlog stored), when the
  // second member leaves (rebalance), how long the database stays down (outage) and the
  // consumer's --batch-rows (small, so that the backlog lasts long enough to be hit mid-way).
  Fault fault = Fault::None;
  double fault_at = 0;
  double leave_at = 0;
  double outage_s = 0;
  std::size_t batch_rows = 0;
  // Scale scenarios: the backlog's partitions, and the group sizes that drain it in turn (each
  // into a fresh table or prefix, in a fresh group).
  int partitions = 0;
  std::vector<int> members;
  // The wan scenario: the link (Toxiproxy's, set by set_link), the tweets the producer that waits
  // for each one's acknowledgement sends, and the sink drained across it (its backlog: `count`).
  host::LinkShape link;
  std::uint64_t lockstep_count = 0;
  std::string link_sink;
};

// Every scenario, in run order. `scale` multiplies counts and durations (not rates).
std::vector<Scenario> all_scenarios(bool quick, double scale);
std::vector<std::string> scenario_names();
// `requested`: names, comma lists allowed, "all" = every one, "fault" = every fault-*, "scale" =
// every scale-*. Unknown name → core::UsageError
// naming it and listing the valid ones. Run order is kept; duplicates are dropped.
std::vector<Scenario> select_scenarios(const std::vector<std::string>& requested, bool quick, double scale);
// The wan scenario's link (its round trip and bandwidth, in its title too); the others are left alone.
void set_link(std::vector<Scenario>& scenarios, const host::LinkShape& link);

}  // namespace streamlab::bench
