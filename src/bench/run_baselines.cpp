// The baselines beside a scenario: kcat and Kafka's perf tools on the same payloads, the stores'
// raw limits (psql \copy, redis-benchmark and redis-cli --pipe, Ignite's Java thin client and
// data streamer) and the lab-style consumers on the same topic (bench/baselines.hpp runs the tools).
#include <csignal>

#include <fmt/format.h>

#include "bench/run.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

BaselineContext Run::baseline_context() {
  return {c_.services, work_, root_,
          [this](const std::string& name, pid_t pid) { monitor_.watch_pid(name, "baseline", pid); },
          [this](const std::string& name) { monitor_.unwatch(name); }};
}

void Run::kafka_baselines(const Scenario& s, const std::string& topic, ScenarioResult& r) {
  // The same payloads as streamlab sent, one a line.
  const std::uint64_t n = r.produced;
  if (n == 0) return;
  const fs::path file = work_ / (s.id + ".payloads");
  progress_->phase("baseline: writing the payload file");
  {
    StreamlabProcess dump = start("consume", "consumer",
                                  {"-t", topic, "-g", prefix_ + s.id + "-dump", "--from", "beginning", "--show=raw",
                                   "--count", std::to_string(n), "--idle-exit", "30"});
    dump.child->wait_for(300s);
    monitor_.unwatch("consumer");
    fs::rename(dump.out, file);
  }
  const BaselineContext ctx = baseline_context();
  // A live scenario ran streamlab's producer and consumer at once, sharing the cores, while each
  // tool below runs alone: streamlab is then timed alone in every round, and that is what they are
  // compared with (the scenario's own rates stay the together ones). A backlog scenario's own
  // produce and consume are its first round.
  const bool together = s.kind == Kind::Live;
  std::vector<double> sp, sc;
  std::vector<BaselineResult> kp, kc;
  for (int i = 0; i < kBaselineRounds && !core::shutdown_requested(); ++i) {
    if (i == 0 && !together) {
      sp.push_back(r.rates.value("produce_msgs_per_s", 0.0));
      sc.push_back(r.rates.value("consume_msgs_per_s", 0.0));
    } else {
      const auto [p, c] = streamlab_alone(s, n, i + 1);
      sp.push_back(p);
      sc.push_back(c);
    }
    progress_->phase(fmt::format("baseline kcat produce, round {} of {}", i + 1, kBaselineRounds));
    const std::string kt = topic_for(fmt::format("{}-kcat-{}", s.id, i + 1));
    kp.push_back(kcat_produce(ctx, kt, file, n));
    progress_->phase(fmt::format("baseline kcat consume, round {} of {}", i + 1, kBaselineRounds));
    kc.push_back(kcat_consume(ctx, kt, n));
  }
  const BaselineResult produce = median_of(kp, sp), consume = median_of(kc, sc);
  if (together) {
    r.rates["produce_alone_msgs_per_s"] = produce.streamlab.value_or(0);
    r.rates["consume_alone_msgs_per_s"] = consume.streamlab.value_or(0);
  }
  auto add = [&](BaselineResult b, std::optional<double> streamlab) {
    b.streamlab = streamlab;
    if (together) b.note += (b.note.empty() ? "" : "; ") + std::string("streamlab timed alone");
    progress_->note(fmt::format("  baseline {} {}: {}", b.tool, b.measure,
                                b.value ? fmt::format("{:.0f} msgs/s", *b.value) : b.note));
    r.baselines.push_back(b);
  };
  add(produce, produce.streamlab);
  add(consume, consume.streamlab);
  // Kafka's perf tools once each (a JVM's start each time), beside streamlab's medians.
  progress_->phase("baseline kafka-producer-perf-test");
  const std::string jt = topic_for(s.id + "-kperf");
  add(kafka_perf_produce(ctx, jt, file, n), produce.streamlab);
  progress_->phase("baseline kafka-consumer-perf-test");
  add(kafka_perf_consume(ctx, jt, prefix_ + s.id + "-kperf", n), consume.streamlab);
  std::error_code ec;
  fs::remove(file, ec);
}

// streamlab's producer of the scenario's payloads into a fresh topic with nothing else running,
// then a consumer of that topic from the beginning to its end (as the live one: --quiet): their
// rates, as each Kafka tool is timed. `round` names the topic and group.
std::pair<double, double> Run::streamlab_alone(const Scenario& s, std::uint64_t n, int round) {
  const std::string id = fmt::format("{}-alone-{}", s.id, round);
  const std::string topic = topic_for(id);
  progress_->phase(fmt::format("streamlab's producer alone, round {} of {}", round, kBaselineRounds));
  std::vector<std::string> pargs = {"-t", topic, "--count", std::to_string(n), "--source", source_of(s)};
  StreamlabProcess producer = start("produce", "producer", pargs);
  const json ps = wait_producer(producer, 0, 0, 0);
  progress_->phase(fmt::format("streamlab's consumer alone, round {} of {}", round, kBaselineRounds));
  StreamlabProcess consumer =
      start("consume", "consumer", {"-t", topic, "-g", prefix_ + id, "--from", "beginning", "--until-end", "--quiet"});
  if (!consumer.child->wait_for(300s)) {
    consumer.child->signal(SIGKILL);
    consumer.child->wait_for(10s);
  }
  monitor_.unwatch("consumer");
  return {num(ps, "msgs_per_s"), num(consumer.summary(), "msgs_per_s")};
}

// The scenario's drain again, as a baseline's child: a fresh group from the beginning to the end
// of the topic, into `sink_args`; its summary, or why there is none.
std::optional<json> Run::drain_again(const Scenario& s, const std::string& topic, const std::string& name,
                                     const std::vector<std::string>& sink_args, std::string& why) {
  std::vector<std::string> args = {"-t",     topic,       "-g",          prefix_ + s.id + "-" + name,
                                   "--from", "beginning", "--until-end", "--quiet"};
  args.insert(args.end(), sink_args.begin(), sink_args.end());
  StreamlabProcess drain = start("consume", "baseline-" + name, args);
  const bool done = drain.child->wait_for(300s).has_value();
  if (!done) {
    drain.child->signal(SIGKILL);
    drain.child->wait_for(10s);
  }
  monitor_.unwatch("baseline-" + name);
  json cs = drain.summary();
  if (done && store_rate(cs) > 0) return cs;
  why = "the " + name + " drain did not finish: " + drain.stderr_tail();
  return std::nullopt;
}

// The same drain with nothing to write: reading and parsing alone, the bound a faster write
// could approach.
BaselineResult Run::null_sink_drain(const Scenario& s, const std::string& topic) {
  BaselineResult b{.tool = "streamlab --sink null", .measure = "store", .unit = "rows/s"};
  if (const auto cs = drain_again(s, topic, "null", {"--sink", "null"}, b.note)) {
    b.value = store_rate(*cs);
    b.note = "the same drain without the write (reading, parsing, batching); the ratio is the share the write leaves";
  }
  return b;
}

// Redis's own bulk loader on streamlab's exact commands: a drain into a fresh prefix records
// the transactions it applied (?record=FILE); each round then empties Redis of the run's keys and
// rewrites its append-only file (as before streamlab's drains) and has redis-cli --pipe replay it.
std::optional<fs::path> Run::record_redis(const Scenario& s, const std::string& topic, std::string& why) {
  const std::string prefix = prefix_ + s.id + "-replay";
  const fs::path file = work_ / (prefix + ".resp");
  redis_keys_ = true;
  if (!drain_again(s, topic, "record", {"--sink", sink_uri("redis") + "?record=" + file.string(), "--table", prefix},
                   why))
    return std::nullopt;
  return file;
}

BaselineResult Run::redis_replay(const std::optional<fs::path>& file, const std::string& unrecorded,
                                 std::uint64_t rows) {
  BaselineResult failed{.tool = "redis-cli --pipe", .measure = "store", .note = unrecorded};
  if (!file) return failed;
  if (const std::string e = settle_redis(c_.services.redis, prefix_ + "*"); !e.empty()) {
    failed.note = "could not empty the run's keys: " + e;
    return failed;
  }
  return redis_pipe(baseline_context(), *file, rows);
}

// streamlab's drain of the scenario's topic into a store of round `round`'s own; its rows/s (0,
// and a note, when it did not finish).
double Run::drain_round(const Scenario& s, const std::string& topic, const std::string& store, int round,
                        ScenarioResult& r) {
  if (s.sink == "redis") settle_redis_before("each drain", r);
  progress_->phase(fmt::format("streamlab's drain into {}, round {} of {}", s.sink, round, kBaselineRounds));
  std::string why;
  const auto cs =
      drain_again(s, topic, fmt::format("drain-{}", round), {"--sink", sink_uri(s.sink), "--table", store}, why);
  if (!cs) r.notes.push_back(fmt::format("round {}: {}", round, why));
  return cs ? store_rate(*cs) : 0;
}

void Run::sink_baselines(const Scenario& s, const std::string& topic, const std::string& table, ScenarioResult& r) {
  const BaselineContext ctx = baseline_context();
  std::string unrecorded;
  const std::optional<fs::path> recorded = s.sink == "redis" ? record_redis(s, topic, unrecorded) : std::nullopt;
  // The store's own loader and streamlab's drain alternate; the scenario's drain is the first
  // round's, and each later round drains into a store of its own that the loader then reads. A
  // round's stores go once it is measured (Ignite's memory holds a few rounds at most).
  std::vector<double> drains;
  std::vector<BaselineResult> loads, streams;  // psql \copy, the replay or putAll; Ignite's streamer
  for (int i = 0; i < kBaselineRounds && !core::shutdown_requested(); ++i) {
    std::string source = table;  // (Redis: the replay's file is the source)
    if (i == 0) {
      drains.push_back(r.rates.value("store_rows_per_s", 0.0));
    } else {
      source = store_for(s.sink, fmt::format("{}-drain-{}", s.id, i + 1));
      drains.push_back(drain_round(s, topic, source, i + 1, r));
    }
    progress_->phase(fmt::format("baseline {}, round {} of {}", s.sink, i + 1, kBaselineRounds));
    if (s.sink == "postgres") {
      const std::string fresh = source + "_copy";
      pg_tables_.push_back(fresh);
      loads.push_back(psql_copy(ctx, source, fresh, r.produced));
    }
    if (s.sink == "redis") loads.push_back(redis_replay(recorded, unrecorded, r.produced));
    if (s.sink == "ignite") {
      // Ignite's own Java clients on the rows streamlab stored, into tables of their own (the
      // program drops them; the run's clean-up too, should it die).
      const std::string put = source + "_java", stream = source + "_stream";
      ignite_tables_.push_back(put);
      ignite_tables_.push_back(stream);
      std::vector<BaselineResult> java = ignite_java(ctx, source, put, stream, r.produced);
      if (!java.empty()) loads.push_back(java[0]);
      if (java.size() > 1) streams.push_back(java[1]);
    }
    release_stores();
  }
  if (recorded) {
    std::error_code ec;
    fs::remove(*recorded, ec);
  }
  const BaselineResult own = median_of(loads, drains);
  // Every baseline beside the median of streamlab's drains.
  auto add = [&](BaselineResult b) {
    b.streamlab = own.streamlab;
    progress_->note(
        fmt::format("  baseline {}: {}", b.tool, b.value ? fmt::format("{:.0f} rows/s", *b.value) : b.note));
    r.baselines.push_back(b);
  };
  add(own);
  if (!streams.empty()) add(median_of(streams, drains));
  if (s.sink == "redis") {
    progress_->phase("baseline redis-benchmark");
    // The average payload, from what the producer sent.
    const std::size_t bytes = r.produced_points.empty() || r.produced == 0
                                  ? 32
                                  : static_cast<std::size_t>(r.produced_points.back().bytes / r.produced);
    add(redis_benchmark(ctx, r.produced, std::max<std::size_t>(bytes, 1)));
  }
  // The drain max-<sink> starts from.
  if (s.id == "sink-" + s.sink + "-counters" && own.streamlab) counter_drains_[s.sink] = *own.streamlab;
  progress_->phase("baseline streamlab --sink null");
  add(null_sink_drain(s, topic));
  progress_->phase("baseline lab-style " + s.sink);
  const std::string lab_table = table + "_lab";
  if (s.sink == "postgres") pg_tables_.push_back(lab_table);
  if (s.sink == "redis") redis_keys_ = true;
  add(lab_style(ctx, s.sink, topic, prefix_ + s.id + "-lab", s.sink == "redis" ? prefix_ + s.id + "-lab" : lab_table,
                std::min(s.baseline_sample, r.produced)));
}

}  // namespace streamlab::bench
