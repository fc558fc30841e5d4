// Backlog and sink scenarios: a backlog produced first, then consumed (into a sink).
#include <fmt/format.h>

#include "bench/run.hpp"
#include "bench/service_clients.hpp"

namespace streamlab::bench {

using json = nlohmann::json;
using namespace std::chrono_literals;

void Run::scenario_backlog(const Scenario& s, ScenarioResult& r) {
  const bool sink = !s.sink.empty();
  const std::string topic = topic_for(s.id);
  produce_backlog(s, topic, 0.3, r);  // a short backlog is consumed all the same, and reported
  std::vector<std::string> cargs = {"-t", topic, "-g", prefix_ + s.id, "--from", "beginning", "--quiet"};
  const std::string table = table_for(s.id);
  if (sink) cargs.insert(cargs.end(), {"--sink", sink_uri(s.sink), "--table", store_for(s.sink, s.id)});
  if (s.sink == "redis") settle_redis_before("the drain, as before redis-cli's replay: the same start for both", r);
  progress_->phase(sink ? fmt::format("consuming into {}", s.sink) : "consuming the backlog");
  StreamlabProcess consumer = start("consume", "consumer", cargs);
  const json cs = finish_consumer(consumer, topic, r.produced, 0.3, 0.7, r);
  r.consumed = cs.is_object() ? cs.value("consumed", std::uint64_t{0}) : 0;
  r.consumed_points = consumer.points();
  r.rates["consume_msgs_per_s"] = num(cs, "msgs_per_s");
  r.latency = nullptr;  // a backlog's latency is its age, not the pipeline's
  if (sink && cs.is_object() && cs.contains("sink")) {
    const json& k = cs["sink"];
    r.stored = k.value("rows", std::uint64_t{0}) + k.value("dead_letters", std::uint64_t{0});
    r.rates["store_rows_per_s"] = store_rate(cs);
    // The drain max-<sink> starts from (not a rerun of the procedure across the WAN link).
    if (s.id == "sink-" + s.sink + "-counters") counter_drains_[s.sink] = store_rate(cs);
    // Where the drain's time went: the share of it the batches' writes took (on the writer
    // thread, beside the polling, parsing and building of the next batch).
    const double drain_s = drain_seconds(cs), write_s = num(k.value("commit_ms", json::object()), "total") / 1000.0;
    if (drain_s > 0) {
      r.extra["time_split"] = {{"drain_s", drain_s},
                               {"write_s", write_s},
                               {"write_share", write_s / drain_s},
                               {"batches", k.value("batches", std::uint64_t{0})}};
      r.notes.push_back(fmt::format("the batches' writes took {:.0f}% of the drain ({:.2f} s of {:.2f} s, {} batches)",
                                    100.0 * write_s / drain_s, write_s, drain_s, k.value("batches", 0)));
    }
    if (k.value("retries", 0) > 0)
      r.notes.push_back(
          fmt::format("the sink retried {} time(s): the store was unavailable for a while", k.value("retries", 0)));
    if (k.value("dead_letters", 0) > 0)
      r.problems.push_back(fmt::format("{} dead letters", k.value("dead_letters", 0)));
    if (s.sink == "postgres") {
      const auto n = postgres_count(c_.services.postgres, table);
      if (!n || *n != r.produced) {
        r.failed = true;
        r.problems.push_back(
            fmt::format("psql count(*) of {} = {}, expected {}", table, n ? std::to_string(*n) : "?", r.produced));
      } else {
        r.notes.push_back(fmt::format("psql count(*) = {} rows, as produced", *n));
      }
    }
  } else if (sink) {
    r.stored = 0;
  }
  if (c_.baselines) {
    if (s.kafka_baselines) kafka_baselines(s, topic, r);
    if (sink && s.baseline_sample > 0) sink_baselines(s, topic, table, r);
  }
}

}  // namespace streamlab::bench
