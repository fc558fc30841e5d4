// The run's loop and what every scenario shares: names, child processes, the switch over Kind,
// clean-up. Each kind's procedure is in a run_<kind>.cpp of its own.
#include "bench/runner.hpp"

#include <algorithm>
#include <csignal>
#include <ctime>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "bench/machine_info.hpp"
#include "bench/report_writer.hpp"
#include "bench/run.hpp"
#include "bench/service_clients.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/paths.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string random_id() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

}  // namespace

json StreamlabProcess::summary() const {
  std::string text = read_text(out);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const auto nl = text.rfind('\n');
  auto j = json::parse(nl == std::string::npos ? text : text.substr(nl + 1), nullptr, false);
  return j.is_object() ? j : json(nullptr);
}

std::string StreamlabProcess::stderr_tail() const {
  std::string t = read_text(err);
  return t.size() > 400 ? t.substr(t.size() - 400) : t;
}

std::size_t StreamlabProcess::assignment_lines() const {
  const std::string text = read_text(err);
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find("assigned: ", pos)) != std::string::npos; pos += 10) {
    if (pos == 0 || text[pos - 1] == '\n') ++n;
  }
  return n;
}

std::uint64_t measured_count(const json& summary, const std::string& topic, std::uint64_t& warm) {
  warm = 0;
  if (!summary.is_object()) return 0;
  const std::uint64_t all = summary.value("consumed", std::uint64_t{0});
  const json& by_topic = summary.contains("consumed_by_topic") ? summary["consumed_by_topic"] : json::object();
  const std::uint64_t measured = by_topic.is_object() ? by_topic.value(topic, std::uint64_t{0}) : 0;
  warm = all - std::min(all, measured);
  return measured;
}

void drop_warm_up(std::vector<StatsPoint>& points, std::uint64_t warm) {
  for (auto& p : points) {
    p.count -= std::min(p.count, warm);
    if (p.stored) *p.stored -= std::min(*p.stored, warm);
  }
}

namespace {

json quantiles(const json& l, std::uint64_t count) {
  json out = {{"p50", l.value("p50", 0.0)},
              {"p90", l.value("p90", l.value("p99", 0.0))},
              {"p99", l.value("p99", 0.0)},
              {"max", l.value("max", 0.0)},
              {"count", count}};
  if (l.contains("histogram")) out["histogram"] = l["histogram"];
  return out;
}

}  // namespace

json latency_of(const json& summary) {
  if (!summary.is_object() || !summary.contains("latency_ms")) return nullptr;
  return quantiles(summary["latency_ms"], summary.value("consumed", std::uint64_t{0}));
}

json intended_latency_of(const json& summary) {
  if (!summary.is_object()) return nullptr;
  const json& from = summary.contains("sink") ? summary["sink"] : summary;
  const json l = from.value(summary.contains("sink") ? "intended_stored_latency_ms" : "intended_latency_ms", json());
  if (!l.is_object() || l.value("count", std::uint64_t{0}) == 0) return nullptr;
  return quantiles(l, l.value("count", std::uint64_t{0}));
}

double num(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

std::string source_of(const Scenario& s) { return s.payload == "tweets" ? "synthetic-tweets" : "counter"; }

double drain_seconds(const json& summary) {
  if (!summary.is_object() || !summary.contains("sink")) return 0.0;
  return num(summary["sink"], "seconds");
}

double store_rate(const json& summary) {
  const double secs = drain_seconds(summary);
  if (secs <= 0) return 0.0;
  return (num(summary["sink"], "rows") + num(summary["sink"], "dead_letters")) / secs;
}

Environment sink_through_environment(std::vector<std::string>& argv) {
  Environment env;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--sink" && argv[i + 1] != "null") {
      env.emplace_back(kSinkVariable, argv[i + 1]);
      argv[i + 1] = std::string("env:") + kSinkVariable;
    }
  }
  return env;
}

Run::Run(const RunConfig& c)
    : c_(c),
      route_(c.services),
      run_id_(random_id()),
      prefix_(fmt::format("bench-{}-", run_id_)),
      work_(c.out_dir / "work"),
      root_(core::project_root()),
      epoch_(std::chrono::steady_clock::now()),
      epoch_wall_ms_(core::wall_ms()),
      monitor_(500ms, epoch_) {
  fs::create_directories(work_);
  fs::permissions(work_, fs::perms::owner_all);  // payload files and the children's logs: ours alone
  std::vector<double> planned;
  for (const auto& s : c_.scenarios) planned.push_back(s.planned_s + (c_.baselines ? baseline_planned_s(s) : 0));
  progress_.emplace(planned);
}

double Run::baseline_planned_s(const Scenario& s) {
  // The comparisons that decide a target run kBaselineRounds times (baselines.hpp).
  const double rounds = kBaselineRounds;
  if (s.kafka_baselines) return 10 + 8 * rounds;
  // A later round: streamlab's drain and the store's loader, about the scenario's own length;
  // Ignite's Java clients: two JVM starts' worth, a client node joining, and the rows twice.
  if (s.kind == Kind::Sink)
    return 5 + static_cast<double>(s.baseline_sample) / 1000.0 + (rounds - 1) * s.planned_s +
           (s.sink == "ignite" ? rounds * (15 + 2.0 * static_cast<double>(s.count) / 20000.0) : 0);
  return 0;
}

std::string Run::topic_for(const std::string& what, int partitions) {
  const std::string t = prefix_ + what;
  admin_->create_topic(t, partitions, 1);
  topics_.push_back(t);
  return t;
}

std::string Run::table_for(const std::string& id) const {
  std::string t = "bench_" + run_id_ + "_" + id;
  for (char& ch : t) ch = ch == '-' ? '_' : ch;
  return t;
}

std::string Run::store_for(const std::string& sink, const std::string& id) {
  if (sink == "redis") {
    redis_keys_ = true;
    return prefix_ + id;
  }
  const std::string table = table_for(id);
  if (sink == "postgres") pg_tables_.push_back(table);
  if (sink == "ignite") ignite_tables_.push_back(table);
  return table;
}

StreamlabProcess Run::start(const std::string& command, const std::string& name, const std::vector<std::string>& args) {
  StreamlabProcess p;
  p.name = name;
  const std::string tag = fmt::format("{:03}-{}", serial_++, name);
  p.stats = work_ / (tag + ".stats");
  p.out = work_ / (tag + ".json");
  p.err = work_ / (tag + ".log");
  ChildSpec spec;
  spec.argv = {"/proc/self/exe", command, "-b", route_.brokers};
  // The bench's own binary, so the children are the same build as the parent.
  spec.argv[0] = fs::read_symlink("/proc/self/exe").string();
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.insert(spec.argv.end(), {"--json", "--stats", p.stats.string()});
  spec.env = sink_through_environment(spec.argv);
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

bool Run::produce_backlog(const Scenario& s, const std::string& topic, double span, ScenarioResult& r,
                          const std::vector<std::string>& extra) {
  progress_->phase(fmt::format("producing a backlog of {} {}", s.count, s.payload));
  std::vector<std::string> args = {"-t", topic, "--source", source_of(s), "--count", std::to_string(s.count)};
  args.insert(args.end(), extra.begin(), extra.end());
  StreamlabProcess producer = start("produce", "producer", args);
  const json ps = wait_producer(producer, static_cast<double>(s.count), 0, span);
  r.produced = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
  r.produced_points = producer.points();
  r.rates["produce_msgs_per_s"] = num(ps, "msgs_per_s");
  if (r.produced == s.count) return true;
  r.failed = true;
  r.problems.push_back(fmt::format("producer acknowledged {} of {}: {}", r.produced, s.count, producer.stderr_tail()));
  return false;
}

std::vector<std::string> Run::until_end_args(const std::string& topic, const std::string& group,
                                             const std::string& sink, const std::string& table) const {
  return {"-t",      topic,         "-g",     group,          "--from",  "beginning",
          "--quiet", "--until-end", "--sink", sink_uri(sink), "--table", table};
}

MemberEnd Run::end_member(StreamlabProcess& m) {
  if (!m.child->poll()) m.child->stop();
  monitor_.unwatch(m.name);
  const auto last = last_point(m.stats);
  return {.exit_code = *m.child->poll(),
          .consumed = last ? last->count : 0,
          .stored = last && last->stored ? *last->stored : 0};
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
    if (target > 0)
      progress_->update(from_fraction + span * std::min(1.0, static_cast<double>(n) / static_cast<double>(target)));
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
      for (const auto& p : t.partitions)
        n += p.high > p.low && p.low >= 0 ? static_cast<std::uint64_t>(p.high - p.low) : 0;
    }
  } catch (const core::RuntimeFailure&) {
  }
  return n;
}

// The group join of a fresh consumer takes a moment: a message sent before it has its
// partitions would count the join into its latency. So the consumer first reads one message
// of a warm-up topic (subscribed together with the measured one, so both are assigned in the
// same rebalance); the measured producer starts after that (with a sink, once it is stored). Its summary counts each
// topic on its own (measured_count), so the warm-up is never guessed out of the total.
StreamlabProcess Run::start_live_consumer(const std::string& id, const std::string& topic,
                                          std::vector<std::string> extra, ScenarioResult& r) {
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
  // With a sink, the warm-up message must be stored too: the sink's first write (a table
  // created, a schema registered, a first connection's caches) is then outside the measurement.
  const bool sink = std::find(extra.begin(), extra.end(), "--sink") != extra.end();
  const auto warmed = [&] { return consumer.count() >= 1 && (!sink || consumer.stored() >= 1); };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!warmed() && !consumer.child->poll() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  if (consumer.count() < 1) {
    r.failed = true;
    r.problems.push_back(fmt::format("warm-up: the consumer read nothing of {} ({} holds {}) in 60 s: {}", warm, warm,
                                     messages_in(warm), consumer.stderr_tail()));
  } else if (!warmed()) {
    r.failed = true;
    r.problems.push_back(
        fmt::format("warm-up: the consumer stored nothing of {} in 60 s: {}", warm, consumer.stderr_tail()));
  }
  return consumer;
}

void Run::run_scenario(const Scenario& s, ScenarioResult& r) {
  switch (s.kind) {
    case Kind::Live: return scenario_live(s, r);
    case Kind::Latency: return s.sink.empty() ? scenario_live(s, r) : scenario_sink_latency(s, r);
    case Kind::Backlog:
    case Kind::Sink: return scenario_backlog(s, r);
    case Kind::Rest: return scenario_rest(s, r);
    case Kind::Max: return scenario_max(s, r);
    case Kind::Fault: return scenario_fault(s, r);
    case Kind::Scale: return scenario_scale(s, r);
    case Kind::Wan: return scenario_wan(s, r);
  }
}

std::string Run::sink_uri(const std::string& sink) const {
  if (sink == "postgres") return route_.postgres;
  if (sink == "redis") return route_.redis;
  if (sink == "ignite") return route_.ignite;
  return "";
}

void Run::settle_redis_before(const std::string& before, ScenarioResult& r) {
  progress_->phase("emptying Redis of the run's keys and rewriting its append-only file");
  redis_keys_ = true;
  const std::string e = settle_redis(c_.services.redis, prefix_ + "*");
  const std::string note =
      e.empty() ? "Redis was emptied of the run's keys and its append-only file rewritten before " + before
                : fmt::format("Redis was not settled before {}: {}", before, e);
  if (std::find(r.notes.begin(), r.notes.end(), note) == r.notes.end()) r.notes.push_back(note);
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

void Run::release_stores() {
  if (c_.keep) return;
  if (!pg_tables_.empty()) {
    if (auto e = drop_postgres(c_.services.postgres, pg_tables_, prefix_); !e.empty())
      progress_->note("warning: PostgreSQL clean-up: " + e);
    pg_tables_.clear();
  }
  // Every key prefix of the run starts with prefix_: one scan of the keyspace for all of them.
  if (redis_keys_) {
    if (auto e = delete_redis_keys(c_.services.redis, prefix_ + "*"); !e.empty())
      progress_->note("warning: Redis clean-up: " + e);
    redis_keys_ = false;
  }
  if (!ignite_tables_.empty()) {
    if (auto e = drop_ignite(c_.services.ignite, ignite_tables_); !e.empty())
      progress_->note("warning: Ignite clean-up: " + e);
    ignite_tables_.clear();
  }
}

void Run::release_all() {
  if (c_.keep) return;
  for (const auto& t : topics_) {
    try {
      admin_->delete_topic(t);
    } catch (const std::exception& e) {
      progress_->note(fmt::format("warning: could not delete topic {}: {}", t, e.what()));
    }
  }
  topics_.clear();
  release_stores();
}

void Run::cleanup() {
  if (c_.keep) {
    progress_->note(fmt::format("kept (--keep): topics, tables and keys named {}*", prefix_));
    return;
  }
  progress_->phase("cleaning up");
  release_all();
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
  if (const char* lib = std::getenv("STREAMLAB_KAFKA_LIB"); lib && *lib && host::pid_listening_on(kafka_port) != 0) {
    const fs::path data = fs::path(lib).parent_path() / "data";
    if (fs::is_directory(data)) monitor_.watch_disk("kafka-log", data);
  }
  monitor_.start();
  if (!c_.services.broker_metrics.empty()) {
    brokers_ = std::make_unique<BrokerSampler>(c_.services.broker_metrics, epoch_);
    brokers_->start();
  }

  json scenarios = json::array();
  for (std::size_t i = 0; i < c_.scenarios.size(); ++i) {
    const Scenario& s = c_.scenarios[i];
    if (core::shutdown_requested()) break;
    progress_->begin(i, s.id);
    ScenarioResult r;
    const double start_s = now_s();
    if (brokers_) brokers_->sample_now();  // inside the window: the scenario's rates start here
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
    if (brokers_) brokers_->sample_now();
    const json sj = scenario_json(s, r, start_s, now_s());
    progress_->phase("removing the scenario's topics, tables and keys");
    release_all();
    progress_->note(fmt::format("[{}/{}] {}: {}; produced {}, consumed {}{}{}", i + 1, c_.scenarios.size(), s.id,
                                sj["ok"].get<bool>() ? (r.skipped ? "skipped" : "ok") : "FAILED", r.produced,
                                r.consumed, r.stored ? fmt::format(", stored {}", *r.stored) : "",
                                sj["problems"].empty() ? "" : "; " + sj["problems"][0].get<std::string>()));
    scenarios.push_back(sj);
  }
  monitor_.stop();
  if (brokers_) brokers_->stop();
  cleanup();
  progress_->finish();

  json doc = document(scenarios, started);
  if (!c_.keep && all_ok(doc)) {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  return doc;
}

bool all_ok(const json& report) {
  for (const auto& s : report["scenarios"]) {
    if (!s.value("ok", false)) return false;
  }
  return true;
}

json run_bench(const RunConfig& config) {
  Run run(config);
  json doc = run.run();
  write_report(doc, config.out_dir, core::web_dist());
  return doc;
}

}  // namespace streamlab::bench
