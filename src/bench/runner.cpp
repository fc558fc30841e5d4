#include "bench/runner.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "bench/baselines.hpp"
#include "bench/child_process.hpp"
#include "bench/fault_measures.hpp"
#include "bench/machine_info.hpp"
#include "bench/process_monitor.hpp"
#include "bench/progress.hpp"
#include "bench/rate_ladder.hpp"
#include "bench/report_writer.hpp"
#include "bench/stats_series.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/shutdown.hpp"
#include "kafka/admin.hpp"

namespace streamlab::bench {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr double kStallSeconds = 30;  // a consumer whose count stands still this long is done for

std::string iso_utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string random_id() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

// A streamlab produce/consume child with its --stats, stdout (--json summary) and stderr files.
struct StreamlabProcess {
  std::optional<Child> child;
  fs::path stats, out, err;
  std::string name;

  std::vector<StatsPoint> points() const { return read_stats(stats); }
  std::uint64_t count() const { return last_count(stats); }
  std::uint64_t stored() const {
    const auto p = last_point(stats);
    return p ? p->stored.value_or(0) : 0;
  }
  json summary() const {
    // The --json summary: the last line of stdout that is a JSON object.
    std::string text = read_text(out);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const auto nl = text.rfind('\n');
    auto j = json::parse(nl == std::string::npos ? text : text.substr(nl + 1), nullptr, false);
    return j.is_object() ? j : json(nullptr);
  }
  std::string stderr_tail() const {
    std::string t = read_text(err);
    return t.size() > 400 ? t.substr(t.size() - 400) : t;
  }
};

struct ScenarioResult {
  std::uint64_t produced = 0, consumed = 0;
  std::optional<std::uint64_t> stored;
  std::vector<std::string> problems, notes;
  json rates = json::object();
  json latency = nullptr;
  std::vector<StatsPoint> produced_points, consumed_points;
  std::vector<BaselineResult> baselines;
  json extra = json::object();
  // Fault scenarios: each member's lines (the series sums them) and what streamlab verify found.
  std::vector<std::vector<StatsPoint>> member_points;
  std::optional<VerifyFigures> verified;
  bool skipped = false;
  bool failed = false;  // a step failed (beyond the counts)
};

class Run {
 public:
  explicit Run(const RunConfig& c)
      : c_(c), run_id_(random_id()), prefix_(fmt::format("bench-{}-", run_id_)),
        work_(c.out_dir / "work"), root_(project_root()), epoch_(std::chrono::steady_clock::now()),
        epoch_wall_ms_(core::wall_ms()), monitor_(500ms, epoch_) {
    fs::create_directories(work_);
    std::vector<double> planned;
    for (const auto& s : c_.scenarios) planned.push_back(s.planned_s + (c_.baselines ? baseline_planned_s(s) : 0));
    progress_.emplace(planned);
  }

  json run();

 private:
  static double baseline_planned_s(const Scenario& s) {
    if (s.id == "counters-live" || s.id == "tweets-backlog") return 20;
    if (s.kind == Kind::Sink) return 5 + static_cast<double>(s.baseline_sample) / 1000.0;
    return 0;
  }
  double now_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_).count(); }

  std::string topic_for(const std::string& what) {
    const std::string t = prefix_ + what;
    admin_->create_topic(t, 3, 1);
    topics_.push_back(t);
    return t;
  }
  std::string table_for(const std::string& id) {
    std::string t = "bench_" + run_id_ + "_" + id;
    for (char& ch : t) ch = ch == '-' ? '_' : ch;
    return t;
  }

  StreamlabProcess start(const std::string& command, const std::string& name, const std::vector<std::string>& args);
  // Waits for the producer to exit, showing progress towards `target` messages.
  json wait_producer(StreamlabProcess& p, double target, double from_fraction, double span);
  // Waits until the consumer of `topic` has `target` (or stalls / exits), then stops it; its summary.
  json finish_consumer(StreamlabProcess& c, const std::string& topic, std::uint64_t target, double from_fraction,
                       double span, ScenarioResult& r);
  // A consumer of `topic` that is known to be assigned its partitions (see the definition); a
  // warm-up that did not happen is a problem of `r`.
  StreamlabProcess start_live_consumer(const std::string& id, const std::string& topic, std::vector<std::string> extra,
                                       ScenarioResult& r);
  // The messages of a topic: the sum of its partitions' watermark spans.
  std::uint64_t messages_in(const std::string& topic);

  void run_scenario(const Scenario& s, ScenarioResult& r);
  void scenario_live(const Scenario& s, ScenarioResult& r);
  void scenario_backlog(const Scenario& s, ScenarioResult& r);
  void scenario_rest(const Scenario& s, ScenarioResult& r);
  void scenario_max(const Scenario& s, ScenarioResult& r);
  void scenario_fault(const Scenario& s, ScenarioResult& r);
  // Polls every 50 ms until `done()`, every member has exited, the rows they stored stand still
  // for kStallSeconds (a problem) or Ctrl-C; shows progress as stored / `total`. True when done().
  bool wait_members(const std::vector<StreamlabProcess*>& members, const std::function<bool()>& done,
                    std::uint64_t total, double from_fraction, double span, ScenarioResult& r);
  // `streamlab verify` of what the group stored; its figures (nullopt and a problem when it could not tell).
  std::optional<VerifyFigures> verify_sink(const std::string& topic, const std::string& sink, const std::string& table,
                                           const std::string& group, ScenarioResult& r);
  bool verify_available();
  fs::path services_script() const;
  // nullopt when the bench may stop and start the store of `sink`, else why not.
  std::optional<std::string> outage_impossible(const std::string& sink);
  void kafka_baselines(const Scenario& s, const std::string& topic, ScenarioResult& r);
  void sink_baselines(const Scenario& s, const std::string& topic, const std::string& table, ScenarioResult& r);
  std::optional<std::string> sink_unavailable(const std::string& sink);
  std::string sink_uri(const std::string& sink) const;

  json scenario_json(const Scenario& s, const ScenarioResult& r, double start_s, double end_s);
  json summary_rows(const json& scenarios) const;
  void cleanup();

  const RunConfig& c_;
  std::string run_id_, prefix_;
  fs::path work_, root_;
  std::chrono::steady_clock::time_point epoch_;
  std::int64_t epoch_wall_ms_;
  ProcessMonitor monitor_;
  std::optional<Progress> progress_;
  std::optional<kafka::Admin> admin_;
  std::vector<std::string> topics_, pg_tables_, redis_prefixes_, ignite_tables_;
  std::map<std::string, std::optional<std::string>> sink_checked_;
  std::optional<bool> verify_available_;
  std::size_t serial_ = 0;
};

StreamlabProcess Run::start(const std::string& command, const std::string& name, const std::vector<std::string>& args) {
  StreamlabProcess p;
  p.name = name;
  const std::string tag = fmt::format("{:03}-{}", serial_++, name);
  p.stats = work_ / (tag + ".stats");
  p.out = work_ / (tag + ".json");
  p.err = work_ / (tag + ".log");
  ChildSpec spec;
  spec.argv = {"/proc/self/exe", command, "-b", c_.services.brokers};
  // The bench's own binary, so the children are the same build as the parent.
  spec.argv[0] = fs::read_symlink("/proc/self/exe").string();
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.insert(spec.argv.end(), {"--json", "--stats", p.stats.string()});
  std::error_code ec;
  fs::remove(p.stats, ec);  // --stats appends; a file of an earlier run in the same --out would mislead
  spec.stdout_path = p.out;
  spec.stderr_path = p.err;
  p.child.emplace(Child::spawn(spec));
  monitor_.watch_pid(name, "streamlab", p.child->pid());
  monitor_.sample_now();  // a process shorter than the monitor's interval still gets a sample
  return p;
}

json Run::wait_producer(StreamlabProcess& p, double target, double from_fraction, double span) {
  while (!p.child->wait_for(200ms)) {
    if (core::shutdown_requested()) p.child->signal(SIGTERM);
    if (target > 0) progress_->update(from_fraction + span * std::min(1.0, static_cast<double>(p.count()) / target));
  }
  monitor_.unwatch(p.name);
  return p.summary();
}

json Run::finish_consumer(StreamlabProcess& c, const std::string& topic, std::uint64_t target, double from_fraction,
                          double span, ScenarioResult& r) {
  std::uint64_t last = 0;
  auto last_change = std::chrono::steady_clock::now();
  while (true) {
    const std::uint64_t n = c.count();
    if (n >= target || c.child->poll() || core::shutdown_requested()) break;
    if (n != last) {
      last = n;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change > std::chrono::duration<double>(kStallSeconds)) {
      // Whether what it waits for is in Kafka at all tells a consumer's stall from a producer's loss.
      r.problems.push_back(fmt::format("{}: stuck at {} of {} messages for {:.0f} s; {} holds {}", c.name, n, target,
                                       kStallSeconds, topic, messages_in(topic)));
      break;
    }
    if (target > 0) progress_->update(from_fraction + span * std::min(1.0, static_cast<double>(n) / static_cast<double>(target)));
    std::this_thread::sleep_for(200ms);
  }
  const int rc = c.child->stop();
  monitor_.unwatch(c.name);
  if (rc != 0) {
    r.failed = true;
    r.problems.push_back(fmt::format("{} exited {}: {}", c.name, rc, c.stderr_tail()));
  }
  return c.summary();
}

std::uint64_t Run::messages_in(const std::string& topic) {
  std::uint64_t n = 0;
  try {
    for (const auto& t : admin_->describe(topic, /*watermarks=*/true)) {
      for (const auto& p : t.partitions) n += p.high > p.low && p.low >= 0 ? static_cast<std::uint64_t>(p.high - p.low) : 0;
    }
  } catch (const core::RuntimeFailure&) {
  }
  return n;
}

// The group join of a fresh consumer takes a moment: a message sent before it has its
// partitions would count the join into its latency. So the consumer first reads one message
// of a warm-up topic (subscribed together with the measured one, so both are assigned in the
// same rebalance); the measured producer starts after that. Its summary counts each topic on
// its own (measured_count), so the warm-up is never guessed out of the total.
StreamlabProcess Run::start_live_consumer(const std::string& id, const std::string& topic, std::vector<std::string> extra,
                                          ScenarioResult& r) {
  const std::string warm = topic_for(id + "-warm");
  std::vector<std::string> args = {"-t", topic, "-t", warm, "-g", prefix_ + id, "--from", "beginning", "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  StreamlabProcess consumer = start("consume", "consumer", args);
  StreamlabProcess warm_producer = start("produce", "producer", {"-t", warm, "--source", "counter", "--count", "1"});
  const std::optional<int> rc = warm_producer.child->wait_for(60s);
  monitor_.unwatch("producer");
  if (rc != 0) {
    r.failed = true;
    r.problems.push_back(fmt::format("warm-up: the producer of one message to {} {}: {}", warm,
                                     rc ? fmt::format("exited {}", *rc) : "did not finish in 60 s",
                                     warm_producer.stderr_tail()));
    return consumer;
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (consumer.count() < 1 && !consumer.child->poll() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  if (consumer.count() < 1) {
    r.failed = true;
    r.problems.push_back(fmt::format("warm-up: the consumer read nothing of {} ({} holds {}) in 60 s: {}", warm, warm,
                                     messages_in(warm), consumer.stderr_tail()));
  }
  return consumer;
}

namespace {
// A live consumer's summary: what it read of the measured topic, and (`warm`) of the rest.
std::uint64_t measured_count(const json& summary, const std::string& topic, std::uint64_t& warm) {
  warm = 0;
  if (!summary.is_object()) return 0;
  const std::uint64_t all = summary.value("consumed", std::uint64_t{0});
  const json& by_topic = summary.contains("consumed_by_topic") ? summary["consumed_by_topic"] : json::object();
  const std::uint64_t measured = by_topic.is_object() ? by_topic.value(topic, std::uint64_t{0}) : 0;
  warm = all - std::min(all, measured);
  return measured;
}

// The warm-up messages out of a consumer's counts (its lines count every topic together).
void drop_warm_up(std::vector<StatsPoint>& points, std::uint64_t warm) {
  for (auto& p : points) {
    p.count -= std::min(p.count, warm);
    if (p.stored) *p.stored -= std::min(*p.stored, warm);
  }
}

json latency_of(const json& summary) {
  if (!summary.is_object() || !summary.contains("latency_ms")) return nullptr;
  const json& l = summary["latency_ms"];
  json out = {{"p50", l.value("p50", 0.0)}, {"p90", l.value("p90", l.value("p99", 0.0))}, {"p99", l.value("p99", 0.0)},
              {"max", l.value("max", 0.0)}, {"count", summary.value("consumed", 0)}};
  if (l.contains("histogram")) out["histogram"] = l["histogram"];
  return out;
}

double num(const json& j, const char* key) { return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0; }
}  // namespace

void Run::run_scenario(const Scenario& s, ScenarioResult& r) {
  switch (s.kind) {
    case Kind::Live:
    case Kind::Latency: return scenario_live(s, r);
    case Kind::Backlog:
    case Kind::Sink: return scenario_backlog(s, r);
    case Kind::Rest: return scenario_rest(s, r);
    case Kind::Max: return scenario_max(s, r);
    case Kind::Fault: return scenario_fault(s, r);
  }
}

void Run::scenario_live(const Scenario& s, ScenarioResult& r) {
  const std::string topic = topic_for(s.id);
  progress_->phase("starting the live consumer");
  StreamlabProcess consumer = start_live_consumer(s.id, topic, {}, r);
  std::vector<std::string> pargs = {"-t", topic};
  if (s.payload == "tweets") {
    pargs.insert(pargs.end(), {"--source", "tweets", "--loop"});
  } else {
    pargs.insert(pargs.end(), {"--source", "counter"});
  }
  if (s.count > 0) pargs.insert(pargs.end(), {"--count", std::to_string(s.count)});
  if (s.rate > 0) pargs.insert(pargs.end(), {"--rate", fmt::format("{}", s.rate)});
  if (s.duration_s > 0) pargs.insert(pargs.end(), {"--duration", fmt::format("{}", s.duration_s)});
  progress_->phase(s.rate > 0 ? fmt::format("producing at {:.0f} msgs/s, consuming live", s.rate) : "producing, consuming live");
  StreamlabProcess producer = start("produce", "producer", pargs);
  const double target = s.count > 0 ? static_cast<double>(s.count) : s.rate * s.duration_s;
  const json ps = wait_producer(producer, target, 0, 0.9);
  r.produced = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
  if (!ps.is_object() || ps.value("failed", 0) != 0) {
    r.failed = true;
    r.problems.push_back("producer: " + producer.stderr_tail());
  }
  progress_->phase("draining the consumer");
  const json cs = finish_consumer(consumer, topic, r.produced + 1, 0.9, 0.1, r);
  std::uint64_t warm = 0;
  r.consumed = measured_count(cs, topic, warm);
  r.produced_points = producer.points();
  r.consumed_points = consumer.points();
  drop_warm_up(r.consumed_points, warm);
  r.rates["produce_msgs_per_s"] = num(ps, "msgs_per_s");
  r.rates["consume_msgs_per_s"] = num(cs, "msgs_per_s");
  r.rates["produce_mb_per_s"] = num(ps, "mb_per_s");
  r.latency = latency_of(cs);
  if (s.kind == Kind::Latency) {
    const double achieved = num(ps, "msgs_per_s");
    if (achieved < 0.9 * s.rate) {
      r.problems.push_back(fmt::format("offered {:.0f} msgs/s, the producer achieved {:.0f} msgs/s on this machine",
                                       s.rate, achieved));
    }
  }
  if (c_.baselines && s.id == "counters-live") kafka_baselines(s, topic, r);
}

void Run::scenario_backlog(const Scenario& s, ScenarioResult& r) {
  const bool sink = !s.sink.empty();
  const std::string topic = topic_for(s.id);
  progress_->phase(fmt::format("producing a backlog of {} {}", s.count, s.payload));
  StreamlabProcess producer =
      start("produce", "producer", {"-t", topic, "--source", s.payload == "tweets" ? "synthetic-tweets" : "counter", "--count", std::to_string(s.count)});
  const json ps = wait_producer(producer, static_cast<double>(s.count), 0, 0.3);
  r.produced = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
  if (r.produced != s.count) {
    r.failed = true;
    r.problems.push_back(fmt::format("producer acknowledged {} of {}: {}", r.produced, s.count, producer.stderr_tail()));
  }
  std::vector<std::string> cargs = {"-t", topic, "-g", prefix_ + s.id, "--from", "beginning", "--quiet"};
  const std::string table = table_for(s.id);
  if (sink) {
    cargs.insert(cargs.end(), {"--sink", sink_uri(s.sink), "--table", s.sink == "redis" ? prefix_ + s.id : table});
    if (s.sink == "postgres") pg_tables_.push_back(table);
    if (s.sink == "redis") redis_prefixes_.push_back(prefix_ + s.id);
    if (s.sink == "ignite") ignite_tables_.push_back(table);
  }
  progress_->phase(sink ? fmt::format("consuming into {}", s.sink) : "consuming the backlog");
  StreamlabProcess consumer = start("consume", "consumer", cargs);
  const json cs = finish_consumer(consumer, topic, r.produced, 0.3, 0.7, r);
  r.consumed = cs.is_object() ? cs.value("consumed", std::uint64_t{0}) : 0;
  r.produced_points = producer.points();
  r.consumed_points = consumer.points();
  r.rates["produce_msgs_per_s"] = num(ps, "msgs_per_s");
  r.rates["consume_msgs_per_s"] = num(cs, "msgs_per_s");
  r.latency = nullptr;  // a backlog's latency is its age, not the pipeline's
  if (sink && cs.is_object() && cs.contains("sink")) {
    const json& k = cs["sink"];
    r.stored = k.value("rows", std::uint64_t{0}) + k.value("dead_letters", std::uint64_t{0});
    // The last batch is committed after the last message arrived: one commit added.
    const double secs = num(cs, "active_seconds") + num(k.value("commit_ms", json::object()), "p50") / 1000.0;
    r.rates["store_rows_per_s"] = secs > 0 ? static_cast<double>(*r.stored) / secs : 0.0;
    if (k.value("retries", 0) > 0) r.notes.push_back(fmt::format("the sink retried {} time(s): the store was unavailable for a while", k.value("retries", 0)));
    if (k.value("dead_letters", 0) > 0) r.problems.push_back(fmt::format("{} dead letters", k.value("dead_letters", 0)));
    if (s.sink == "postgres") {
      const auto n = postgres_count(c_.services.postgres, table);
      if (!n || *n != r.produced) {
        r.failed = true;
        r.problems.push_back(fmt::format("psql count(*) of {} = {}, expected {}", table, n ? std::to_string(*n) : "?", r.produced));
      } else {
        r.notes.push_back(fmt::format("psql count(*) = {} rows, as produced", *n));
      }
    }
  } else if (sink) {
    r.stored = 0;
  }
  if (c_.baselines) {
    if (s.id == "tweets-backlog") kafka_baselines(s, topic, r);
    if (sink) sink_baselines(s, topic, table, r);
  }
}

void Run::scenario_rest(const Scenario& s, ScenarioResult&) {
  progress_->phase(fmt::format("services at rest for {:.0f} s", s.duration_s));
  const auto start = std::chrono::steady_clock::now();
  const auto span = std::chrono::duration<double>(s.duration_s);
  while (std::chrono::steady_clock::now() - start < span && !core::shutdown_requested()) {
    progress_->update(std::chrono::duration<double>(std::chrono::steady_clock::now() - start) / span);
    std::this_thread::sleep_for(200ms);
  }
}

void Run::scenario_max(const Scenario& s, ScenarioResult& r) {
  const std::string topic = topic_for(s.id);
  std::vector<std::string> extra;
  const std::string table = table_for(s.id);
  if (!s.sink.empty()) {
    extra = {"--sink", sink_uri(s.sink), "--table", s.sink == "redis" ? prefix_ + s.id : table};
    if (s.sink == "postgres") pg_tables_.push_back(table);
    if (s.sink == "redis") redis_prefixes_.push_back(prefix_ + s.id);
    if (s.sink == "ignite") ignite_tables_.push_back(table);
  }
  progress_->phase("starting the live consumer");
  StreamlabProcess consumer = start_live_consumer(s.id, topic, extra, r);
  std::vector<LadderStep> steps;
  json ladder = json::array();
  const double step_span = 0.9 / static_cast<double>(s.ladder.size());
  for (std::size_t i = 0; i < s.ladder.size() && !core::shutdown_requested(); ++i) {
    const double rate = s.ladder[i];
    progress_->phase(fmt::format("step {}/{}: {:.0f} msgs/s for {:.0f} s", i + 1, s.ladder.size(), rate, s.step_s));
    StreamlabProcess producer = start("produce", "producer", {"-t", topic, "--source", "counter", "--rate", fmt::format("{}", rate),
                                                             "--duration", fmt::format("{}", s.step_s)});
    const json ps = wait_producer(producer, rate * s.step_s, step_span * static_cast<double>(i), step_span);
    const std::uint64_t acked = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
    auto points = producer.points();
    const std::int64_t end_ms = points.empty() ? core::wall_ms() : points.back().t_ms;
    append_shifted(r.produced_points, points, r.produced);
    r.produced += acked;
    // The consumer's count when the producer's last line was written (its stats lag ≤ 250 ms).
    std::this_thread::sleep_for(300ms);
    auto cpoints = consumer.points();
    drop_warm_up(cpoints, 1);
    const std::uint64_t consumed = count_at(cpoints, end_ms + 250);
    LadderStep step{rate, num(ps, "msgs_per_s"), r.produced > consumed ? r.produced - consumed : 0};
    steps.push_back(step);
    const bool ok = step_sustained(step);
    ladder.push_back({{"offered", rate}, {"achieved", step.achieved}, {"lag_at_end", step.lag_at_end}, {"sustained", ok}});
    progress_->note(fmt::format("  {}: {:.0f} msgs/s offered, {:.0f} achieved, lag {} at the end: {}", s.id, rate,
                                step.achieved, step.lag_at_end, ok ? "sustained" : "not sustained"));
    if (!ok) break;
    // Each step starts from an empty queue.
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline && consumer.count() < r.produced + 1) std::this_thread::sleep_for(100ms);
  }
  progress_->phase("draining the consumer");
  const json cs = finish_consumer(consumer, topic, r.produced + 1, 0.9, 0.1, r);
  std::uint64_t warm = 0;
  r.consumed = measured_count(cs, topic, warm);
  r.consumed_points = consumer.points();
  drop_warm_up(r.consumed_points, warm);
  if (!s.sink.empty() && cs.is_object() && cs.contains("sink")) {
    const std::uint64_t st = cs["sink"].value("rows", std::uint64_t{0}) + cs["sink"].value("dead_letters", std::uint64_t{0});
    r.stored = st - std::min(st, warm);  // the warm-up is stored too
  } else if (!s.sink.empty()) {
    r.stored = 0;
  }
  const double best = sustainable_rate(steps);
  r.rates["sustainable_msgs_per_s"] = best;
  r.rates["consume_msgs_per_s"] = num(cs, "msgs_per_s");
  r.latency = latency_of(cs);
  r.extra["ladder"] = ladder;
  r.notes.push_back(fmt::format(
      "rate ladder: each step paces the producer for {:.0f} s while the consumer runs live; a step is sustained when "
      "the producer reaches {:.0f}% of the offered rate and the lag at its end is under {:.0f} s of messages; the "
      "figure is the last sustained step's achieved rate",
      s.step_s, 100 * kLadderMinAchieved, kLadderMaxLagSeconds));
  if (!steps.empty() && step_sustained(steps.back())) {
    r.notes.push_back("every step was sustained: the real limit is above the ladder's top");
  }
}

namespace {

// A store of the local services that the bench stopped: started again when this goes, whatever
// happened meanwhile (an error, Ctrl-C), so the shared services are never left down by a run.
class StoppedService {
 public:
  StoppedService(fs::path script, std::string service, std::vector<std::pair<std::string, std::string>> env)
      : script_(std::move(script)), service_(std::move(service)), env_(std::move(env)) {}
  StoppedService(const StoppedService&) = delete;
  StoppedService& operator=(const StoppedService&) = delete;
  ~StoppedService() {
    if (!stopped_) return;
    try {
      start();
    } catch (const std::exception&) {
      // Nothing more to do from a destructor: the run's report already says the fault failed.
    }
  }
  bool stopped() const { return stopped_; }

  // Throws core::RuntimeFailure when the script fails (the destructor still starts it again).
  void stop() {
    stopped_ = true;  // a stop that failed half-way may have stopped it all the same
    const RunResult rr = run_program({script_.string(), "stop", service_}, std::chrono::seconds(120), env_);
    if (rr.exit_code != 0) {
      throw core::RuntimeFailure(fmt::format("{} stop {} exited {}: {}", script_.string(), service_, rr.exit_code, tail(rr.err)));
    }
  }
  // "" when it is running again, else why not.
  std::string start() {
    const RunResult rr = run_program({script_.string(), "start", service_}, std::chrono::seconds(180), env_);
    if (rr.exit_code == 0) {
      stopped_ = false;
      return "";
    }
    return fmt::format("{} start {} exited {}: {}", script_.string(), service_, rr.exit_code, tail(rr.err));
  }

 private:
  static std::string tail(const std::string& t) { return t.size() > 400 ? t.substr(t.size() - 400) : t; }
  fs::path script_;
  std::string service_;
  std::vector<std::pair<std::string, std::string>> env_;
  bool stopped_ = false;
};

// The number of "assigned: …" lines a consumer wrote to stderr so far (one per assignment).
std::size_t assignment_lines(const fs::path& err) {
  const std::string text = read_text(err);
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find("assigned: ", pos)) != std::string::npos; pos += 10) {
    if (pos == 0 || text[pos - 1] == '\n') ++n;
  }
  return n;
}

std::uint16_t default_port(const std::string& sink) {
  if (sink == "postgres") return 5432;
  if (sink == "redis") return 6379;
  return 10800;
}

}  // namespace

bool Run::wait_members(const std::vector<StreamlabProcess*>& members, const std::function<bool()>& done,
                       std::uint64_t total, double from_fraction, double span, ScenarioResult& r) {
  const auto stored = [&] {
    std::uint64_t n = 0;
    for (const auto* m : members) n += m->stored();
    return n;
  };
  std::uint64_t last = stored();
  auto last_change = std::chrono::steady_clock::now();
  while (true) {
    if (done()) return true;
    bool running = false;
    for (auto* m : members) running = running || !m->child->poll();
    if (!running || core::shutdown_requested()) return false;
    const std::uint64_t n = stored();
    if (n != last) {
      last = n;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change > std::chrono::duration<double>(kStallSeconds)) {
      r.failed = true;
      r.problems.push_back(fmt::format("the consumers stored nothing for {:.0f} s (at {} of {} rows)", kStallSeconds, n, total));
      return false;
    }
    if (total > 0) progress_->update(from_fraction + span * std::min(1.0, static_cast<double>(n) / static_cast<double>(total)));
    std::this_thread::sleep_for(50ms);
  }
}

bool Run::verify_available() {
  if (!verify_available_) {
    // CLI11's help lists each subcommand on a line of its own, indented by two spaces.
    const RunResult rr = run_program({fs::read_symlink("/proc/self/exe").string(), "--help"}, 30s);
    verify_available_ = rr.out.find("\n  verify ") != std::string::npos;
  }
  return *verify_available_;
}

std::optional<VerifyFigures> Run::verify_sink(const std::string& topic, const std::string& sink, const std::string& table,
                                              const std::string& group, ScenarioResult& r) {
  if (!verify_available()) {
    r.failed = true;
    r.problems.push_back("streamlab verify is not available (this build has no verify command): rows lost and "
                         "duplicated cannot be counted");
    return std::nullopt;
  }
  const RunResult rr = run_program({fs::read_symlink("/proc/self/exe").string(), "verify", "-b", c_.services.brokers, "-t",
                                    topic, "--sink", sink, "--table", table, "-g", group, "--json"},
                                   300s, {}, {}, [this](pid_t pid) { monitor_.watch_pid("verify", "streamlab", pid); });
  monitor_.unwatch("verify");
  auto figures = parse_verify(rr.out);
  if (!figures) {
    r.failed = true;
    r.problems.push_back(fmt::format("streamlab verify exited {} without its figures: {}", rr.exit_code,
                                     rr.err.size() > 400 ? rr.err.substr(rr.err.size() - 400) : rr.err));
  }
  return figures;
}

fs::path Run::services_script() const {
  if (const char* env = std::getenv("STREAMLAB_SERVICES"); env && *env) return env;
  return root_ / "deploy" / "local" / "services";
}

std::optional<std::string> Run::outage_impossible(const std::string& sink) {
  const fs::path script = services_script();
  if (::access(script.c_str(), X_OK) != 0) {
    return fmt::format("no services script at {} to stop and start {} with (STREAMLAB_SERVICES names it)",
                       script.string(), sink);
  }
  const RunResult env = run_program({script.string(), "env", sink}, 30s);
  std::string var = "STREAMLAB_" + sink;
  for (char& ch : var) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string local = exported_value(env.out, var);
  if (env.exit_code != 0 || local.empty() || !same_server(sink_uri(sink), local, default_port(sink))) {
    return fmt::format("the sink {} is not the local {} of {} ({}): the bench stops only the local services", redact_uri(sink_uri(sink)),
                       sink, script.string(), local.empty() ? "none" : redact_uri(local));
  }
  const RunResult status = run_program({script.string(), "status", sink}, 30s);
  if (status.exit_code != 0) return fmt::format("the local {} is not running under {}", sink, script.string());
  if (sink == "ignite" && status.out.find("persistence on") == std::string::npos) {
    return "the local Ignite keeps its data in memory only: a restart loses every row it holds, which tests nothing "
           "about exactly once (STREAMLAB_IGNITE_PERSISTENCE=1 when it starts turns native persistence on)";
  }
  return std::nullopt;
}

// A backlog of counters, one sink consumer with small batches, the fault at `fault_at` of the
// backlog stored, every member run to the end with --until-end, then streamlab verify.
void Run::scenario_fault(const Scenario& s, ScenarioResult& r) {
  // What the report shows of a fault that never came to pass (skipped, failed early): nulls.
  json fault = {{"kind", fault_name(s.fault)}, {"landed", false}, {"start_s", nullptr}, {"end_s", nullptr},
                {"recovery_s", nullptr}, {"longest_stall_s", nullptr}, {"lost", nullptr}, {"duplicated", nullptr},
                {"verify", nullptr}, {"members", json::array()}};
  if (s.fault == Fault::Outage) fault["outage_s"] = s.outage_s;
  r.extra["fault"] = fault;
  // What makes the fault impossible is told before anything is produced.
  if (!verify_available()) {
    verify_sink("", "", "", "", r);
    return;
  }
  if (s.fault == Fault::Outage) {
    if (auto why = outage_impossible(s.sink)) {
      r.skipped = true;
      r.problems.push_back("skipped: " + *why);
      return;
    }
  }
  const std::string topic = topic_for(s.id);
  const std::string group = prefix_ + s.id;
  const std::string table = s.sink == "redis" ? prefix_ + s.id : table_for(s.id);
  if (s.sink == "postgres") pg_tables_.push_back(table);
  if (s.sink == "redis") redis_prefixes_.push_back(table);
  if (s.sink == "ignite") ignite_tables_.push_back(table);

  progress_->phase(fmt::format("producing a backlog of {} counters", s.count));
  StreamlabProcess producer = start("produce", "producer", {"-t", topic, "--source", "counter", "--count", std::to_string(s.count)});
  const json ps = wait_producer(producer, static_cast<double>(s.count), 0, 0.15);
  r.produced = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
  r.produced_points = producer.points();
  r.rates["produce_msgs_per_s"] = num(ps, "msgs_per_s");
  if (r.produced != s.count) {
    r.failed = true;
    r.problems.push_back(fmt::format("producer acknowledged {} of {}: {}", r.produced, s.count, producer.stderr_tail()));
    return;
  }

  // Every member runs to the end of the backlog by itself; with static membership (kill) the
  // restarted process takes its predecessor's place in the group without a rebalance.
  std::vector<std::string> args = {"-t", topic, "-g", group, "--from", "beginning", "--quiet", "--until-end",
                                   "--sink", sink_uri(s.sink), "--table", table, "--batch-rows", std::to_string(s.batch_rows)};
  if (s.fault == Fault::Kill) args.insert(args.end(), {"--instance-id", group + "-1"});
  std::vector<StreamlabProcess> members;
  members.reserve(2);  // pointers to them are kept while waiting
  std::vector<std::string> roles;
  const auto all = [&] {
    std::vector<StreamlabProcess*> v;
    for (auto& m : members) v.push_back(&m);
    return v;
  };
  const auto stored = [&] {
    std::uint64_t n = 0;
    for (const auto& m : members) n += m.stored();
    return n;
  };
  const auto at = [&](double fraction) { return static_cast<std::uint64_t>(fraction * static_cast<double>(s.count)); };
  progress_->phase(fmt::format("consuming into {}, {} rows a batch", s.sink, s.batch_rows));
  members.push_back(start("consume", "consumer", args));
  roles.push_back(s.fault == Fault::Kill ? "killed" : s.fault == Fault::Rebalance ? "survivor" : "member");
  const bool landed = wait_members(all(), [&] { return stored() >= at(s.fault_at); }, s.count, 0.15, 0.75, r) &&
                      !members[0].child->poll();

  fault["landed"] = landed;
  std::optional<std::int64_t> recovery;
  std::optional<StoppedService> service;
  if (!landed) {
    // A consumer that failed is told of below, by its exit code; one that finished was too quick.
    if (members[0].child->poll() == 0 && !r.failed && !core::shutdown_requested()) {
      r.problems.push_back(fmt::format("the fault did not land: the consumer had stored all {} rows before the fault "
                                       "could strike at {:.0f}% (a larger --scale makes the backlog last longer)",
                                       s.count, 100 * s.fault_at));
    }
  } else if (s.fault == Fault::Kill) {
    progress_->phase(fmt::format("SIGKILL at {} rows stored, restarting", stored()));
    fault["start_s"] = fault["end_s"] = now_s();
    const std::int64_t kill_ms = core::wall_ms();
    members[0].child->signal(SIGKILL);
    members[0].child->wait_for(10s);
    monitor_.unwatch(members[0].name);
    members.push_back(start("consume", "consumer-restarted", args));
    roles.push_back("restarted");
    wait_members(all(), [] { return false; }, s.count, 0.15, 0.75, r);
    recovery = recovery_ms(members[1].points(), kill_ms);
  } else if (s.fault == Fault::Outage) {
    // The store's own service: Ignite comes back in the mode it ran in (persistence is read at start).
    std::vector<std::pair<std::string, std::string>> env;
    if (s.sink == "ignite") env.emplace_back("STREAMLAB_IGNITE_PERSISTENCE", "1");
    service.emplace(services_script(), s.sink, env);
    progress_->phase(fmt::format("stopping {} for {:.0f} s at {} rows stored", s.sink, s.outage_s, stored()));
    fault["start_s"] = now_s();
    service->stop();
    const auto down = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - down < std::chrono::duration<double>(s.outage_s) && !core::shutdown_requested()) {
      std::this_thread::sleep_for(100ms);
    }
    progress_->phase(fmt::format("starting {} again", s.sink));
    const std::string error = service->start();
    const std::int64_t up_ms = core::wall_ms();
    fault["end_s"] = now_s();
    if (!error.empty()) {
      r.failed = true;
      r.problems.push_back(error);
    }
    wait_members(all(), [] { return false; }, s.count, 0.15, 0.75, r);
    recovery = recovery_ms(members[0].points(), up_ms);
  } else if (s.fault == Fault::Rebalance) {
    progress_->phase(fmt::format("a second member joins at {} rows stored", stored()));
    fault["start_s"] = now_s();
    members.push_back(start("consume", "consumer-joined", args));
    roles.push_back("joined");
    // It leaves once the backlog is past leave_at and it has stored rows of its own: only then
    // does its leave hand the survivor partitions with work left in them.
    const bool leave = wait_members(all(), [&] { return stored() >= at(s.leave_at) && members[1].stored() > 0; }, s.count,
                                    0.15, 0.75, r) &&
                       !members[0].child->poll() && !members[1].child->poll();
    if (leave) {
      progress_->phase(fmt::format("the second member leaves (SIGTERM) at {} rows stored", stored()));
      const std::size_t seen = assignment_lines(members[0].err);
      fault["end_s"] = now_s();
      const std::int64_t leave_ms = core::wall_ms();
      members[1].child->signal(SIGTERM);
      // The survivor's next assignment is the takeover; stamped here, as consume writes no time.
      std::optional<std::int64_t> takeover_ms;
      wait_members(all(), [&] {
        if (!takeover_ms && assignment_lines(members[0].err) > seen) takeover_ms = core::wall_ms();
        return false;
      }, s.count, 0.15, 0.75, r);
      if (takeover_ms) recovery = recovery_ms(members[0].points(), leave_ms, *takeover_ms);
      if (!takeover_ms) r.notes.push_back("the survivor was not seen taking the leaving member's partitions over");
    } else if (!r.failed && !core::shutdown_requested()) {
      r.problems.push_back(fmt::format("the rebalance did not land: the second member {}",
                                       members[1].stored() == 0 ? "stored nothing before the backlog was done"
                                                                : "was gone before it could leave"));
      wait_members(all(), [] { return false; }, s.count, 0.15, 0.75, r);
    }
  }
  // Whatever is still running (a stall, Ctrl-C) is stopped; the exit codes go into the report.
  json member_rows = json::array();
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto& m = members[i];
    if (!m.child->poll()) m.child->stop();
    monitor_.unwatch(m.name);
    const int rc = *m.child->poll();
    if (!landed) roles[i] = "member";  // nothing was done to it
    const bool killed = roles[i] == "killed";
    if (rc != 0 && !killed) {
      r.failed = true;
      r.problems.push_back(fmt::format("{} exited {}: {}", m.name, rc, m.stderr_tail()));
    }
    const auto last = last_point(m.stats);
    member_rows.push_back({{"name", m.name}, {"role", roles[i]}, {"consumed", last ? last->count : 0},
                           {"stored", last && last->stored ? *last->stored : 0}, {"exit_code", rc}});
    r.consumed += last ? last->count : 0;
    r.member_points.push_back(m.points());
  }
  if (service) {
    // Started again already unless that failed: one more try before verify reads the store.
    if (service->stopped()) {
      if (const std::string error = service->start(); !error.empty()) r.problems.push_back(error);
    }
    service.reset();
  }
  fault["members"] = member_rows;
  if (recovery) fault["recovery_s"] = static_cast<double>(*recovery) / 1000.0;
  if (landed && !recovery && !r.failed) {
    r.notes.push_back("no recovery figure: no row was left to store after the fault (the backlog was short)");
  }

  progress_->phase("streamlab verify");
  r.verified = verify_sink(topic, sink_uri(s.sink), table, group, r);
  progress_->update(1.0);
  if (r.verified) {
    r.stored = r.verified->rows + r.verified->dead_letters;
    fault["lost"] = r.verified->missing;
    fault["duplicated"] = r.verified->duplicated;
    fault["verify"] = {{"ok", r.verified->ok}, {"expected", r.verified->expected}, {"rows", r.verified->rows},
                       {"dead_letters", r.verified->dead_letters}, {"missing", r.verified->missing},
                       {"duplicated", r.verified->duplicated}};
  }
  const Series series = align_members(r.produced_points, r.member_points, epoch_wall_ms_);
  fault["longest_stall_s"] = longest_stall_s(r.member_points);
  // Over the span in which rows were stored, the fault's dip included.
  double first = -1, last = -1;
  for (std::size_t i = 1; i < series.t.size(); ++i) {
    if (series.stored[i] - series.stored[i - 1] < 0.5) continue;
    if (first < 0) first = series.t[i - 1];
    last = series.t[i];
  }
  r.rates["store_rows_per_s"] = last > first && !series.stored.empty() ? series.stored.back() / (last - first) : 0.0;
  r.extra["fault"] = fault;
  r.notes.push_back(fmt::format(
      "{} rows a batch; consumed counts every member's reads (a replay after the fault counts again); stored, lost and "
      "duplicated are streamlab verify's",
      s.batch_rows));
  if (s.fault == Fault::Kill) {
    r.notes.push_back("recovery: SIGKILL to the restarted consumer's first --stats line with a row stored (both members "
                      "share one static member id, so the restart takes the partitions back without a rebalance)");
  } else if (s.fault == Fault::Outage) {
    r.notes.push_back("recovery: the services script's start returning to the consumer's next --stats line with a new row");
  } else {
    r.notes.push_back("recovery: the second member's SIGTERM to the survivor's first --stats line with a new row after "
                      "its next assignment (the partitions it took over)");
  }
  progress_->note(fmt::format("  {}: recovery {}; {}", s.id,
                              recovery ? fmt::format("{:.2f} s", static_cast<double>(*recovery) / 1000.0) : "—",
                              r.verified ? fmt::format("verify: {} lost, {} duplicated", r.verified->missing, r.verified->duplicated)
                                         : "not verified"));
}

void Run::kafka_baselines(const Scenario& s, const std::string& topic, ScenarioResult& r) {
  // The same payloads as streamlab sent, one a line.
  const std::uint64_t n = r.produced;
  if (n == 0) return;
  const fs::path file = work_ / (s.id + ".payloads");
  progress_->phase("baseline: writing the payload file");
  {
    StreamlabProcess dump = start("consume", "consumer", {"-t", topic, "-g", prefix_ + s.id + "-dump", "--from", "beginning",
                                                          "--show=raw", "--count", std::to_string(n), "--idle-exit", "30"});
    dump.child->wait_for(300s);
    monitor_.unwatch("consumer");
    fs::rename(dump.out, file);
  }
  BaselineContext ctx{c_.services, work_, root_, [this](const std::string& name, pid_t pid) { monitor_.watch_pid(name, "baseline", pid); },
                      [this](const std::string& name) { monitor_.unwatch(name); }};
  const double sp = r.rates.value("produce_msgs_per_s", 0.0), sc = r.rates.value("consume_msgs_per_s", 0.0);
  const bool together = s.id == "counters-live";
  auto add = [&](BaselineResult b, double streamlab) {
    b.streamlab = streamlab;
    if (together) b.note += (b.note.empty() ? "" : "; ") + std::string("streamlab's producer and consumer ran together");
    progress_->note(fmt::format("  baseline {} {}: {}", b.tool, b.measure, b.value ? fmt::format("{:.0f} msgs/s", *b.value) : b.note));
    r.baselines.push_back(b);
  };
  progress_->phase("baseline kcat produce");
  const std::string kt = topic_for(s.id + "-kcat");
  add(kcat_produce(ctx, kt, file, n), sp);
  progress_->phase("baseline kcat consume");
  add(kcat_consume(ctx, kt, n), sc);
  progress_->phase("baseline kafka-producer-perf-test");
  const std::string jt = topic_for(s.id + "-kperf");
  add(kafka_perf_produce(ctx, jt, file, n), sp);
  progress_->phase("baseline kafka-consumer-perf-test");
  add(kafka_perf_consume(ctx, jt, prefix_ + s.id + "-kperf", n), sc);
  std::error_code ec;
  fs::remove(file, ec);
}

void Run::sink_baselines(const Scenario& s, const std::string& topic, const std::string& table, ScenarioResult& r) {
  BaselineContext ctx{c_.services, work_, root_, [this](const std::string& name, pid_t pid) { monitor_.watch_pid(name, "baseline", pid); },
                      [this](const std::string& name) { monitor_.unwatch(name); }};
  const double streamlab = r.rates.value("store_rows_per_s", 0.0);
  auto add = [&](BaselineResult b) {
    b.streamlab = streamlab;
    progress_->note(fmt::format("  baseline {}: {}", b.tool, b.value ? fmt::format("{:.0f} rows/s", *b.value) : b.note));
    r.baselines.push_back(b);
  };
  if (s.sink == "postgres") {
    progress_->phase("baseline psql \\copy");
    const std::string fresh = table + "_copy";
    pg_tables_.push_back(fresh);
    add(psql_copy(ctx, table, fresh, r.produced));
  }
  if (s.sink == "redis") {
    progress_->phase("baseline redis-benchmark");
    // The average payload, from what the producer sent.
    const std::size_t bytes = r.produced_points.empty() || r.produced == 0
                                  ? 32
                                  : static_cast<std::size_t>(r.produced_points.back().bytes / r.produced);
    add(redis_benchmark(ctx, r.produced, std::max<std::size_t>(bytes, 1)));
  }
  progress_->phase("baseline lab-style " + s.sink);
  const std::string lab_table = table + "_lab";
  if (s.sink == "postgres") pg_tables_.push_back(lab_table);
  if (s.sink == "redis") redis_prefixes_.push_back(prefix_ + s.id + "-lab");
  add(lab_style(ctx, s.sink, topic, prefix_ + s.id + "-lab", s.sink == "redis" ? prefix_ + s.id + "-lab" : lab_table,
                std::min(s.baseline_sample, r.produced)));
}

std::string Run::sink_uri(const std::string& sink) const {
  if (sink == "postgres") return c_.services.postgres;
  if (sink == "redis") return c_.services.redis;
  if (sink == "ignite") return c_.services.ignite;
  return "";
}

std::optional<std::string> Run::sink_unavailable(const std::string& sink) {
  if (sink.empty()) return std::nullopt;
  auto it = sink_checked_.find(sink);
  if (it != sink_checked_.end()) return it->second;
  std::optional<std::string> why;
  if (sink == "postgres") why = postgres_unreachable(c_.services.postgres);
  if (sink == "redis") why = redis_unreachable(c_.services.redis);
  if (sink == "ignite") why = ignite_unreachable(c_.services.ignite);
  sink_checked_[sink] = why;
  return why;
}

json Run::scenario_json(const Scenario& s, const ScenarioResult& r, double start_s, double end_s) {
  json j = {{"id", s.id}, {"title", s.title}, {"kind", kind_name(s.kind)}, {"payload", s.payload}};
  j["sink"] = s.sink.empty() ? json(nullptr) : json(s.sink);
  j["offered_rate"] = s.rate > 0 ? json(s.rate) : json(nullptr);
  j["start_s"] = start_s;
  j["end_s"] = end_s;
  j["produced"] = r.produced;
  j["consumed"] = r.consumed;
  j["stored"] = s.sink.empty() || !r.stored ? json(nullptr) : json(*r.stored);
  // A fault scenario's members read some messages twice (after a kill, a rebalance): what counts
  // there is what streamlab verify found in the store.
  const bool fault = s.kind == Kind::Fault;
  bool ok = !r.failed && (fault || r.consumed == r.produced);
  if (!s.sink.empty() && !r.skipped) ok = ok && r.stored && *r.stored == r.produced;
  if (fault && !r.skipped) ok = ok && r.verified && r.verified->ok && r.verified->missing == 0 && r.verified->duplicated == 0;
  if (r.skipped) ok = true;
  std::vector<std::string> problems = r.problems;
  if (!r.skipped && !fault && r.consumed != r.produced) problems.push_back(fmt::format("consumed {} of {} produced", r.consumed, r.produced));
  if (!r.skipped && !s.sink.empty() && r.stored && *r.stored != r.produced)
    problems.push_back(fmt::format("stored {} of {} produced", *r.stored, r.produced));
  if (!r.skipped && r.verified && r.verified->missing > 0) problems.push_back(fmt::format("streamlab verify: {} rows lost", r.verified->missing));
  if (!r.skipped && r.verified && r.verified->duplicated > 0)
    problems.push_back(fmt::format("streamlab verify: {} rows duplicated", r.verified->duplicated));
  if (!r.skipped && r.verified && r.verified->ok == false && r.verified->missing == 0 && r.verified->duplicated == 0)
    problems.push_back("streamlab verify: the stored offsets do not match what the sink holds");
  j["ok"] = ok;
  j["problems"] = problems;
  j["notes"] = r.notes;
  if (r.skipped) j["skipped"] = true;
  j["rates"] = r.rates;
  j["latency_ms"] = r.latency;
  const Series series = r.member_points.empty() ? align(r.produced_points, r.consumed_points, epoch_wall_ms_)
                                                : align_members(r.produced_points, r.member_points, epoch_wall_ms_);
  j["series"] = {{"t", series.t}, {"produced", series.produced}, {"consumed", series.consumed}, {"lag", series.lag}};
  if (!series.stored.empty()) j["series"]["stored"] = series.stored;
  json res = json::object();
  for (const auto& p : monitor_.processes()) {
    const ResourceSummary sum = monitor_.summary(p.name, start_s, end_s);
    if (sum.samples == 0) continue;
    res[p.name] = {{"cpu_pct_mean", sum.cpu_pct_mean}, {"cpu_pct_max", sum.cpu_pct_max}, {"rss_bytes_max", sum.rss_bytes_max},
                   {"samples", sum.samples}};
  }
  j["resources"] = res;
  json bl = json::array();
  for (const auto& b : r.baselines) bl.push_back(b.to_json());
  j["baselines"] = bl;
  for (auto& [k, v] : r.extra.items()) j[k] = v;
  return j;
}

json Run::summary_rows(const json& scenarios) const {
  json rows = json::array();
  const auto row = [&](const json& s, const std::string& measure, const json& value, const std::string& unit,
                       const std::string& baseline_measure) {
    json r = {{"scenario", s["id"]}, {"measure", measure}, {"value", value}, {"unit", unit}, {"baseline", nullptr}, {"ratio", nullptr}};
    if (!baseline_measure.empty()) {
      // The first baseline of this measure with a value (kcat before Kafka's tool, raw before lab-style).
      for (const auto& b : s["baselines"]) {
        const bool lab = b["tool"].get<std::string>().rfind("lab-style", 0) == 0;  // has its own row
        if (b["measure"] == baseline_measure && !b["ratio"].is_null() && !lab) {
          r["baseline"] = b["tool"];
          r["ratio"] = b["ratio"];
          break;
        }
      }
    }
    rows.push_back(r);
  };
  for (const auto& s : scenarios) {
    if (s.value("skipped", false)) continue;
    const json& rt = s["rates"];
    const std::string kind = s["kind"];
    if (kind == "live" || kind == "backlog") {
      row(s, "produce", rt.value("produce_msgs_per_s", 0.0), "msgs/s", "produce");
      row(s, "consume", rt.value("consume_msgs_per_s", 0.0), "msgs/s", "consume");
    } else if (kind == "sink") {
      row(s, "store", rt.value("store_rows_per_s", 0.0), "rows/s", "store");
      for (const auto& b : s["baselines"]) {
        if (b["tool"].get<std::string>().rfind("lab-style", 0) == 0 && !b["ratio"].is_null()) {
          rows.push_back({{"scenario", s["id"]}, {"measure", "store vs lab"}, {"value", rt.value("store_rows_per_s", 0.0)},
                          {"unit", "rows/s"}, {"baseline", b["tool"]}, {"ratio", b["ratio"]}});
        }
      }
    } else if (kind == "max") {
      row(s, "sustainable", rt.value("sustainable_msgs_per_s", 0.0), "msgs/s", "");
    } else if (kind == "latency" && s["latency_ms"].is_object()) {
      row(s, "latency p99", s["latency_ms"]["p99"], "ms", "");
    } else if (kind == "fault" && s.contains("fault") && s["fault"]["recovery_s"].is_number()) {
      row(s, "recovery", s["fault"]["recovery_s"], "s", "");
    } else if (kind == "rest") {
      for (const auto& [name, res] : s["resources"].items()) {
        rows.push_back({{"scenario", s["id"]}, {"measure", name + " CPU at rest"}, {"value", res["cpu_pct_mean"]}, {"unit", "%"},
                        {"baseline", nullptr}, {"ratio", nullptr}});
      }
    }
  }
  return rows;
}

void Run::cleanup() {
  if (c_.keep) {
    progress_->note(fmt::format("kept (--keep): topics, tables and keys named {}*", prefix_));
    return;
  }
  progress_->phase("cleaning up");
  for (const auto& t : topics_) {
    try {
      admin_->delete_topic(t);
    } catch (const std::exception& e) {
      progress_->note(fmt::format("warning: could not delete topic {}: {}", t, e.what()));
    }
  }
  if (!pg_tables_.empty()) {
    if (auto e = drop_postgres(c_.services.postgres, pg_tables_, prefix_); !e.empty()) progress_->note("warning: PostgreSQL clean-up: " + e);
  }
  for (const auto& p : redis_prefixes_) {
    if (auto e = delete_redis_prefix(c_.services.redis, p); !e.empty()) progress_->note("warning: Redis clean-up: " + e);
  }
  if (!ignite_tables_.empty()) {
    if (auto e = drop_ignite(c_.services.ignite, ignite_tables_); !e.empty()) progress_->note("warning: Ignite clean-up: " + e);
  }
}

json Run::run() {
  const std::time_t started = std::time(nullptr);
  admin_.emplace(kafka::ClientOptions{c_.services.brokers, {}});
  // The services, by the ports they listen on; the broker's log dir when it is the local one.
  const std::uint16_t kafka_port = port_of(c_.services.brokers, 9092);
  monitor_.watch_port("kafka", "service", kafka_port);
  if (!c_.services.postgres.empty()) monitor_.watch_port("postgres", "service", port_of(c_.services.postgres, 5432));
  if (!c_.services.redis.empty()) monitor_.watch_port("redis", "service", port_of(c_.services.redis, 6379));
  if (!c_.services.ignite.empty()) monitor_.watch_port("ignite", "service", port_of(c_.services.ignite, 10800));
  if (const char* lib = std::getenv("STREAMLAB_KAFKA_LIB"); lib && *lib && pid_listening_on(kafka_port) != 0) {
    const fs::path data = fs::path(lib).parent_path() / "data";
    if (fs::is_directory(data)) monitor_.watch_disk("kafka-log", data);
  }
  monitor_.start();

  json scenarios = json::array();
  for (std::size_t i = 0; i < c_.scenarios.size(); ++i) {
    const Scenario& s = c_.scenarios[i];
    if (core::shutdown_requested()) break;
    progress_->begin(i, s.id);
    ScenarioResult r;
    const double start_s = now_s();
    if (auto why = sink_unavailable(s.sink)) {
      r.skipped = true;
      r.problems.push_back("skipped: " + *why);
      progress_->note(fmt::format("[{}/{}] {}: skipped: {}", i + 1, c_.scenarios.size(), s.id, *why));
    } else {
      try {
        run_scenario(s, r);
      } catch (const std::exception& e) {
        r.failed = true;
        r.problems.push_back(fmt::format("failed: {}", e.what()));
      }
    }
    monitor_.sample_now();
    const json sj = scenario_json(s, r, start_s, now_s());
    progress_->note(fmt::format("[{}/{}] {}: {}; produced {}, consumed {}{}{}", i + 1, c_.scenarios.size(), s.id,
                                sj["ok"].get<bool>() ? (r.skipped ? "skipped" : "ok") : "FAILED", r.produced, r.consumed,
                                r.stored ? fmt::format(", stored {}", *r.stored) : "",
                                sj["problems"].empty() ? "" : "; " + sj["problems"][0].get<std::string>()));
    scenarios.push_back(sj);
  }
  monitor_.stop();
  cleanup();
  progress_->finish();

  json doc;
  doc["format"] = "streamlab-bench/1";
  doc["started_at"] = iso_utc(started);
  doc["finished_at"] = iso_utc(std::time(nullptr));
  doc["quick"] = c_.quick;
  doc["scale"] = c_.scale;
  doc["command"] = c_.command_line;
  doc["run_id"] = run_id_;
  json services = json::object();
  services["brokers"] = c_.services.brokers;
  if (!c_.services.postgres.empty()) services["postgres"] = redact_uri(c_.services.postgres);
  if (!c_.services.redis.empty()) services["redis"] = redact_uri(c_.services.redis);
  if (!c_.services.ignite.empty()) services["ignite"] = redact_uri(c_.services.ignite);
  doc["services"] = services;
  doc["machine"] = machine_facts();
  doc["versions"] = program_versions(c_.services, root_);
  doc["scenarios"] = scenarios;
  doc["summary"] = summary_rows(scenarios);
  doc["monitor"] = monitor_.to_json();
  if (!c_.keep && all_ok(doc)) {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  return doc;
}

}  // namespace

bool all_ok(const json& report) {
  for (const auto& s : report["scenarios"]) {
    if (!s.value("ok", false)) return false;
  }
  return true;
}

json run_bench(const RunConfig& config) {
  Run run(config);
  json doc = run.run();
  write_report(doc, config.out_dir, default_web_dist());
  return doc;
}

}  // namespace streamlab::bench
