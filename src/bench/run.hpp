#pragma once
// The runner's insides, shared by its files (not for other folders): one Run drives every
// selected scenario. runner.cpp holds the loop, the switch over Kind and the helpers every
// scenario uses; run_<kind>.cpp one procedure each; run_report.cpp the scenario's JSON and the
// summary rows.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/baselines.hpp"
#include "bench/broker_sampler.hpp"
#include "bench/child_process.hpp"
#include "bench/fault_measures.hpp"
#include "bench/progress.hpp"
#include "bench/rate_ladder.hpp"
#include "bench/runner.hpp"
#include "bench/stats_series.hpp"
#include "host/process_monitor.hpp"
#include "kafka/admin.hpp"

namespace streamlab::bench {

constexpr double kStallSeconds = 30;  // a consumer whose count stands still this long is done for

// A streamlab produce/consume child with its --stats, stdout (--json summary) and stderr files.
struct StreamlabProcess {
  std::optional<Child> child;
  std::filesystem::path stats, out, err;
  std::string name;
  std::optional<std::uint64_t> peak_rss_bytes;  // VmHWM, read as a consumer is stopped

  std::vector<StatsPoint> points() const { return read_stats(stats); }
  std::uint64_t count() const { return last_count(stats); }
  std::uint64_t stored() const {
    const auto p = last_point(stats);
    return p ? p->stored.value_or(0) : 0;
  }
  // The --json summary: the last line of stdout that is a JSON object (null when there is none).
  nlohmann::json summary() const;
  std::string stderr_tail() const;
  // The "assigned: …" lines it wrote to stderr so far (consume prints one per assignment).
  std::size_t assignment_lines() const;
};

// A member of a group once it is gone: its exit code and what its last --stats line counted.
struct MemberEnd {
  int exit_code = 0;
  std::uint64_t consumed = 0, stored = 0;
};

struct ScenarioResult {
  std::uint64_t produced = 0, consumed = 0;
  std::optional<std::uint64_t> stored;
  std::vector<std::string> problems, notes;
  nlohmann::json rates = nlohmann::json::object();
  nlohmann::json latency = nullptr;
  // From a paced producer's intended send times (a producer that fell behind counts): to
  // stored with a sink, else to receipt; null when the producer was not paced.
  nlohmann::json intended_latency = nullptr;
  std::vector<StatsPoint> produced_points, consumed_points;
  std::vector<BaselineResult> baselines;
  nlohmann::json extra = nlohmann::json::object();
  // Fault and scale scenarios: each member's lines (the series sums them); fault scenarios: what
  // streamlab verify found.
  std::vector<std::vector<StatsPoint>> member_points;
  std::optional<VerifyFigures> verified;
  bool skipped = false;
  bool failed = false;  // a step failed (beyond the counts)
};

// produce's --source for the scenario's payload: counter, or synthetic-tweets.
std::string source_of(const Scenario& s);

// A child's `--sink URI` becomes `--sink env:STREAMLAB_BENCH_SINK` with the URI in that variable
// (returned, for the child's environment): a password in it stays out of /proc/<pid>/cmdline.
inline constexpr const char* kSinkVariable = "STREAMLAB_BENCH_SINK";
Environment sink_through_environment(std::vector<std::string>& argv);

// Helpers on consume's --json summary.
double num(const nlohmann::json& j, const char* key);               // 0 when missing
nlohmann::json latency_of(const nlohmann::json& summary);           // the report's latency_ms, or null
nlohmann::json intended_latency_of(const nlohmann::json& summary);  // its intended_latency_ms, or null
// A sink consumer's drain in seconds: its active time plus one batch commit (the last batch is
// committed after the last message arrived); and its rows + dead letters per second of that
// (0 without a sink).
double drain_seconds(const nlohmann::json& summary);
double store_rate(const nlohmann::json& summary);
// What a live consumer read of the measured topic, and (`warm`) of the others.
std::uint64_t measured_count(const nlohmann::json& summary, const std::string& topic, std::uint64_t& warm);
// The warm-up messages out of a consumer's counts (its lines count every topic together).
void drop_warm_up(std::vector<StatsPoint>& points, std::uint64_t warm);

class Run {
 public:
  explicit Run(const RunConfig& c);
  nlohmann::json run();

 private:
  struct FaultRun;  // run_fault.cpp
  class Across;     // run_wan.cpp

  static double baseline_planned_s(const Scenario& s);
  double now_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_).count(); }

  std::string topic_for(const std::string& what, int partitions = 3);
  std::string table_for(const std::string& id) const;
  // The --table of a sink consumer for `id` (a key prefix for Redis), registered for clean-up.
  std::string store_for(const std::string& sink, const std::string& id);

  StreamlabProcess start(const std::string& command, const std::string& name, const std::vector<std::string>& args);
  // Waits for the producer to exit, showing progress towards `target` messages.
  nlohmann::json wait_producer(StreamlabProcess& p, double target, double from_fraction, double span);
  // The backlog of `s` (s.count of s.payload) produced into `topic` by one producer (`extra`: more
  // of its flags), progress 0 to `span`: r.produced, its points and rate; false (and a problem)
  // when not every message was acknowledged.
  bool produce_backlog(const Scenario& s, const std::string& topic, double span, ScenarioResult& r,
                       const std::vector<std::string>& extra = {});
  // A sink consumer's flags for a member of `group` that stores `topic` from the beginning into
  // `table` and exits once the group has stored it to the end (--until-end).
  std::vector<std::string> until_end_args(const std::string& topic, const std::string& group, const std::string& sink,
                                          const std::string& table) const;
  // Stops a member that still runs (SIGTERM, then SIGKILL), no longer monitors it; its end.
  MemberEnd end_member(StreamlabProcess& m);
  // Waits until the consumer of `topic` has `target` (or stalls / exits), then stops it; its summary.
  nlohmann::json finish_consumer(StreamlabProcess& c, const std::string& topic, std::uint64_t target,
                                 double from_fraction, double span, ScenarioResult& r);
  // A consumer of `topic` that is known to be assigned its partitions (see the definition); a
  // warm-up that did not happen is a problem of `r`.
  StreamlabProcess start_live_consumer(const std::string& id, const std::string& topic, std::vector<std::string> extra,
                                       ScenarioResult& r);
  // The messages of a topic: the sum of its partitions' watermark spans.
  std::uint64_t messages_in(const std::string& topic);

  void run_scenario(const Scenario& s, ScenarioResult& r);
  void scenario_live(const Scenario& s, ScenarioResult& r);          // run_live.cpp
  void scenario_sink_latency(const Scenario& s, ScenarioResult& r);  // run_live.cpp: latency-<sink>
  void scenario_backlog(const Scenario& s, ScenarioResult& r);       // run_backlog.cpp
  void scenario_rest(const Scenario& s, ScenarioResult& r);          // run_max.cpp
  void scenario_max(const Scenario& s, ScenarioResult& r);           // run_max.cpp
  void scenario_fault(const Scenario& s, ScenarioResult& r);         // run_fault.cpp
  void scenario_scale(const Scenario& s, ScenarioResult& r);         // run_scale.cpp
  void scenario_wan(const Scenario& s, ScenarioResult& r);           // run_wan.cpp
  // run_max.cpp: one step of a rate ladder: `rate` msgs/s for `seconds` into a fresh topic and
  // live consumer (and store); progress from `from` over `span`. The step's figures and the
  // consumer's summary.
  std::pair<LadderStep, nlohmann::json> ladder_step(const Scenario& s, const std::string& step_id, double rate,
                                                    double seconds, double from, double span, ScenarioResult& r);
  // run_wan.cpp: one run of `sub` by its own procedure; its JSON (its problems, prefixed with
  // `label`, and its counts go into `r`).
  nlohmann::json wan_run(const Scenario& sub, const std::string& label, ScenarioResult& r);

  // run_fault.cpp (the scale scenarios use them too)
  // Polls every 50 ms until `done()`, every member has exited, the rows they stored stand still
  // for kStallSeconds (a problem) or Ctrl-C; shows progress as stored / `total`. True when done().
  bool wait_members(const std::vector<StreamlabProcess*>& members, const std::function<bool()>& done,
                    std::uint64_t total, double from_fraction, double span, ScenarioResult& r);
  // `streamlab verify` of what the group stored; its figures (nullopt and a problem when it could not tell).
  std::optional<VerifyFigures> verify_sink(const std::string& topic, const std::string& sink, const std::string& table,
                                           const std::string& group, ScenarioResult& r);
  bool verify_available();
  std::filesystem::path services_script() const;
  // nullopt when the bench may stop and start the store of `sink`, else why not.
  std::optional<std::string> outage_impossible(const std::string& sink);
  // The fault's three strikes, once the first member has stored `fault_at` of the backlog.
  void strike_kill(FaultRun& f, ScenarioResult& r);
  void strike_outage(FaultRun& f, ScenarioResult& r);
  void strike_rebalance(FaultRun& f, ScenarioResult& r);
  // Every member stopped, its exit code and last line in the report.
  void collect_members(FaultRun& f, ScenarioResult& r);
  void fault_figures(FaultRun& f, ScenarioResult& r);

  // run_scale.cpp: the backlog of `topic` drained by `members` consumers started together in a
  // fresh group, into a fresh table; its entry of report.json's scale.drains (problems into `r`).
  nlohmann::json scale_drain(const Scenario& s, const std::string& topic, int members, double from_fraction,
                             double span, ScenarioResult& r);

  // run_baselines.cpp
  BaselineContext baseline_context();
  void kafka_baselines(const Scenario& s, const std::string& topic, ScenarioResult& r);
  std::pair<double, double> streamlab_alone(const Scenario& s, std::uint64_t n, int round);
  std::optional<nlohmann::json> drain_again(const Scenario& s, const std::string& topic, const std::string& name,
                                            const std::vector<std::string>& sink_args, std::string& why);
  BaselineResult null_sink_drain(const Scenario& s, const std::string& topic);
  std::optional<std::filesystem::path> record_redis(const Scenario& s, const std::string& topic, std::string& why);
  // redis-cli --pipe of the recorded drain (none: `unrecorded` says why).
  BaselineResult redis_replay(const std::optional<std::filesystem::path>& file, const std::string& unrecorded,
                              std::uint64_t rows);
  double drain_round(const Scenario& s, const std::string& topic, const std::string& store, int round,
                     ScenarioResult& r);
  void sink_baselines(const Scenario& s, const std::string& topic, const std::string& table, ScenarioResult& r);

  // Redis emptied of the run's keys and its append-only file rewritten (waited for) before a
  // timed phase (`before`: which, for the note): each starts from the same Redis, not one whose
  // automatic rewrite of what earlier phases wrote forks and stalls inside it. A note of `r`
  // says so (once), or why not.
  void settle_redis_before(const std::string& before, ScenarioResult& r);
  std::optional<std::string> sink_unavailable(const std::string& sink);
  std::string sink_uri(const std::string& sink) const;

  // run_report.cpp
  nlohmann::json scenario_json(const Scenario& s, const ScenarioResult& r, double start_s, double end_s);
  nlohmann::json document(const nlohmann::json& scenarios, std::time_t started) const;
  void cleanup();
  // The tables, keys and offset rows of the run so far removed (unless --keep), once a scenario,
  // a rate step or a latency run has its figures: the services then do not work on them
  // (PostgreSQL's autovacuum and checkpoints of millions of inserted rows, Redis's rewrites of
  // its append-only file, Ignite's memory) inside what is measured next.
  void release_stores();
  // release_stores(), and the run's topics so far deleted (unless --keep): where no later part of
  // the scenario reads them again. A full run writes some 15 GB to Kafka; kept to its end, they
  // sat in the broker's log and the page cache under the scenarios that came last.
  void release_all();

  const RunConfig& c_;
  // Where the children reach the services: c_.services, but the link's proxies while the wan
  // scenario runs a case across it (Across).
  ServiceUris route_;
  std::string run_id_, prefix_;
  std::filesystem::path work_, root_;
  std::chrono::steady_clock::time_point epoch_;
  std::int64_t epoch_wall_ms_;
  host::ProcessMonitor monitor_;
  std::unique_ptr<BrokerSampler> brokers_;  // null without c_.services.broker_metrics
  std::optional<Progress> progress_;
  std::optional<kafka::Admin> admin_;
  std::vector<std::string> topics_, pg_tables_, ignite_tables_;
  bool redis_keys_ = false;  // the run wrote Redis keys (all named prefix_*)
  std::map<std::string, std::optional<std::string>> sink_checked_;
  std::map<std::string, double> counter_drains_;  // rows/s of sink-<sink>-counters in this run, by sink
  std::optional<bool> verify_available_;
  std::size_t serial_ = 0;
};

// The summary rows of report.md's main table, from the scenarios as run and their JSON.
nlohmann::json summary_rows(const std::vector<Scenario>& scenarios, const nlohmann::json& documents);

}  // namespace streamlab::bench
