#include "commands/verify.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "commands/broker_choice.hpp"
#include "commands/sink_choice.hpp"
#include "core/errors.hpp"
#include "kafka/admin.hpp"
#include "kafka/topic_scan.hpp"
#include "sinks/verify_report.hpp"

namespace streamlab::commands {
namespace {

using sinks::DuplicateOffset;
using sinks::OffsetSample;
using sinks::PartitionReport;
using sinks::VerifyReport;

std::vector<std::int32_t> partitions_of(const kafka::ClientOptions& client, const std::string& topic) {
  kafka::Admin admin(client);
  const auto topics = admin.describe(topic, /*watermarks=*/false);
  if (topics.empty()) throw core::UsageError(fmt::format("unknown topic '{}'", topic));
  if (!topics[0].error.empty()) {
    if (topics[0].error == rd_kafka_err2str(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)) {
      throw core::UsageError(fmt::format("unknown topic '{}'", topic));
    }
    throw core::RuntimeFailure(fmt::format("topic '{}': {}", topic, topics[0].error));
  }
  std::vector<std::int32_t> ids;
  for (const auto& p : topics[0].partitions) ids.push_back(p.id);
  return ids;
}

// "3, 17, 40" with ", …" when there are more than shown.
std::string listed(const std::vector<std::int64_t>& first, std::uint64_t count) {
  return fmt::format("{}{}", fmt::join(first, ", "), count > first.size() ? ", …" : "");
}

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string held_as(const DuplicateOffset& d) {
  if (d.dead_letters == 0) return fmt::format("{} rows", d.rows);
  if (d.rows == 0) return fmt::format("{} dead letters", d.dead_letters);
  if (d.rows == 1 && d.dead_letters == 1) return "a row and a dead letter";
  return fmt::format("{}, {}", plural(d.rows, "row", "rows"), plural(d.dead_letters, "dead letter", "dead letters"));
}

std::string optional_offset(const std::optional<std::int64_t>& o) { return o ? std::to_string(*o) : "-"; }

// What is wrong with a partition (and what is worth knowing), one sentence a line.
std::vector<std::string> findings(const PartitionReport& p, const std::string& group) {
  std::vector<std::string> out;
  const std::string at = fmt::format("partition {}:", p.partition);
  if (!p.in_topic) {
    out.push_back(fmt::format("{} the topic has no such partition, but the sink holds {} and {} for it", at,
                              plural(p.rows, "row", "rows"), plural(p.dead_letters, "dead letter", "dead letters")));
  }
  if (p.missing.count > 0) {
    std::string why;
    if (p.missing_not_consumed == p.missing.count) {
      why = p.stored_offset ? fmt::format(" (all at or past the stored offset {}: not consumed yet)", *p.stored_offset)
                            : " (the group has stored nothing here yet)";
    } else if (p.missing_not_consumed > 0) {
      why = fmt::format(" ({} of them at or past the stored offset {}: not consumed yet)", p.missing_not_consumed,
                        *p.stored_offset);
    }
    out.push_back(fmt::format("{} {} missing: {}{}", at, plural(p.missing.count, "offset", "offsets"),
                              listed(p.missing.first, p.missing.count), why));
  }
  if (p.duplicated > 0) {
    std::vector<std::string> each;
    for (const auto& d : p.first_duplicated) each.push_back(fmt::format("{} ({})", d.offset, held_as(d)));
    out.push_back(fmt::format("{} {} held more than once: {}{}", at, plural(p.duplicated, "offset", "offsets"),
                              fmt::join(each, ", "), p.duplicated > each.size() ? ", …" : ""));
  }
  if (p.beyond_end.count > 0 && p.in_topic) {
    out.push_back(fmt::format(
        "{} {} held at or past the high watermark {}: {} (no message of this topic was ever "
        "there: was it deleted and created again?)",
        at, plural(p.beyond_end.count, "offset", "offsets"), p.high, listed(p.beyond_end.first, p.beyond_end.count)));
  }
  if (!p.offset_ok()) {
    const std::string stored = fmt::format("{} stored offset of group '{}'", at, group);
    if (!p.stored_offset) {
      out.push_back(fmt::format("{}: none, but offsets up to {} are held (expected {})", stored,
                                *p.expected_stored_offset - 1, *p.expected_stored_offset));
    } else if (!p.expected_stored_offset) {
      out.push_back(fmt::format("{}: {}, but nothing is held", stored, *p.stored_offset));
    } else if (*p.stored_offset < *p.expected_stored_offset) {
      out.push_back(
          fmt::format("{}: {}, expected {} (one past the highest offset held): a consumer resuming there "
                      "would store {} again",
                      stored, *p.stored_offset, *p.expected_stored_offset,
                      plural(p.held_at_or_past_stored, "message", "messages")));
    } else {
      out.push_back(fmt::format(
          "{}: {}, expected {} (one past the highest offset held): a consumer resuming there "
          "would skip offsets {}..{}",
          stored, *p.stored_offset, *p.expected_stored_offset, *p.expected_stored_offset, *p.stored_offset - 1));
    }
  }
  if (p.gone.count > 0) {
    out.push_back(
        fmt::format("{} note: {} held no longer in the topic (removed by retention or compaction after "
                    "they were stored; not a failure): {}",
                    at, plural(p.gone.count, "offset", "offsets"), listed(p.gone.first, p.gone.count)));
  }
  return out;
}

nlohmann::json sample_json(const OffsetSample& s) { return {{"count", s.count}, {"first", s.first}}; }

nlohmann::json optional_json(const std::optional<std::int64_t>& o) { return o ? nlohmann::json(*o) : nlohmann::json(); }

struct Totals {
  std::uint64_t expected = 0, rows = 0, dead_letters = 0, missing = 0, duplicated = 0, beyond_end = 0, gone = 0;
  std::size_t failed = 0;
};

Totals totals_of(const VerifyReport& report) {
  Totals t;
  for (const auto& p : report.partitions) {
    t.expected += p.expected;
    t.rows += p.rows;
    t.dead_letters += p.dead_letters;
    t.missing += p.missing.count;
    t.duplicated += p.duplicated;
    t.beyond_end += p.beyond_end.count;
    t.gone += p.gone.count;
    if (!p.ok()) ++t.failed;
  }
  return t;
}

void print_json(const VerifyOptions& o, const std::string& sink, const VerifyReport& report,
                const sinks::SinkHoldings& held, double sink_s, double topic_s) {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : report.partitions) {
    nlohmann::json dups = nlohmann::json::array();
    for (const auto& d : p.first_duplicated) {
      dups.push_back({{"offset", d.offset}, {"rows", d.rows}, {"dead_letters", d.dead_letters}});
    }
    parts.push_back(
        {{"partition", p.partition},
         {"in_topic", p.in_topic},
         {"low", p.low},
         {"high", p.high},
         {"expected", p.expected},
         {"rows", p.rows},
         {"dead_letters", p.dead_letters},
         {"missing",
          {{"count", p.missing.count}, {"first", p.missing.first}, {"not_consumed", p.missing_not_consumed}}},
         {"duplicated", {{"count", p.duplicated}, {"first", dups}}},
         {"beyond_end", sample_json(p.beyond_end)},
         {"gone", sample_json(p.gone)},
         {"stored_offset", optional_json(p.stored_offset)},
         {"expected_stored_offset", optional_json(p.expected_stored_offset)},
         {"held_at_or_past_stored", p.held_at_or_past_stored},
         {"offset_ok", p.offset_ok()},
         {"ok", p.ok()},
         {"findings", findings(p, o.group)}});
  }
  const Totals t = totals_of(report);
  const nlohmann::json j = {
      {"command", "verify"},
      {"topic", o.topic},
      {"group", o.group},
      {"sink", sink},
      {"ok", report.ok()},
      {"partitions", parts},
      {"totals",
       {{"expected", t.expected},
        {"rows", t.rows},
        {"dead_letters", t.dead_letters},
        {"missing", t.missing},
        {"duplicated", t.duplicated},
        {"beyond_end", t.beyond_end},
        {"gone", t.gone},
        {"failed_partitions", t.failed}}},
      {"notes", held.notes},
      {"seconds", {{"sink", sink_s}, {"topic", topic_s}}},
  };
  fmt::print("{}\n", j.dump());
}

void print_table(const VerifyOptions& o, const std::string& sink, const VerifyReport& report,
                 const sinks::SinkHoldings& held) {
  fmt::print("topic {}, group {}, sink {}\n\n", o.topic, o.group, sink);
  const auto row = [](const auto&... cells) {
    std::string line = fmt::format("{:>9}  {:>10}  {:>10}  {:>12}  {:>8}  {:>10}  {:>13}  {}", cells...);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  };
  row("partition", "expected", "rows", "dead letters", "missing", "duplicated", "stored offset", "");
  for (const auto& p : report.partitions) {
    row(p.partition, p.expected, p.rows, p.dead_letters, p.missing.count, p.duplicated,
        optional_offset(p.stored_offset), p.ok() ? "ok" : "FAIL");
  }
  const Totals t = totals_of(report);
  row("total", t.expected, t.rows, t.dead_letters, t.missing, t.duplicated, "", "");
  std::vector<std::string> lines;
  for (const auto& p : report.partitions) {
    for (auto& line : findings(p, o.group)) lines.push_back(std::move(line));
  }
  for (const auto& n : held.notes) lines.push_back("note: " + n);
  if (!lines.empty()) fmt::print("\n{}\n", fmt::join(lines, "\n"));
  if (report.ok()) {
    fmt::print("\nOK: every message of {} ({}) is held exactly once, and the stored offsets match\n", o.topic,
               t.expected);
  } else {
    fmt::print("\nFAIL: {} of {} partitions differ from the topic\n", t.failed, report.partitions.size());
  }
}

}  // namespace

int run_verify(const VerifyOptions& o) {
  if (o.topic.empty()) throw core::UsageError("verify needs -t/--topic");
  if (o.sink.empty()) throw core::UsageError("verify needs --sink");
  std::unique_ptr<sinks::SinkInventory> inventory = make_inventory({o.sink, o.table, "none"});
  BrokerChoice brokers = choose_brokers(o.brokers, o.properties);
  // The partitions first, so an unknown topic is told before a large sink is read.
  const std::vector<std::int32_t> ids = partitions_of(brokers.client, o.topic);

  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  // The sink before the topic: whatever a consumer still running stored meanwhile is then below
  // the watermarks read next, so it cannot show as held past the topic's end.
  auto start = Clock::now();
  sinks::SinkHoldings held;
  try {
    held = inventory->holdings(o.topic, o.group);
  } catch (const sinks::RetryableError& e) {
    throw core::RuntimeFailure(fmt::format("cannot read the sink: {}", e.what()));
  } catch (const sinks::FatalError& e) {
    throw core::RuntimeFailure(fmt::format("the sink refused: {}", e.what()));
  }
  const double sink_s = seconds_since(start);
  start = Clock::now();
  const std::vector<kafka::PartitionOffsets> topic = kafka::scan_topic(brokers.client, o.topic, ids);
  const double topic_s = seconds_since(start);

  const VerifyReport report = sinks::compare(topic, held);
  const std::string sink = inventory->describe();
  if (o.json) {
    print_json(o, sink, report, held, sink_s, topic_s);
  } else {
    print_table(o, sink, report, held);
  }
  std::uint64_t held_count = 0, expected = 0;
  for (const auto& p : report.partitions) {
    held_count += p.rows + p.dead_letters;
    expected += p.expected;
  }
  fmt::print(stderr, "read {} held offsets from the sink in {:.2f} s and {} offsets of the topic in {:.2f} s\n",
             held_count, sink_s, expected, topic_s);
  return report.ok() ? 0 : 1;
}

CLI::App* add_verify_command(CLI::App& app, VerifyOptions& o) {
  auto* v = app.add_subcommand("verify",
                               "Check that a sink holds every message of a topic exactly once (as a row or a dead "
                               "letter) and that the group's stored offsets match; exit 0 when so, 1 when not");
  add_client_flags(v, o.brokers, o.properties);
  v->add_option("-t,--topic", o.topic, "Topic whose messages the sink should hold")->required();
  v->add_option("--sink", o.sink,
                "The sink consume --sink stored into: postgres://… (any libpq URI), "
                "redis[s]://[user[:password]@]host:port[/db][?cacert=FILE], "
                "ignite://host:port[,host:port...][?table=NAME&user=U&tls=true&cacert=FILE], or env:NAME (the URI in "
                "environment variable NAME)")
      ->required();
  v->add_option("--table", o.table,
                "As consume's: PostgreSQL or Ignite table (default streamlab_messages) or Redis key prefix "
                "(default streamlab)");
  v->add_option("-g,--group", o.group, "Consumer group whose stored offsets are checked")->capture_default_str();
  v->add_flag("--json", o.json, "Print one JSON document instead of the table");
  return v;
}

}  // namespace streamlab::commands
