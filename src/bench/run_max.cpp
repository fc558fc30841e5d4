// The services at rest, and the rate ladders (the highest rate a pipeline sustains).
#include <thread>

#include <fmt/format.h>

#include "bench/rate_ladder.hpp"
#include "bench/run.hpp"
#include "core/clock.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

using json = nlohmann::json;
using namespace std::chrono_literals;

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
  if (!s.sink.empty()) extra = {"--sink", sink_uri(s.sink), "--table", store_for(s.sink, s.id)};
  progress_->phase("starting the live consumer");
  StreamlabProcess consumer = start_live_consumer(s.id, topic, extra, r);
  std::vector<LadderStep> steps;
  json ladder = json::array();
  const double step_span = 0.9 / static_cast<double>(s.ladder.size());
  for (std::size_t i = 0; i < s.ladder.size() && !core::shutdown_requested(); ++i) {
    const double rate = s.ladder[i];
    progress_->phase(fmt::format("step {}/{}: {:.0f} msgs/s for {:.0f} s", i + 1, s.ladder.size(), rate, s.step_s));
    StreamlabProcess producer = start("produce", "producer",
                                      {"-t", topic, "--source", "counter", "--rate", fmt::format("{}", rate),
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
    ladder.push_back(
        {{"offered", rate}, {"achieved", step.achieved}, {"lag_at_end", step.lag_at_end}, {"sustained", ok}});
    progress_->note(fmt::format("  {}: {:.0f} msgs/s offered, {:.0f} achieved, lag {} at the end: {}", s.id, rate,
                                step.achieved, step.lag_at_end, ok ? "sustained" : "not sustained"));
    if (!ok) break;
    // Each step starts from an empty queue.
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline && consumer.count() < r.produced + 1)
      std::this_thread::sleep_for(100ms);
  }
  progress_->phase("draining the consumer");
  const json cs = finish_consumer(consumer, topic, r.produced + 1, 0.9, 0.1, r);
  std::uint64_t warm = 0;
  r.consumed = measured_count(cs, topic, warm);
  r.consumed_points = consumer.points();
  drop_warm_up(r.consumed_points, warm);
  if (!s.sink.empty() && cs.is_object() && cs.contains("sink")) {
    const std::uint64_t st =
        cs["sink"].value("rows", std::uint64_t{0}) + cs["sink"].value("dead_letters", std::uint64_t{0});
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

}  // namespace streamlab::bench
