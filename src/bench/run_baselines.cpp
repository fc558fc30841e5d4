// The baselines beside a scenario: kcat and Kafka's perf tools on the same payloads, the stores'
// raw limits (psql \copy, redis-benchmark and redis-cli --pipe, Ignite's Java thin client and
// data streamer) and the lab-style consumers on the same topic (bench/baselines.hpp runs the tools).
#include <csignal>

#include <fmt/format.h>

#include "bench/run.hpp"

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
  double sp = r.rates.value("produce_msgs_per_s", 0.0), sc = r.rates.value("consume_msgs_per_s", 0.0);
  // A live scenario ran streamlab's producer and consumer at once, sharing the cores, while each
  // tool below runs alone: streamlab is then timed alone as well, and that is what they are
  // compared with (the scenario's own rates stay the together ones).
  const bool together = s.kind == Kind::Live;
  if (together) {
    const auto alone = streamlab_alone(s, n);
    r.rates["produce_alone_msgs_per_s"] = sp = alone.first;
    r.rates["consume_alone_msgs_per_s"] = sc = alone.second;
  }
  auto add = [&](BaselineResult b, double streamlab) {
    b.streamlab = streamlab;
    if (together) b.note += (b.note.empty() ? "" : "; ") + std::string("streamlab timed alone too");
    progress_->note(fmt::format("  baseline {} {}: {}", b.tool, b.measure,
                                b.value ? fmt::format("{:.0f} msgs/s", *b.value) : b.note));
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

// streamlab's producer of the scenario's payloads into a fresh topic with nothing else running,
// then a consumer of that topic from the beginning to its end (as the live one: --quiet): their
// rates, as each Kafka tool is timed.
std::pair<double, double> Run::streamlab_alone(const Scenario& s, std::uint64_t n) {
  const std::string topic = topic_for(s.id + "-alone");
  progress_->phase("streamlab's producer alone");
  std::vector<std::string> pargs = {"-t", topic, "--count", std::to_string(n), "--source"};
  if (s.payload == "tweets") {
    pargs.insert(pargs.end(), {"tweets", "--loop"});
  } else {
    pargs.push_back("counter");
  }
  StreamlabProcess producer = start("produce", "producer", pargs);
  const json ps = wait_producer(producer, 0, 0, 0);
  progress_->phase("streamlab's consumer alone");
  StreamlabProcess consumer =
      start("consume", "consumer",
            {"-t", topic, "-g", prefix_ + s.id + "-alone", "--from", "beginning", "--until-end", "--quiet"});
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
// the transactions it applied (?record=FILE), the prefix is emptied, and redis-cli --pipe
// replays the file.
BaselineResult Run::redis_replay(const Scenario& s, const std::string& topic, std::uint64_t rows) {
  const std::string prefix = prefix_ + s.id + "-replay";
  const fs::path file = work_ / (prefix + ".resp");
  redis_keys_ = true;
  BaselineResult b{.tool = "redis-cli --pipe", .measure = "store"};
  const auto cs = drain_again(s, topic, "record",
                              {"--sink", sink_uri("redis") + "?record=" + file.string(), "--table", prefix}, b.note);
  if (cs) {
    // Redis as the drain found it: the run's keys gone (the recorded ones too), the AOF rewritten.
    if (const std::string e = settle_redis(c_.services.redis, prefix_ + "*"); !e.empty()) {
      b.note = "could not empty the run's keys: " + e;
    } else {
      b = redis_pipe(baseline_context(), file, rows);
    }
  }
  std::error_code ec;
  fs::remove(file, ec);
  return b;
}

void Run::sink_baselines(const Scenario& s, const std::string& topic, const std::string& table, ScenarioResult& r) {
  const BaselineContext ctx = baseline_context();
  const double streamlab = r.rates.value("store_rows_per_s", 0.0);
  auto add = [&](BaselineResult b) {
    b.streamlab = streamlab;
    progress_->note(
        fmt::format("  baseline {}: {}", b.tool, b.value ? fmt::format("{:.0f} rows/s", *b.value) : b.note));
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
    progress_->phase("baseline redis-cli --pipe");
    add(redis_replay(s, topic, r.produced));
  }
  if (s.sink == "ignite") {
    // Ignite's own Java clients on the rows streamlab stored, into tables of their own (the
    // program drops them; the run's clean-up too, should it die).
    progress_->phase("baseline Ignite's Java thin client and data streamer");
    const std::string put = table + "_java", stream = table + "_stream";
    ignite_tables_.push_back(put);
    ignite_tables_.push_back(stream);
    for (BaselineResult& b : ignite_java(ctx, table, put, stream, r.produced)) add(std::move(b));
  }
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
