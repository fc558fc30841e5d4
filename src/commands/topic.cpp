#include "commands/topic.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "commands/broker_choice.hpp"
#include "core/errors.hpp"
#include "kafka/admin.hpp"

namespace streamlab::commands {
namespace {

nlohmann::json to_json(const kafka::TopicInfo& t) {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : t.partitions) {
    parts.push_back({{"partition", p.id},
                     {"leader", p.leader},
                     {"replicas", p.replicas},
                     {"isr", p.isr},
                     {"low", p.low},
                     {"high", p.high},
                     {"error", p.error}});
  }
  return {{"topic", t.name}, {"partitions", parts}, {"error", t.error}};
}

void print_topic(const kafka::TopicInfo& t) {
  std::int64_t total = 0;
  for (const auto& p : t.partitions) total += std::max<std::int64_t>(0, p.high - p.low);
  fmt::print("{}  partitions {}  messages {}{}\n", t.name, t.partitions.size(), total,
             t.error.empty() ? "" : "  error: " + t.error);
  for (const auto& p : t.partitions) {
    fmt::print("  partition {}  leader {}  replicas [{}]  isr [{}]  offsets {}..{}{}\n", p.id, p.leader,
               fmt::join(p.replicas, ","), fmt::join(p.isr, ","), p.low, p.high,
               p.error.empty() ? "" : "  error: " + p.error);
  }
}

}  // namespace

int run_topic(const TopicOptions& o) {
  if (o.action != "list" && o.topic.empty()) throw core::UsageError(fmt::format("topic {} needs -t/--topic", o.action));
  BrokerChoice brokers = choose_brokers(o.brokers, o.properties);
  kafka::Admin admin(brokers.client);
  if (o.action == "create") {
    if (o.partitions < 1) throw core::UsageError("--partitions must be at least 1");
    kafka::Properties configs;
    for (const auto& c : o.configs) configs.push_back(kafka::parse_property(c));
    int replicas = 1;
    if (brokers.embedded) {
      brokers.embedded->create_topic(o.topic, o.partitions);  // the mock has no CreateTopics
    } else {
      // Three copies where the cluster has three brokers, as production clusters keep them.
      replicas = o.replication_factor > 0 ? o.replication_factor : std::min(3, admin.broker_count());
      admin.create_topic(o.topic, o.partitions, replicas, configs, o.if_not_exists);
    }
    fmt::print(stderr, "topic '{}' ready: {} partition(s), replication factor {}\n", o.topic, o.partitions, replicas);
    return 0;
  }
  if (o.action == "delete") {
    admin.delete_topic(o.topic);
    fmt::print(stderr, "topic '{}' deleted\n", o.topic);
    return 0;
  }
  const auto topics = admin.describe(o.action == "describe" ? o.topic : std::string());
  if (o.action == "describe" && (topics.empty() || !topics[0].error.empty())) {
    throw core::RuntimeFailure(fmt::format("topic '{}': {}", o.topic, topics.empty() ? "not found" : topics[0].error));
  }
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& t : topics) j.push_back(to_json(t));
    fmt::print("{}\n", j.dump());
  } else if (o.action == "list") {
    for (const auto& t : topics) fmt::print("{}\t{}\n", t.name, t.partitions.size());
  } else {
    for (const auto& t : topics) print_topic(t);
  }
  return 0;
}

CLI::App* add_topic_command(CLI::App& app, TopicOptions& o) {
  auto* t = app.add_subcommand("topic", "Create, describe, delete or list topics");
  t->require_subcommand(1);
  for (const char* action : {"create", "describe", "delete", "list"}) {
    auto* a = t->add_subcommand(action, fmt::format("{} topic(s)", action));
    add_client_flags(a, o.brokers, o.properties);
    a->callback([&o, action] { o.action = action; });
    if (std::string(action) != "list") a->add_option("-t,--topic", o.topic, "Topic name")->required();
    if (std::string(action) == "create") {
      a->add_option("-p,--partitions", o.partitions, "Partitions")->capture_default_str();
      a->add_option("-r,--replication-factor", o.replication_factor,
                    "Replication factor (default: 3, or the number of brokers when fewer)")
          ->check(CLI::Range(1, 32767));
      a->add_option("--config", o.configs, "Topic config key=value (repeatable)");
      a->add_flag("--if-not-exists", o.if_not_exists, "Succeed when the topic already exists");
    }
    if (std::string(action) == "describe" || std::string(action) == "list") {
      a->add_flag("--json", o.json, "Machine-readable output");
    }
  }
  return t;
}

}  // namespace streamlab::commands
