// Live and latency scenarios: a live consumer (warmed up first), then a producer beside it;
// latency-<sink> the same with a sink consumer, a run per --batch-ms value (three at the first).
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "bench/run.hpp"
#include "bench/stats_series.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

using json = nlohmann::json;
using namespace std::chrono_literals;

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
  progress_->phase(s.rate > 0 ? fmt::format("producing at {:.0f} msgs/s, consuming live", s.rate)
                              : "producing, consuming live");
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
  r.intended_latency = intended_latency_of(cs);
  if (s.kind == Kind::Latency) {
    const double achieved = num(ps, "msgs_per_s");
    if (achieved < 0.9 * s.rate) {
      r.problems.push_back(
          fmt::format("offered {:.0f} msgs/s, the producer achieved {:.0f} msgs/s on this machine", s.rate, achieved));
    }
  }
  if (c_.baselines && s.kafka_baselines) kafka_baselines(s, topic, r);
}

// latency-<sink>: per run a fresh topic and a live sink consumer (warmed up as above) with that
// run's --batch-ms, the producer paced at s.rate beside it. The runs at the first --batch-ms
// (consume's default) are repeats: the scenario's latency is the run with their median
// produce-to-stored p99 from the intended send times, so that one stall of a shared machine in
// one run does not make the figure. Every run is in batch_ms_steps, with the stored latency from
// Kafka's CreateTime, the consumer's receipt latency and the batch commit time beside it.
void Run::scenario_sink_latency(const Scenario& s, ScenarioResult& r) {
  json steps = json::array();
  struct Repeat {
    double intended_p99, achieved;
    json summary;  // the consumer's
  };
  std::vector<Repeat> repeats;  // the runs at the first --batch-ms
  r.stored = 0;
  const double span = 1.0 / static_cast<double>(s.batch_ms.size());
  for (std::size_t i = 0; i < s.batch_ms.size() && !core::shutdown_requested(); ++i) {
    const std::optional<double> given = s.batch_ms[i];
    const std::string batch_ms = given ? fmt::format("{}", *given) : "default";
    const std::string id = given ? fmt::format("{}-{}ms-{}", s.id, batch_ms, i + 1) : fmt::format("{}-{}", s.id, i + 1);
    const std::string topic = topic_for(id);
    const std::string store = store_for(s.sink, id);
    if (s.sink == "redis") settle_redis_before("each run", r);
    progress_->phase(fmt::format("--batch-ms {}: starting the {} consumer", batch_ms, s.sink));
    std::vector<std::string> args = {"--sink", sink_uri(s.sink), "--table", store};
    if (given) args.insert(args.end(), {"--batch-ms", batch_ms});
    StreamlabProcess consumer = start_live_consumer(id, topic, args, r);
    progress_->phase(
        fmt::format("--batch-ms {}: {:.0f} msgs/s for {:.0f} s into {}", batch_ms, s.rate, s.duration_s, s.sink));
    StreamlabProcess producer = start("produce", "producer",
                                      {"-t", topic, "--source", "counter", "--rate", fmt::format("{}", s.rate),
                                       "--duration", fmt::format("{}", s.duration_s)});
    const json ps = wait_producer(producer, s.rate * s.duration_s, span * static_cast<double>(i), 0.9 * span);
    const std::uint64_t acked = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
    if (!ps.is_object() || ps.value("failed", 0) != 0) {
      r.failed = true;
      r.problems.push_back("producer: " + producer.stderr_tail());
    }
    const json cs = finish_consumer(consumer, topic, acked + 1, span * (static_cast<double>(i) + 0.9), 0.1 * span, r);
    std::uint64_t warm = 0;
    const std::uint64_t consumed = measured_count(cs, topic, warm);
    auto cpoints = consumer.points();
    drop_warm_up(cpoints, warm);
    append_shifted(r.produced_points, producer.points(), r.produced);
    append_shifted(r.consumed_points, cpoints, r.consumed);
    r.produced += acked;
    r.consumed += consumed;
    release_all();
    const json k = cs.is_object() && cs.contains("sink") ? cs["sink"] : json::object();
    const std::uint64_t st = k.value("rows", std::uint64_t{0}) + k.value("dead_letters", std::uint64_t{0});
    *r.stored += st - std::min(st, warm);  // the warm-up message is stored too
    const json stored = k.value("stored_latency_ms", json::object()), receipt = cs.value("latency_ms", json::object());
    const double achieved = num(ps, "msgs_per_s");
    const double intended_p99 = num(k.value("intended_stored_latency_ms", json::object()), "p99");
    steps.push_back({{"batch_ms", given ? json(*given) : json(batch_ms)},
                     {"achieved_msgs_per_s", achieved},
                     {"stored_p50_ms", num(stored, "p50")},
                     {"stored_p99_ms", num(stored, "p99")},
                     {"stored_max_ms", num(stored, "max")},
                     {"receipt_p99_ms", num(receipt, "p99")},
                     {"intended_stored_p99_ms", intended_p99},
                     {"commit_p50_ms", num(k.value("commit_ms", json::object()), "p50")},
                     {"batches", k.value("batches", std::uint64_t{0})}});
    progress_->note(
        fmt::format("  {} --batch-ms {}: p99 {:.1f} ms from the intended send times; from CreateTime "
                    "p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms",
                    s.sink, batch_ms, intended_p99, num(stored, "p50"), num(stored, "p99"), num(stored, "max")));
    if (s.batch_ms[i] == s.batch_ms.front() && cs.is_object()) repeats.push_back({intended_p99, achieved, cs});
    if (achieved < 0.9 * s.rate) {
      r.problems.push_back(fmt::format("--batch-ms {}: offered {:.0f} msgs/s, the producer achieved {:.0f} msgs/s",
                                       batch_ms, s.rate, achieved));
    }
    if (k.value("retries", 0) > 0) {
      r.notes.push_back(fmt::format("--batch-ms {}: the sink retried {} time(s); its latency includes the wait",
                                    batch_ms, k.value("retries", 0)));
    }
  }
  r.extra["batch_ms_steps"] = steps;
  if (repeats.empty()) return;
  std::sort(repeats.begin(), repeats.end(),
            [](const auto& a, const auto& b) { return a.intended_p99 < b.intended_p99; });
  const Repeat& m = repeats[(repeats.size() - 1) / 2];
  const json& median = m.summary;
  const json stored = median.value("sink", json::object()).value("stored_latency_ms", json::object());
  r.latency = {{"p50", num(stored, "p50")},
               {"p90", num(stored, "p90")},
               {"p99", num(stored, "p99")},
               {"max", num(stored, "max")},
               {"count", stored.value("count", std::uint64_t{0})}};
  r.intended_latency = intended_latency_of(median);
  r.rates["produce_msgs_per_s"] = m.achieved;
  r.rates["consume_msgs_per_s"] = num(median, "msgs_per_s");
  r.notes.push_back(fmt::format(
      "intended_latency_ms (from the producer's intended send times to the batch's commit) and latency_ms (from "
      "Kafka's CreateTime) are those of the run with the median p99 of the {} at --batch-ms {}",
      repeats.size(), s.batch_ms.front() ? fmt::format("{}", *s.batch_ms.front()) : "consume's default"));
}

}  // namespace streamlab::bench
