// Live and latency scenarios: a live consumer (warmed up first), then a producer beside it.
#include <thread>

#include <fmt/format.h>

#include "bench/run.hpp"
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
  if (s.kind == Kind::Latency) {
    const double achieved = num(ps, "msgs_per_s");
    if (achieved < 0.9 * s.rate) {
      r.problems.push_back(
          fmt::format("offered {:.0f} msgs/s, the producer achieved {:.0f} msgs/s on this machine", s.rate, achieved));
    }
  }
  if (c_.baselines && s.kafka_baselines) kafka_baselines(s, topic, r);
}

}  // namespace streamlab::bench
