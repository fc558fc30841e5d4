#include "commands/consume.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands/broker_choice.hpp"
#include "commands/console_format.hpp"
#include "commands/end_of_topics.hpp"
#include "commands/sink_choice.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/latency_histogram.hpp"
#include "core/secrets.hpp"
#include "core/shutdown.hpp"
#include "core/stats_file.hpp"
#include "core/status_line.hpp"
#include "host/broker_metrics.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
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

// {p50, p90, p99, max, count} in ms; the quantiles are 0 when it has no samples.
nlohmann::json quantiles_ms(const core::LatencyHistogram& h) {
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  return {{"p50", ms(h.quantile(0.5))},
          {"p90", ms(h.quantile(0.9))},
          {"p99", ms(h.quantile(0.99))},
          {"max", ms(h.max())},
          {"count", h.count()}};
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

// What one run holds, in the order it is built; torn down in reverse, so the dashboard stops
// before the consumer's handle goes, and the runner's write in progress ends before it too.
struct Pipeline {
  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline() {
    dashboard.reset();
    if (runner) runner->detach();
  }

  kafka::StartFrom from = kafka::StartFrom::Stored;
  BrokerChoice brokers;
  std::unique_ptr<sinks::Sink> sink;
  std::unique_ptr<kafka::Producer> dlq;
  std::unique_ptr<sinks::SinkRunner> runner;
  std::optional<kafka::Consumer> consumer;
  std::unique_ptr<web::DashboardServer> dashboard;
};

void check_flags(const ConsumeOptions& o) {
  if (!o.show.empty() && o.show != "text" && o.show != "json" && o.show != "raw") {
    throw core::UsageError(fmt::format("--show expects text, json or raw, got '{}'", o.show));
  }
  if (o.quiet && !o.show.empty()) throw core::UsageError("--quiet and --show exclude each other");
  if (o.sink.empty() && (!o.table.empty() || !o.dlq_topic.empty() || o.raw != "none")) {
    throw core::UsageError("--table, --raw and --dlq-topic go with --sink");
  }
  if (o.batch_rows == 0) throw core::UsageError("--batch-rows must be at least 1");
  if (!(o.sink_timeout_s > 0 && o.sink_timeout_s <= 86400)) {
    throw core::UsageError(
        fmt::format("--sink-timeout expects seconds, more than 0 and at most 86400 (a day), got {}", o.sink_timeout_s));
  }
}

// The brokers, the sink with its runner and dead-letter producer, the group member and the
// dashboard.
void set_up(const ConsumeOptions& o, Pipeline& p) {
  p.from = parse_from(o.from);
  check_flags(o);
  p.brokers = choose_brokers(o.brokers, o.properties);
  const auto sink_timeout = std::chrono::ceil<milliseconds>(duration<double>(o.sink_timeout_s));
  p.sink = o.sink.empty() ? nullptr : make_sink({o.sink, o.table, o.raw, sink_timeout});
  if (!o.dlq_topic.empty()) {
    p.dlq = std::make_unique<kafka::Producer>(kafka::for_role(p.brokers.client, RD_KAFKA_PRODUCER), o.dlq_topic);
  }
  if (p.sink) {
    p.runner = std::make_unique<sinks::SinkRunner>(
        *p.sink,
        sinks::SinkRunnerOptions{
            .group = o.group,
            .batch_rows = o.batch_rows,
            .batch_bytes = o.batch_mb ? static_cast<std::size_t>(*o.batch_mb * 1024 * 1024) : p.sink->batch_bytes(),
            .batch_time = milliseconds(static_cast<std::int64_t>(o.batch_ms))},
        p.dlq.get(), nullptr, std::make_unique<sinks::ThreadWriter>());
    // Fail fast on a wrong URI, password or permission; an outage is waited out later.
    try {
      p.sink->stored_offsets(o.group, {});
    } catch (const sinks::RetryableError& e) {
      fmt::print(stderr, "sink: {} unavailable for now ({}); will retry\n", p.sink->describe(), e.what());
    } catch (const sinks::FatalError& e) {
      throw core::RuntimeFailure(e.what());
    }
  }
  kafka::Consumer& consumer = p.consumer.emplace(
      p.brokers.client,
      kafka::GroupOptions{.group = o.group, .topics = o.topics, .from = p.from, .instance_id = o.instance_id},
      p.runner.get());
  if (p.runner) p.runner->attach(consumer);
  if (!o.web.empty()) {
    std::string token = core::from_environment("--web-token", o.web_token);
    if (const char* v = std::getenv("STREAMLAB_WEB_TOKEN"); o.web_token.empty() && v != nullptr) token = v;
    web::check_web_token(token);
    if (!o.web_token.empty() && !o.web_token.starts_with("env:")) {
      fmt::print(stderr,
                 "warning: --web-token on the command line is visible to every local user (/proc/<pid>/cmdline); "
                 "prefer $STREAMLAB_WEB_TOKEN or --web-token env:NAME\n");
    }
    if (token.empty() && !web::is_loopback_host(web::parse_listen_address(o.web).first)) {
      fmt::print(stderr,
                 "warning: --web {} is reachable beyond this machine and has no --web-token: anyone who reaches it "
                 "reads the messages and the metrics\n",
                 o.web);
    }
    p.dashboard = std::make_unique<web::DashboardServer>(
        web::DashboardOptions{.address = o.web,
                              .info = {.topics = o.topics, .group = o.group, .sink = p.sink ? p.sink->describe() : ""},
                              .brokers = p.brokers.embedded ? "" : p.brokers.client.brokers,
                              .start_from_end = p.from == kafka::StartFrom::End,
                              .max_event_streams = o.web_clients,
                              .broker_metrics = host::broker_metrics_urls_from_env(),
                              .token = token},
        consumer.handle());
    fmt::print(stderr, "dashboard: {}{}\n", p.dashboard->url(),
               token.empty() ? "" : " (with its token: open /?token=…, or send Authorization: Bearer …)");
  }
}

// The consume loop: polls, counts, shows, hands the messages to the runner and the dashboard,
// and decides when to stop.
class Loop {
 public:
  Loop(const ConsumeOptions& o, Pipeline& p)
      : o_(o),
        p_(p),
        consumer_(*p.consumer),
        status_(/*in_place=*/o.show.empty() || isatty(STDOUT_FILENO) != 1),
        view_(o.show == "json"  ? ConsoleFormat::Style::Json
              : o.show == "raw" ? ConsoleFormat::Style::Raw
                                : ConsoleFormat::Style::Text),
        stats_(o.stats) {
    if (o.until_end) {
      end_of_topics_.emplace(o.topics, o.group, consumer_, p.sink.get(), p.runner.get(), p.brokers.client);
    }
  }

  // Until --count, --idle-exit, --until-end or a signal; false when no partition came within
  // --assign-timeout.
  bool run();
  // Writes the open batch and closes the member, the dashboard and the dead-letter producer.
  void finish();
  // Prints the summary (--json and/or the human lines); returns the exit code.
  int summarize() const;

 private:
  void count(const std::vector<kafka::Message>& batch, core::Nanos now);
  void show_rate(core::Nanos now);
  // Nothing left to read: every assigned partition at its end, everything read stored.
  bool caught_up() const;
  nlohmann::json stats_line() const;

  const ConsumeOptions& o_;
  Pipeline& p_;
  kafka::Consumer& consumer_;
  core::StatusLine status_;
  ConsoleFormat view_;
  core::SteadyClock clock_;
  core::StatsFile stats_;
  core::LatencyHistogram latency_;
  core::LatencyHistogram intended_latency_;  // from a paced producer's intended send time
  std::string out_;                          // --show lines of one poll
  std::uint64_t consumed_ = 0, bytes_ = 0, errors_ = 0;
  // Messages per topic, for a reader of several topics (the bench's warm-up topic beside the
  // measured one); `last_topic_` spares the look-up while one topic's messages follow each other.
  std::map<std::string, std::uint64_t, std::less<>> by_topic_;
  std::map<std::string, std::uint64_t, std::less<>>::iterator last_topic_ = by_topic_.end();
  std::uint64_t last_count_ = 0, last_bytes_ = 0;
  const core::Nanos start_ = clock_.now();
  core::Nanos last_tick_ = start_, last_message_ = start_, first_message_ = start_, caught_up_since_ = start_,
              assigned_since_ = start_;
  bool idle_timeout_ = false, reached_end_ = false, ever_assigned_ = false;
  std::uint64_t seen_assignments_ = 0;
  std::optional<EndOfTopics> end_of_topics_;
};

bool Loop::caught_up() const {
  const auto& parts = consumer_.progress();
  return !parts.empty() && (!p_.runner || p_.runner->settled()) &&
         std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p.second.at_end; });
}

nlohmann::json Loop::stats_line() const {
  nlohmann::json j = {{"count", consumed_}, {"bytes", bytes_}};
  if (p_.runner) j["stored"] = p_.runner->stats().rows + p_.runner->stats().dead_letters;
  return j;
}

bool Loop::run() {
  std::vector<kafka::Message> batch;
  while (!core::shutdown_requested()) {
    if (o_.count != 0 && consumed_ >= o_.count) break;
    const std::size_t want = o_.count != 0 ? std::min<std::uint64_t>(kBatch, o_.count - consumed_) : kBatch;
    batch.clear();
    consumer_.poll(batch, want, milliseconds(100));
    const auto now = clock_.now();
    count(batch, now);
    if (p_.dashboard) {
      p_.dashboard->state().record(batch);  // before the runner takes the messages
      if (p_.runner) p_.dashboard->state().record_sink(p_.runner->stats());
    }
    if (!batch.empty()) last_message_ = now;
    if (p_.runner) {
      p_.runner->add(batch);  // takes them all
      p_.runner->tick();
    }
    if (consumer_.assignments() != seen_assignments_) {
      seen_assignments_ = consumer_.assignments();
      status_.note("assigned: " + describe_assignment(consumer_.progress()));
    }
    for (const auto& change : consumer_.stats_watch().take_leader_changes()) {
      status_.note(kafka::describe(change));
    }
    if (!consumer_.progress().empty()) {
      ever_assigned_ = true;
      assigned_since_ = now;  // while nothing is assigned, this says since when
    }
    // The idle clock runs only while nothing is left to read: waiting for the group, for the
    // sink, or for a batch to be written is not idleness.
    if (!caught_up()) caught_up_since_ = clock_.now();
    if (!out_.empty()) {
      std::fwrite(out_.data(), 1, out_.size(), stdout);
      std::fflush(stdout);
      out_.clear();
    }
    if (stats_.due()) stats_.write(stats_line());
    if (now - last_tick_ >= seconds(1)) show_rate(now);
    if (o_.idle_exit_s > 0 && duration<double>(clock_.now() - caught_up_since_).count() >= o_.idle_exit_s) {
      idle_timeout_ = true;
      break;
    }
    if (end_of_topics_ && end_of_topics_->reached()) {
      reached_end_ = true;
      break;
    }
    if (!ever_assigned_ && o_.assign_timeout_s > 0 && duration<double>(now - start_).count() >= o_.assign_timeout_s) {
      status_.finish();
      fmt::print(
          stderr,
          "error: no partition of {} was assigned to this member of group '{}' within {:.0f} s (--assign-timeout): "
          "the topic may not exist, the group may have as many members as partitions, or be waiting for "
          "members that died to time out\n",
          fmt::join(o_.topics, ","), o_.group, o_.assign_timeout_s);
      return false;
    }
  }
  return true;
}

// Counts one poll's messages (and their latency), and formats them for --show.
void Loop::count(const std::vector<kafka::Message>& batch, core::Nanos now) {
  const std::int64_t now_us = core::wall_us();
  for (const auto& m : batch) {
    if (!m.error.empty()) {
      ++errors_;
      status_.finish();
      fmt::print(stderr, "warning: {}\n", m.error);
      continue;
    }
    if (consumed_ == 0) first_message_ = now;
    ++consumed_;
    if (last_topic_ == by_topic_.end() || last_topic_->first != m.topic) {
      last_topic_ = by_topic_.find(m.topic);
      if (last_topic_ == by_topic_.end()) last_topic_ = by_topic_.emplace(std::string(m.topic), 0).first;
    }
    ++last_topic_->second;
    bytes_ += m.payload.size();
    if (m.timestamp_ms > 0) latency_.record(now_us - m.timestamp_ms * 1000);
    if (m.intended_us > 0) intended_latency_.record(now_us - m.intended_us);
    if (!o_.show.empty()) view_.append(m, out_);
  }
}

// The once-a-second status line.
void Loop::show_rate(core::Nanos now) {
  const double dt = duration<double>(now - last_tick_).count();
  const std::string waiting =
      consumer_.progress().empty()
          ? fmt::format("  waiting for partitions, {:.0f} s", duration<double>(now - assigned_since_).count())
          : "";
  status_.show(fmt::format("consumed {}  {} msgs/s  {:.1f} MB/s  e2e p50 {:.1f} ms{}", consumed_,
                           core::human_count(static_cast<double>(consumed_ - last_count_) / dt),
                           static_cast<double>(bytes_ - last_bytes_) / dt / 1e6,
                           static_cast<double>(latency_.quantile(0.5)) / 1000.0, waiting));
  last_tick_ = now;
  last_count_ = consumed_;
  last_bytes_ = bytes_;
}

void Loop::finish() {
  // The open batch is written whole, or (sink down at shutdown) not at all.
  if (p_.runner) p_.runner->flush();
  if (p_.dashboard) p_.dashboard->stop();
  consumer_.close();
  if (p_.dlq) p_.dlq->flush(milliseconds(10000));
  status_.finish();
  stats_.write(stats_line());
}

int Loop::summarize() const {
  const sinks::Sink* sink = p_.sink.get();
  const sinks::SinkRunner* runner = p_.runner.get();
  const ConsumeOptions& o = o_;
  const auto& latency = latency_;
  const auto& view = view_;
  const std::uint64_t consumed = consumed_, bytes = bytes_;
  // The rate is over the time messages were arriving, so idle waiting does not dilute it.
  const double active_s = consumed > 1 ? duration<double>(last_message_ - first_message_).count() : 0;
  const double rate = active_s > 0 ? static_cast<double>(consumed) / active_s : 0;
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  const auto& kinds = view.kind_counts();
  if (o.json) {
    nlohmann::json j = {
        {"command", "consume"},
        {"topics", o.topics},
        {"group", o.group},
        {"consumed", consumed},
        {"consumed_by_topic", by_topic_},
        {"bytes", bytes},
        {"errors", errors_},
        {"active_seconds", active_s},
        {"msgs_per_s", rate},
        {"mb_per_s", active_s > 0 ? static_cast<double>(bytes) / active_s / 1e6 : 0},
        {"latency_ms",
         {{"p50", ms(latency.quantile(0.5))},
          {"p90", ms(latency.quantile(0.9))},
          {"p99", ms(latency.quantile(0.99))},
          {"max", ms(latency.max())},
          {"histogram", histogram_ms(latency)}}},
        {"intended_latency_ms", quantiles_ms(intended_latency_)},
        {"idle_exit", idle_timeout_},
        {"reached_end", reached_end_},
        {"kafka", kafka::to_json(consumer_.stats_watch())},
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
                   {"commit_ms",
                    {{"p50", ms(st.commit_us.quantile(0.5))},
                     {"p99", ms(st.commit_us.quantile(0.99))},
                     {"max", ms(st.commit_us.max())},
                     {"total", ms(st.commit_us.sum())}}},
                   {"stored_latency_ms", quantiles_ms(st.end_to_end_us)},
                   // The drain: the first row taken to the last batch stored.
                   {"seconds", st.last_stored_us > st.first_taken_us
                                   ? static_cast<double>(st.last_stored_us - st.first_taken_us) / 1e6
                                   : 0.0},
                   {"intended_stored_latency_ms", quantiles_ms(st.intended_to_stored_us)}};
    }
    // With --show stdout carries the messages, so the summary goes to stderr.
    std::fprintf(o.show.empty() ? stdout : stderr, "%s\n", j.dump().c_str());
  }
  if (!o.quiet) {
    fmt::print(
        stderr,
        "consumed {} messages ({:.1f} MB) at {} msgs/s; e2e latency p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
        consumed, static_cast<double>(bytes) / 1e6, core::human_count(rate), ms(latency.quantile(0.5)),
        ms(latency.quantile(0.99)), ms(latency.max()));
    if (intended_latency_.count() > 0) {
      fmt::print(
          stderr, "from the producer's intended send times: e2e latency p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
          ms(intended_latency_.quantile(0.5)), ms(intended_latency_.quantile(0.99)), ms(intended_latency_.max()));
    }
    if (runner) {
      const sinks::SinkStats& st = runner->stats();
      fmt::print(stderr,
                 "stored {} rows and {} dead letters in {} batches into {}; batch commit p50 {:.1f} ms; "
                 "produce-to-stored p50 {:.1f} ms, p99 {:.1f} ms\n",
                 st.rows, st.dead_letters, st.batches, sink->describe(), ms(st.commit_us.quantile(0.5)),
                 ms(st.end_to_end_us.quantile(0.5)), ms(st.end_to_end_us.quantile(0.99)));
      if (st.intended_to_stored_us.count() > 0) {
        fmt::print(stderr, "from the producer's intended send times: produce-to-stored p50 {:.1f} ms, p99 {:.1f} ms\n",
                   ms(st.intended_to_stored_us.quantile(0.5)), ms(st.intended_to_stored_us.quantile(0.99)));
      }
    }
    if (const auto k = kafka::summary(consumer_.stats_watch()); !k.empty()) fmt::print(stderr, "kafka: {}\n", k);
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

}  // namespace

int run_consume(const ConsumeOptions& o) {
  Pipeline pipeline;
  set_up(o, pipeline);
  Loop loop(o, pipeline);
  if (!loop.run()) return 1;
  loop.finish();
  return loop.summarize();
}

CLI::App* add_consume_command(CLI::App& app, ConsumeOptions& o) {
  auto* c = app.add_subcommand("consume", "Consume a topic: show messages live, or count them with rates and latency");
  add_client_flags(c, o.brokers, o.properties);
  c->add_option("-t,--topic", o.topics, "Topic(s) to consume")->capture_default_str();
  c->add_option("-g,--group", o.group, "Consumer group")->capture_default_str();
  c->add_option("--from", o.from,
                "Where a partition starts when first assigned: beginning, end, or stored (the group's "
                "committed offset, else the beginning)")
      ->check(CLI::IsMember({"beginning", "end", "stored"}))
      ->capture_default_str();
  c->add_option("--show", o.show,
                "Print each message on stdout: text (one readable line), json (one object with the "
                "parsed fields) or raw (the payload as-is)")
      ->expected(0, 1)
      ->default_str("text")
      ->check(CLI::IsMember({"text", "json", "raw"}));
  c->add_flag("--quiet", o.quiet, "Print only the once-a-second rate line");
  c->add_option("--count", o.count, "Stop after N messages");
  c->add_option("--idle-exit", o.idle_exit_s,
                "Stop once nothing has been left to read for S seconds (every assigned partition at its end "
                "and, with --sink, stored); waiting for partitions or for the sink does not count")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("--until-end", o.until_end,
              "Stop (exit 0) once every assigned partition is read, and with --sink stored, up to the high "
              "watermark it had when assigned, like kcat -e");
  c->add_option("--assign-timeout", o.assign_timeout_s,
                "Exit 1 when no partition is assigned within S seconds (0: wait for ever)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--instance-id", o.instance_id,
                "Static group membership (group.instance.id): a member restarted with the same id within the "
                "session timeout (6 s) gets its partitions back at once, without a rebalance");
  c->add_flag("--json", o.json, "Print a machine-readable summary (on stdout; on stderr with --show)");
  c->add_option("--stats", o.stats,
                "Append running counters (consumed, bytes, stored) as a JSON line every 250 ms to FILE");
  c->add_option("--web", o.web,
                "Serve a live dashboard (rates, lag, sink commits, CPU/RSS, trending hashtags, a feed of "
                "the messages) and Prometheus /metrics on HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any "
                "free one); the URL is printed on stderr");
  c->add_option("--web-clients", o.web_clients,
                "The most browsers (/events streams) the dashboard serves at once; more are answered 503, "
                "while the page and /metrics stay available")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  c->add_option("--web-token", o.web_token,
                "Every request to the dashboard must present this token (16+ characters): a browser opens "
                "/?token=TOKEN once (kept in a cookie), Prometheus sends Authorization: Bearer TOKEN. env:NAME "
                "reads it from that variable (default: $STREAMLAB_WEB_TOKEN, if set)");
  c->add_option(
      "--sink", o.sink,
      "Also store every message, exactly once: null (measure only), postgres://… (any libpq "
      "URI, sslmode=verify-full for TLS; ?synchronous_commit=off: commits that do not wait for the server's disk), "
      "redis[s]://[user[:password]@]host:port[/db][?record=FILE&cacert=FILE] "
      "(rediss: TLS), ignite://host:port[,host:port...][?table=NAME&user=U&tls=true&cacert=FILE], or env:NAME, the "
      "URI in environment variable NAME (a password then stays out of the process list). Passwords can also come "
      "from PGPASSFILE/PGPASSWORD, $REDISCLI_AUTH and $STREAMLAB_IGNITE_PASSWORD");
  c->add_option("--table", o.table,
                "PostgreSQL or Ignite table (default streamlab_messages; dead letters in "
                "<table>_dead_letters) or Redis key prefix (default streamlab)");
  c->add_option("--raw", o.raw, "PostgreSQL: also keep each document in a raw column")
      ->check(CLI::IsMember({"none", "json", "jsonb"}))
      ->capture_default_str();
  c->add_option("--batch-rows", o.batch_rows, "A batch is written when it holds this many rows")->capture_default_str();
  c->add_option("--batch-mb", o.batch_mb,
                "... or when its messages add up to this many MiB (default 32 for PostgreSQL, whose every COMMIT "
                "waits for the disk; 8 for the other sinks)")
      ->check(CLI::Range(0.001, 1024.0));
  c->add_option("--batch-ms", o.batch_ms,
                "... or, while no write runs, once its first row is this old (0: as soon as the write before it is "
                "over; more: fewer, larger transactions of a slow stream, at the cost of latency)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--sink-timeout", o.sink_timeout_s,
                "A store that leaves a request unanswered for this many seconds (PostgreSQL: one statement, "
                "Redis: one reply, Ignite: one request) is taken as gone: the connection is dropped and the "
                "batch written again once it is back, exactly once still")
      ->capture_default_str();
  c->add_option("--dlq-topic", o.dlq_topic,
                "Also send each dead letter (with its error in header streamlab-error) to this topic");
  return c;
}

}  // namespace streamlab::commands
