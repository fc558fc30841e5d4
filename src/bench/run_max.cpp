// The services at rest, and the rate ladders (the highest rate a pipeline sustains).
#include <algorithm>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "bench/rate_ladder.hpp"
#include "bench/run.hpp"
#include "core/clock.hpp"
#include "core/shutdown.hpp"
#include "kafka/message.hpp"

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
  // With a drain of counters into this sink measured earlier in the run, the search starts at half
  // its rate and may climb to it: a pipeline that also produces cannot store faster than one that
  // only drains, so the steps are spent near the limit rather than on the way up to it.
  double first = s.ladder_first, top = s.ladder_top;
  const auto drain = s.sink.empty() ? counter_drains_.end() : counter_drains_.find(s.sink);
  const double drain_rate = drain == counter_drains_.end() ? 0 : drain->second;
  if (drain_rate > 0) {
    first = std::max(first, std::round(drain_rate / 2));
    top = std::max(top, std::round(drain_rate));
  }
  RateSearch search(first, top, s.ladder_steps);
  json ladder = json::array();
  json best_summary;  // the consumer's of the highest step that held
  json last_summary;  // of the last step: shown when none held
  double best_offered = 0;
  if (!s.sink.empty()) r.stored = 0;
  // The warm-up and the steps share the progress bar; the warm-up counts as one step.
  const double step_span = 1.0 / static_cast<double>(s.ladder_steps + 1);
  const auto add_to_ladder = [&](const LadderStep& step, bool ok, bool warm_up) {
    json entry = {{"offered", step.offered},
                  {"achieved", step.achieved},
                  {"p99_ms", step.p99_ms},
                  {"complete", step.complete},
                  {"sustained", ok}};
    if (warm_up) entry["warm_up"] = true;
    ladder.push_back(entry);
    progress_->note(
        fmt::format("  {}: {}{:.0f} msgs/s offered, {:.0f} achieved, p99 {} from the intended send times{}: {}", s.id,
                    warm_up ? "warm-up (not counted), " : "", step.offered, step.achieved,
                    step.p99_ms < 0 ? std::string("unknown") : fmt::format("{:.1f} ms", step.p99_ms),
                    step.complete ? "" : ", not all stored", ok ? "held" : "did not hold"));
  };
  // Not counted: right after the services started, first steps failed at rates that held a
  // minute later (the broker at three times its warm CPU: a JIT not yet compiled for this traffic).
  if (const std::optional<double> rate = search.next(); rate && !core::shutdown_requested()) {
    const LadderStep warm = ladder_step(s, s.id + "-warm", *rate, s.warm_up_s, 0, step_span, r).first;
    add_to_ladder(warm, step_sustained(warm), true);
  }
  for (std::size_t i = 0; !core::shutdown_requested(); ++i) {
    const std::optional<double> next = search.next();
    if (!next) break;
    const double rate = *next;
    const auto [step, cs] = ladder_step(s, fmt::format("{}-{}", s.id, i + 1), rate, s.step_s,
                                        step_span * static_cast<double>(i + 1), step_span, r);
    search.record(step);
    last_summary = cs;
    const bool ok = step_sustained(step);
    if (ok && rate > best_offered) {
      best_offered = rate;
      best_summary = cs;
    }
    add_to_ladder(step, ok, false);
  }
  r.rates["sustainable_msgs_per_s"] = search.sustainable();
  if (drain_rate > 0) {
    r.rates["drain_rows_per_s"] = drain_rate;
    r.rates["sustainable_to_drain"] = search.sustainable() / drain_rate;
  }
  const json& shown = best_offered > 0 ? best_summary : last_summary;
  r.latency = latency_of(shown);
  r.intended_latency = intended_latency_of(shown);
  r.extra["ladder"] = ladder;
  r.notes.push_back(fmt::format(
      "rate search: each step paces the producer for {:.0f} s into a fresh live consumer, after a warm-up step of "
      "{:.0f} s at the first rate that is not counted; a step holds when the producer reaches {:.0f}% of the offered "
      "rate, every message is {}, and the p99 from the producer's intended send times to {} (of the messages it "
      "stamped: above {:.0f} msgs/s every k-th, {:.0f} a second) is at most {:.0f} ms; a "
      "rate fails when two steps in a row at it fail (one stall of a shared machine fails a step at any rate). The "
      "rate doubles from {:.0f} msgs/s{} until a rate fails (halves while none has held), then bisects until the "
      "rates that held and failed are within {:.0f}% ({} steps at most); the figure is the achieved rate of the "
      "highest step that held, and the latency shown is that step's (when none held, the last step's)",
      s.step_s, s.warm_up_s, 100 * kLadderMinAchieved, s.sink.empty() ? "received" : "stored",
      s.sink.empty() ? "receipt" : "stored", kafka::kIntendedStampsPerSecond, kafka::kIntendedStampsPerSecond,
      kLadderMaxP99Ms, first,
      drain_rate > 0
          ? fmt::format(" (half the {:.0f} rows/s of this run's sink-{}-counters drain, its top)", drain_rate, s.sink)
          : "",
      100 * (kLadderPrecision - 1), s.ladder_steps));
  if (search.held_top()) r.notes.push_back("the highest rate offered held: the real limit is above it");
  if (search.sustainable() == 0) r.problems.push_back("no step held");
}

std::pair<LadderStep, json> Run::ladder_step(const Scenario& s, const std::string& step_id, double rate, double seconds,
                                             double from, double span, ScenarioResult& r) {
  // A fresh topic and consumer each step: its summary's latency covers this step alone.
  const std::string topic = topic_for(step_id);
  const std::string store = s.sink.empty() ? "" : store_for(s.sink, step_id);
  std::vector<std::string> extra;
  if (s.sink == "redis") settle_redis_before("each step", r);
  if (!s.sink.empty()) extra = {"--sink", sink_uri(s.sink), "--table", store};
  progress_->phase(fmt::format("{}: starting a live consumer", step_id));
  StreamlabProcess consumer = start_live_consumer(step_id, topic, extra, r);
  progress_->phase(fmt::format("{}: {:.0f} msgs/s for {:.0f} s", step_id, rate, seconds));
  StreamlabProcess producer = start("produce", "producer",
                                    {"-t", topic, "--source", "counter", "--rate", fmt::format("{}", rate),
                                     "--duration", fmt::format("{}", seconds)});
  const json ps = wait_producer(producer, rate * seconds, from, span * 0.8);
  const std::uint64_t acked = ps.is_object() ? ps.value("acked", std::uint64_t{0}) : 0;
  append_shifted(r.produced_points, producer.points(), r.produced);
  r.produced += acked;
  // The warm-up message is the consumer's too: it is counted apart (measured_count).
  const json cs = finish_consumer(consumer, topic, acked + 1, from + span * 0.8, span * 0.2, r);
  std::uint64_t warm = 0;
  const std::uint64_t consumed = measured_count(cs, topic, warm);
  r.consumed += consumed;
  LadderStep step{.offered = rate, .achieved = num(ps, "msgs_per_s"), .p99_ms = -1, .complete = consumed >= acked};
  if (cs.is_object()) {
    const json& k = s.sink.empty() ? cs : cs.value("sink", json::object());
    const json l = k.value(s.sink.empty() ? "intended_latency_ms" : "intended_stored_latency_ms", json::object());
    if (l.value("count", 0) > 0) step.p99_ms = num(l, "p99");
    if (!s.sink.empty()) {
      const std::uint64_t stored = k.value("rows", std::uint64_t{0}) + k.value("dead_letters", std::uint64_t{0});
      const std::uint64_t measured = stored - std::min(stored, warm);
      *r.stored += measured;
      step.complete = step.complete && measured >= acked;
    }
  }
  release_all();
  return {step, cs};
}

}  // namespace streamlab::bench
