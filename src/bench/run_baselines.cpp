// The baselines beside a scenario: kcat and Kafka's perf tools on the same payloads, the stores'
// raw limits and the lab-style consumers on the same topic (bench/baselines.hpp runs the tools).
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
  const double sp = r.rates.value("produce_msgs_per_s", 0.0), sc = r.rates.value("consume_msgs_per_s", 0.0);
  const bool together = s.kind == Kind::Live;  // the producer and the consumer ran at once
  auto add = [&](BaselineResult b, double streamlab) {
    b.streamlab = streamlab;
    if (together)
      b.note += (b.note.empty() ? "" : "; ") + std::string("streamlab's producer and consumer ran together");
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
  }
  progress_->phase("baseline lab-style " + s.sink);
  const std::string lab_table = table + "_lab";
  if (s.sink == "postgres") pg_tables_.push_back(lab_table);
  if (s.sink == "redis") redis_prefixes_.push_back(prefix_ + s.id + "-lab");
  add(lab_style(ctx, s.sink, topic, prefix_ + s.id + "-lab", s.sink == "redis" ? prefix_ + s.id + "-lab" : lab_table,
                std::min(s.baseline_sample, r.produced)));
}

}  // namespace streamlab::bench
