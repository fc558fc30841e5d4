#include "commands/consume.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>

#include "commands/broker_choice.hpp"
#include "commands/end_of_topics.hpp"
#include "sinks/console_format.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/latency_histogram.hpp"
#include "core/shutdown.hpp"
#include "core/stats_file.hpp"
#include "core/status_line.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "sinks/sink_factory.hpp"
#include "sinks/sink_runner.hpp"
#include "web/dashboard_server.hpp"

namespace streamlab::commands {
namespace {

using std::chrono::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kBatch = 1000;

kafka::StartFrom parse_from(const std::string& from) {
  if (from == "beginning") return kafka::StartFrom::Beginning;
  if (from == "end") return kafka::StartFrom::End;
  if (from == "stored") return kafka::StartFrom::Stored;
  throw core::UsageError(fmt::format("--from expects beginning, end or stored, got '{}'", from));
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// [[upper bound ms, count], …] of the non-empty buckets.
nlohmann::json histogram_ms(const core::LatencyHistogram& h) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [upper_us, n] : h.buckets()) out.push_back({static_cast<double>(upper_us) / 1000.0, n});
  return out;
}

// "t [0,2], u [1]" (or "nothing"): a member's partitions after a rebalance, as kcat prints them.
std::string describe_assignment(const std::map<kafka::TopicPartition, kafka::ReadProgress>& parts) {
  std::map<std::string, std::vector<std::int32_t>> by_topic;
  for (const auto& [tp, progress] : parts) by_topic[tp.topic].push_back(tp.partition);
  std::vector<std::string> out;
  for (const auto& [topic, ids] : by_topic) out.push_back(fmt::format("{} [{}]", topic, fmt::join(ids, ",")));
  return out.empty() ? "nothing" : fmt::format("{}", fmt::join(out, ", "));
}

}  // namespace

int run_consume(const ConsumeOptions& o) {
  const kafka::StartFrom from = parse_from(o.from);
  if (!o.show.empty() && o.show != "text" && o.show != "json" && o.show != "raw") {
    throw core::UsageError(fmt::format("--show expects text, json or raw, got '{}'", o.show));
  }
  if (o.quiet && !o.show.empty()) throw core::UsageError("--quiet and --show exclude each other");
  if (o.sink.empty() && (!o.table.empty() || !o.dlq_topic.empty() || o.raw != "none")) {
    throw core::UsageError("--table, --raw and --dlq-topic go with --sink");
  }
  if (o.batch_rows == 0) throw core::UsageError("--batch-rows must be at least 1");
  BrokerChoice brokers = choose_brokers(o.brokers, o.properties);
  std::unique_ptr<sinks::Sink> sink = o.sink.empty() ? nullptr : sinks::make_sink({o.sink, o.table, o.raw});
  std::unique_ptr<kafka::Producer> dlq;
  if (!o.dlq_topic.empty()) dlq = std::make_unique<kafka::Producer>(brokers.client, o.dlq_topic);
  std::unique_ptr<sinks::SinkRunner> runner;
  if (sink) {
    runner = std::make_unique<sinks::SinkRunner>(
        *sink,
        sinks::SinkRunnerOptions{.group = o.group,
                                 .batch_rows = o.batch_rows,
                                 .batch_time = milliseconds(static_cast<std::int64_t>(o.batch_ms))},
        dlq.get());
  }
  if (sink) {
    // Fail fast on a wrong URI, password or permission; an outage is waited out later.
    try {
      sink->stored_offsets(o.group, {});
    } catch (const sinks::RetryableError& e) {
      fmt::print(stderr, "sink: {} unavailable for now ({}); will retry\n", sink->describe(), e.what());
    } catch (const sinks::FatalError& e) {
      throw core::RuntimeFailure(e.what());
    }
  }
  kafka::Consumer consumer(brokers.client,
                           {.group = o.group, .topics = o.topics, .from = from, .instance_id = o.instance_id},
                           runner.get());
  if (runner) runner->attach(consumer);
  // Declared after the consumer, so it stops before the consumer's handle goes.
  std::unique_ptr<web::DashboardServer> dashboard;
  if (!o.web.empty()) {
    dashboard = std::make_unique<web::DashboardServer>(
        web::DashboardOptions{.address = o.web,
                              .info = {.topics = o.topics, .group = o.group, .sink = sink ? sink->describe() : ""},
                              .brokers = brokers.embedded ? "" : brokers.client.brokers,
                              .start_from_end = from == kafka::StartFrom::End},
        consumer.handle());
    fmt::print(stderr, "dashboard: {}\n", dashboard->url());
  }

  const bool stdout_tty = isatty(STDOUT_FILENO) == 1;
  core::StatusLine status(/*in_place=*/o.show.empty() || !stdout_tty);
  sinks::ConsoleFormat view(o.show == "json"  ? sinks::ConsoleFormat::Style::Json
                            : o.show == "raw" ? sinks::ConsoleFormat::Style::Raw
                                              : sinks::ConsoleFormat::Style::Text);
  core::SteadyClock clock;
  core::StatsFile stats(o.stats);
  core::LatencyHistogram latency;
  std::vector<kafka::Message> batch;
  std::string out;
  std::uint64_t consumed = 0, bytes = 0, errors = 0;
  std::uint64_t last_count = 0, last_bytes = 0;
  const auto stats_line = [&] {
    nlohmann::json j = {{"count", consumed}, {"bytes", bytes}};
    if (runner) j["stored"] = runner->stats().rows + runner->stats().dead_letters;
    return j;
  };
  const auto start = clock.now();
  auto last_tick = start, last_message = start, first_message = start, caught_up_since = start,
       assigned_since = start;
  bool idle_timeout = false, reached_end = false, ever_assigned = false;
  std::uint64_t seen_assignments = 0;
  std::optional<EndOfTopics> end_of_topics;
  if (o.until_end) end_of_topics.emplace(o.topics, o.group, consumer, sink.get(), runner.get());
  // Nothing left to read: every assigned partition at its end, everything read stored.
  const auto caught_up = [&] {
    const auto& parts = consumer.progress();
    return !parts.empty() && (!runner || runner->settled()) &&
           std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p.second.at_end; });
  };

  while (!core::shutdown_requested()) {
    if (o.count != 0 && consumed >= o.count) break;
    const std::size_t want = o.count != 0 ? std::min<std::uint64_t>(kBatch, o.count - consumed) : kBatch;
    batch.clear();
    consumer.poll(batch, want, milliseconds(100));
    const auto now = clock.now();
    const std::int64_t now_us = wall_us();
    for (const auto& m : batch) {
      if (!m.error.empty()) {
        ++errors;
        status.finish();
        fmt::print(stderr, "warning: {}\n", m.error);
        continue;
      }
      if (consumed == 0) first_message = now;
      ++consumed;
      bytes += m.payload.size();
      if (m.timestamp_ms > 0) latency.record(now_us - m.timestamp_ms * 1000);
      if (!o.show.empty()) view.append(m, out);
    }
    if (dashboard) {
      dashboard->state().record(batch);  // before the runner takes the messages
      if (runner) dashboard->state().record_sink(runner->stats());
    }
    if (!batch.empty()) last_message = now;
    if (runner) {
      runner->add(batch);  // takes them all
      runner->tick();
    }
    if (consumer.assignments() != seen_assignments) {
      seen_assignments = consumer.assignments();
      status.finish();
      fmt::print(stderr, "assigned: {}\n", describe_assignment(consumer.progress()));
    }
    if (!consumer.progress().empty()) {
      ever_assigned = true;
      assigned_since = now;  // while nothing is assigned, this says since when
    }
    // The idle clock runs only while nothing is left to read: waiting for the group, for the
    // sink, or for a batch to be written is not idleness.
    if (!caught_up()) caught_up_since = clock.now();
    if (!out.empty()) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
      out.clear();
    }
    if (stats.due()) stats.write(stats_line());
    if (now - last_tick >= seconds(1)) {
      const double dt = duration<double>(now - last_tick).count();
      const std::string waiting =
          consumer.progress().empty()
              ? fmt::format("  waiting for partitions, {:.0f} s", duration<double>(now - assigned_since).count())
              : "";
      status.show(fmt::format("consumed {}  {} msgs/s  {:.1f} MB/s  e2e p50 {:.1f} ms{}", consumed,
                              core::human_count(static_cast<double>(consumed - last_count) / dt),
                              static_cast<double>(bytes - last_bytes) / dt / 1e6,
                              static_cast<double>(latency.quantile(0.5)) / 1000.0, waiting));
      last_tick = now;
      last_count = consumed;
      last_bytes = bytes;
    }
    if (o.idle_exit_s > 0 && duration<double>(clock.now() - caught_up_since).count() >= o.idle_exit_s) {
      idle_timeout = true;
      break;
    }
    if (end_of_topics && end_of_topics->reached()) {
      reached_end = true;
      break;
    }
    if (!ever_assigned && o.assign_timeout_s > 0 && duration<double>(now - start).count() >= o.assign_timeout_s) {
      status.finish();
      fmt::print(stderr,
                 "error: no partition of {} was assigned to this member of group '{}' within {:.0f} s (--assign-timeout): "
                 "the topic may not exist, the group may have as many members as partitions, or be waiting for "
                 "members that died to time out\n",
                 fmt::join(o.topics, ","), o.group, o.assign_timeout_s);
      return 1;
    }
  }
  // The open batch is written whole, or (sink down at shutdown) not at all.
  if (runner) runner->flush();
  if (dashboard) dashboard->stop();
  consumer.close();
  if (dlq) dlq->flush(milliseconds(10000));
  status.finish();
  stats.write(stats_line());

  // The rate is over the time messages were arriving, so idle waiting does not dilute it.
  const double active_s = consumed > 1 ? duration<double>(last_message - first_message).count() : 0;
  const double rate = active_s > 0 ? static_cast<double>(consumed) / active_s : 0;
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  const auto& kinds = view.kind_counts();
  if (o.json) {
    nlohmann::json j = {
        {"command", "consume"},
        {"topics", o.topics},
        {"group", o.group},
        {"consumed", consumed},
        {"bytes", bytes},
        {"errors", errors},
        {"active_seconds", active_s},
        {"msgs_per_s", rate},
        {"mb_per_s", active_s > 0 ? static_cast<double>(bytes) / active_s / 1e6 : 0},
        {"latency_ms",
         {{"p50", ms(latency.quantile(0.5))},
          {"p90", ms(latency.quantile(0.9))},
          {"p99", ms(latency.quantile(0.99))},
          {"max", ms(latency.max())},
          {"histogram", histogram_ms(latency)}}},
        {"idle_exit", idle_timeout},
        {"reached_end", reached_end},
    };
    if (!kinds.empty()) j["kinds"] = kinds;
    if (runner) {
      const sinks::SinkStats& st = runner->stats();
      j["sink"] = {{"sink", sink->describe()},
                   {"rows", st.rows},
                   {"dead_letters", st.dead_letters},
                   {"batches", st.batches},
                   {"retries", st.retries},
                   {"skipped_rows", st.skipped_rows},
                   {"fences", st.fences},
                   {"commit_ms", {{"p50", ms(st.commit_us.quantile(0.5))}, {"p99", ms(st.commit_us.quantile(0.99))}}},
                   {"stored_latency_ms",
                    {{"p50", ms(st.end_to_end_us.quantile(0.5))},
                     {"p99", ms(st.end_to_end_us.quantile(0.99))},
                     {"max", ms(st.end_to_end_us.max())}}}};
    }
    // With --show stdout carries the messages, so the summary goes to stderr.
    std::fprintf(o.show.empty() ? stdout : stderr, "%s\n", j.dump().c_str());
  }
  if (!o.quiet) {
    fmt::print(stderr, "consumed {} messages ({:.1f} MB) at {} msgs/s; e2e latency p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
               consumed, static_cast<double>(bytes) / 1e6, core::human_count(rate), ms(latency.quantile(0.5)),
               ms(latency.quantile(0.99)), ms(latency.max()));
    if (runner) {
      const sinks::SinkStats& st = runner->stats();
      fmt::print(stderr,
                 "stored {} rows and {} dead letters in {} batches into {}; batch commit p50 {:.1f} ms; "
                 "produce-to-stored p50 {:.1f} ms, p99 {:.1f} ms\n",
                 st.rows, st.dead_letters, st.batches, sink->describe(), ms(st.commit_us.quantile(0.5)),
                 ms(st.end_to_end_us.quantile(0.5)), ms(st.end_to_end_us.quantile(0.99)));
    }
    if (view.malformed() > 0) {
      fmt::print(stderr, "{} malformed message(s); first: {}\n", view.malformed(), view.first_malformed());
    }
  }
  if (o.count != 0 && consumed < o.count) {
    fmt::print(stderr, "error: consumed {} of the {} messages asked for\n", consumed, o.count);
    return 1;
  }
  return 0;
}

}  // namespace streamlab::commands
