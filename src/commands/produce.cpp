#include "commands/produce.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands/broker_choice.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/rate_pacer.hpp"
#include "core/shutdown.hpp"
#include "core/stats_file.hpp"
#include "core/status_line.hpp"
#include "kafka/message.hpp"
#include "kafka/producer.hpp"
#include "sources/counter.hpp"
#include "sources/synthetic_tweets.hpp"
#include "sources/tweet_file.hpp"
#include "sources/x_stream.hpp"
#include "sources/x_stream_rules.hpp"

namespace streamlab::commands {
namespace {

using std::chrono::duration;
using std::chrono::seconds;

constexpr std::uint64_t kMaxBurst = 1000;
// A paced producer wakes at most once a millisecond (core::RatePacer): what fell due meanwhile
// goes in one burst, each stamped message with its own due time.
constexpr std::chrono::milliseconds kPaceQuantum{1};
constexpr std::chrono::milliseconds kFlushTimeout{60000};  // = message.timeout.ms
// The 2019 lab's live-tweet filter.
constexpr const char* kLabTrack = "Chile,Santiago,Fútbol,Música,porque,es,eso,hay,EEUU,sport,sports,why,you,me,yes,no";
constexpr const char* kLabLangs = "es,en";

std::unique_ptr<sources::Source> make_source(const ProduceOptions& o) {
  if (o.source == "counter") return std::make_unique<sources::Counter>();
  if (o.source == "tweets") {
    return std::make_unique<sources::TweetFile>(o.file.empty() ? sources::default_corpus_path() : o.file, o.loop,
                                                o.strict);
  }
  if (o.source == "synthetic-tweets") return std::make_unique<sources::SyntheticTweets>(o.seed);
  if (o.source == "x-stream") {
    sources::XStreamOptions x;
    x.api_base = o.api_base;
    x.track = sources::split_list(o.track.empty() ? kLabTrack : o.track, "--track");
    x.langs = sources::split_list(o.lang.empty() ? kLabLangs : o.lang, "--lang");
    x.stall_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.stall_timeout_s * 1000));
    return std::make_unique<sources::XStream>(std::move(x), sources::bearer_token_from_env());
  }
  throw core::UsageError(fmt::format("unknown --source '{}'", o.source));
}

std::string status_text(const kafka::Producer& p, double msgs_per_s, double bytes_per_s) {
  return fmt::format("sent {}  acked {}  failed {}  {} msgs/s  {:.1f} MB/s", p.sent(), p.acked(), p.failed(),
                     core::human_count(msgs_per_s), bytes_per_s / 1e6);
}

// The longest time messages were in flight without a single acknowledgement: a broker that
// failed shows as one such wait, until another broker leads its partitions.
class AckWait {
 public:
  explicit AckWait(core::Nanos start) : since_(start) {}
  void observe(std::uint64_t acked, std::uint64_t in_flight, core::Nanos now) {
    if (acked != acked_ || in_flight == 0) {
      acked_ = acked;
      since_ = now;
    } else {
      longest_ = std::max(longest_, now - since_);
    }
  }
  double longest_s() const { return duration<double>(longest_).count(); }

 private:
  std::uint64_t acked_ = 0;
  core::Nanos since_, longest_{0};
};

// What a run did, beside the producer's own counters.
struct Totals {
  std::uint64_t bytes_sent = 0;
  double seconds = 0;
  double longest_ack_wait_s = 0;
  std::string source_error;  // the source's RuntimeFailure, "" when none
};

// The summary line (and with --json the document); returns the exit code.
int summarize(const ProduceOptions& o, const kafka::Producer& producer, const sources::Source& source,
              const Totals& t) {
  const double secs = t.seconds;
  const std::uint64_t lost = producer.sent() - producer.acked();

  if (o.json) {
    nlohmann::json j = {
        {"command", "produce"},
        {"topic", o.topic},
        {"source", o.source},
        {"sent", producer.sent()},
        {"acked", producer.acked()},
        {"failed", lost},
        {"skipped_lines", source.skipped()},
        {"bytes", t.bytes_sent},
        {"seconds", secs},
        {"msgs_per_s", secs > 0 ? static_cast<double>(producer.acked()) / secs : 0},
        {"mb_per_s", secs > 0 ? static_cast<double>(producer.acked_bytes()) / secs / 1e6 : 0},
        {"interrupted", core::shutdown_requested()},
        {"kafka", kafka::to_json(producer.stats_watch())},
        {"longest_ack_wait_s", t.longest_ack_wait_s},
    };
    if (!producer.first_error().empty()) j["first_error"] = producer.first_error();
    if (!t.source_error.empty()) j["source_error"] = t.source_error;
    fmt::print("{}\n", j.dump());
  }
  fmt::print(stderr, "produced {} of {} messages to '{}' ({:.1f} MB) in {:.2f} s: {} msgs/s, {:.1f} MB/s\n",
             producer.acked(), producer.sent(), o.topic, static_cast<double>(producer.acked_bytes()) / 1e6, secs,
             core::human_count(secs > 0 ? static_cast<double>(producer.acked()) / secs : 0),
             secs > 0 ? static_cast<double>(producer.acked_bytes()) / secs / 1e6 : 0);
  if (const auto k = kafka::summary(producer.stats_watch()); !k.empty()) {
    fmt::print(stderr, "kafka: {}; the longest wait for an acknowledgement {:.1f} s\n", k, t.longest_ack_wait_s);
  }
  if (source.skipped() > 0) {
    fmt::print(stderr, "skipped {} malformed line(s); first: {}\n", source.skipped(), source.first_skip_reason());
  }
  if (!t.source_error.empty()) {
    fmt::print(stderr, "error: {}\n", t.source_error);
    return 1;
  }
  if (lost > 0) {
    fmt::print(stderr, "error: {} message(s) not acknowledged: {}\n", lost,
               producer.first_error().empty() ? "delivery timed out" : producer.first_error());
    return 1;
  }
  return 0;
}

}  // namespace

int run_produce(const ProduceOptions& o) {
  if (o.source != "tweets" && (!o.file.empty() || o.loop)) {
    throw core::UsageError("--file and --loop go with --source tweets");
  }
  if (o.source != "x-stream" && (!o.track.empty() || !o.lang.empty() || o.api_base != ProduceOptions{}.api_base)) {
    throw core::UsageError("--track, --lang and --api-base go with --source x-stream");
  }
  auto source = make_source(o);
  BrokerChoice brokers = choose_brokers(o.brokers, o.properties);
  kafka::Producer producer(brokers.client, o.topic);
  kafka::require_reachable(producer.handle(), brokers.client.brokers);
  if (o.rate > 0) producer.learn_topic(kafka::kUnknownTopicGrace);  // the pacing starts on time

  core::SteadyClock clock;
  core::RatePacer pacer(o.rate, clock, kPaceQuantum);
  core::StatusLine status;
  core::StatsFile stats(o.stats);
  const auto start = clock.now();
  auto last_tick = start;
  std::uint64_t last_acked = 0, last_bytes = 0;
  AckWait ack_wait(start);
  auto tick = [&](bool force) {
    const auto now = clock.now();
    ack_wait.observe(producer.acked(), producer.in_flight(), now);
    if (stats.due() || force) stats.write({{"count", producer.acked()}, {"bytes", producer.acked_bytes()}});
    if (!force && now - last_tick < seconds(1)) return;
    const double dt = duration<double>(now - last_tick).count();
    const double rate = dt > 0 ? static_cast<double>(producer.acked() - last_acked) / dt : 0;
    const double bps = dt > 0 ? static_cast<double>(producer.acked_bytes() - last_bytes) / dt : 0;
    for (const auto& change : producer.stats_watch().take_leader_changes()) status.note(kafka::describe(change));
    status.show(status_text(producer, rate, bps));
    last_tick = now;
    last_acked = producer.acked();
    last_bytes = producer.acked_bytes();
  };

  // Paced, each message (every k-th above kafka::kIntendedStampsPerSecond) carries the time it
  // was due (kafka::kIntendedHeader, wall clock): a consumer then counts the time this producer
  // fell behind as latency too.
  const std::int64_t wall_minus_steady_us = core::wall_us() - clock.now().count() / 1000;
  kafka::Producer::Headers intended;
  const std::uint64_t stamp_every =
      o.rate > kafka::kIntendedStampsPerSecond
          ? static_cast<std::uint64_t>(std::ceil(o.rate / kafka::kIntendedStampsPerSecond))
          : 1;
  // The messages without a stamp go to librdkafka a burst (or the run between two stamps) at a
  // time, copied here first: a source's payload is valid only until its next one.
  std::string unstamped;
  std::vector<std::size_t> unstamped_ends;
  std::vector<std::string_view> unstamped_views;
  const auto send_unstamped = [&] {
    unstamped_views.clear();
    std::size_t from = 0;
    for (const std::size_t end : unstamped_ends) {
      unstamped_views.emplace_back(unstamped.data() + from, end - from);
      from = end;
    }
    if (!unstamped_views.empty()) producer.send_batch(unstamped_views);
    unstamped.clear();
    unstamped_ends.clear();
  };
  std::uint64_t bytes_sent = 0;
  bool exhausted = false;
  std::string source_error;
  while (!exhausted && !core::shutdown_requested()) {
    if (o.count != 0 && producer.sent() >= o.count) break;
    if (o.duration_s > 0 && duration<double>(clock.now() - start).count() >= o.duration_s) break;
    const std::uint64_t want = o.count != 0 ? std::min(kMaxBurst, o.count - producer.sent()) : kMaxBurst;
    const std::uint64_t burst = pacer.acquire(want);
    for (std::uint64_t i = 0; i < burst; ++i) {
      std::optional<std::string_view> payload;
      try {
        payload = source->next();
      } catch (const core::RuntimeFailure& e) {  // what was sent is still flushed and summed up
        source_error = e.what();
        exhausted = true;
        break;
      }
      if (!payload) {
        exhausted = !source->live();  // a live source has nothing yet: check the clock, ask again
        break;
      }
      const std::uint64_t seq = pacer.granted() - burst + i;
      if (o.rate > 0 && seq % stamp_every == 0) {
        const core::Nanos due = pacer.due(seq);
        if (intended.empty()) intended.emplace_back(kafka::kIntendedHeader, std::string());
        std::string& value = intended.front().second;  // its buffer reused from message to message
        value.clear();
        fmt::format_to(std::back_inserter(value), "{}", wall_minus_steady_us + due.count() / 1000);
        send_unstamped();  // the messages before it go first
        producer.send(*payload, {}, intended);
      } else {
        unstamped += *payload;
        unstamped_ends.push_back(unstamped.size());
      }
      bytes_sent += payload->size();
    }
    send_unstamped();
    producer.poll();
    tick(false);
  }

  // Everything queued is delivered or has failed by message.timeout.ms; Ctrl-C lands here too.
  const auto flush_deadline = clock.now() + kFlushTimeout + seconds(5);
  while (producer.in_flight() > 0 && clock.now() < flush_deadline) {
    producer.flush(std::chrono::milliseconds(1000));
    tick(false);
  }
  tick(true);
  status.finish();
  const double secs = duration<double>(clock.now() - start).count();
  return summarize(o, producer, *source, {bytes_sent, secs, ack_wait.longest_s(), source_error});
}

CLI::App* add_produce_command(CLI::App& app, ProduceOptions& o) {
  auto* p = app.add_subcommand("produce", "Produce counter messages or tweets into a topic");
  add_client_flags(p, o.brokers, o.properties);
  p->add_option("-t,--topic", o.topic, "Topic to produce to")->capture_default_str();
  p->add_option("--source", o.source,
                "counter: {\"number\": n} from 0; tweets: a JSONL file replayed as-is (--file, default the "
                "real-tweet corpus); synthetic-tweets: seeded generator shaped like the corpus; x-stream: "
                "live tweets from X API v2's filtered stream (bearer token in $X_BEARER_TOKEN)")
      ->check(CLI::IsMember({"counter", "tweets", "synthetic-tweets", "x-stream"}))
      ->capture_default_str();
  p->add_option("--file", o.file, "JSONL tweet file for --source tweets");
  p->add_option("--count", o.count, "Stop after N messages (default: until the source ends or Ctrl-C)");
  p->add_option("--duration", o.duration_s, "Stop after S seconds")->check(CLI::NonNegativeNumber);
  p->add_option("--rate", o.rate,
                fmt::format("Messages per second, evenly paced (default unlimited); each message then carries the "
                            "time it was due (header {}; above {:.0f} msgs/s every k-th message, {:.0f} a second), "
                            "from which consume also measures latency",
                            kafka::kIntendedHeader, kafka::kIntendedStampsPerSecond, kafka::kIntendedStampsPerSecond))
      ->check(CLI::NonNegativeNumber);
  p->add_flag("--loop", o.loop, "Replay the file again and again");
  p->add_flag("--strict", o.strict, "A malformed line in the file is fatal instead of skipped");
  p->add_option("--seed", o.seed, "Seed of --source synthetic-tweets")->capture_default_str();
  p->add_option("--track", o.track,
                "x-stream: comma-separated keywords or phrases, any of which matches (default the lab's: "
                "Chile,Santiago,Fútbol,...,yes,no)");
  p->add_option("--lang", o.lang, "x-stream: comma-separated language codes, any of which matches (default es,en)");
  p->add_option("--api-base", o.api_base, "x-stream: X API base URL")->capture_default_str();
  p->add_option("--stall-timeout", o.stall_timeout_s,
                "x-stream: reconnect after S seconds without a byte (X sends a keep-alive every ~20 s)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  p->add_flag("--json", o.json, "Print a machine-readable summary on stdout");
  p->add_option("--stats", o.stats, "Append running counters (acked, bytes) as a JSON line every 250 ms to FILE");
  return p;
}

}  // namespace streamlab::commands
