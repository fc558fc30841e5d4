#include "kafka/client_stats.hpp"

#include <fmt/format.h>

namespace streamlab::kafka {
namespace {

std::string broker_name(std::int32_t id) { return id == kNoLeader ? "none" : std::to_string(id); }

}  // namespace

std::string describe(const LeaderChange& c) {
  return fmt::format("topic '{}' partition {}: leader {} -> {}", c.topic, c.partition, broker_name(c.from),
                     broker_name(c.to));
}

ClientStats parse_client_stats(std::string_view json) {
  ClientStats stats;
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return stats;
  if (const auto brokers = doc.find("brokers"); brokers != doc.end() && brokers->is_object()) {
    for (const auto& broker : *brokers) {
      const auto counter = [&broker](const char* name) -> std::uint64_t {
        const auto v = broker.find(name);
        return v != broker.end() && v->is_number_unsigned() ? v->get<std::uint64_t>() : 0;
      };
      stats.retries += counter("txretries");
      stats.disconnects += counter("disconnects");
    }
  }
  if (const auto topics = doc.find("topics"); topics != doc.end() && topics->is_object()) {
    for (const auto& [topic, t] : topics->items()) {
      const auto partitions = t.find("partitions");
      if (partitions == t.end() || !partitions->is_object()) continue;
      for (const auto& p : *partitions) {
        const auto id = p.find("partition");
        const auto leader = p.find("leader");
        if (id == p.end() || leader == p.end() || !id->is_number_integer() || !leader->is_number_integer()) continue;
        // -1 is librdkafka's internal queue of messages not yet given a partition.
        if (id->get<std::int32_t>() < 0) continue;
        stats.leaders[{topic, id->get<std::int32_t>()}] = leader->get<std::int32_t>();
      }
    }
  }
  return stats;
}

std::vector<LeaderChange> leader_changes(const ClientStats& before, const ClientStats& after) {
  std::vector<LeaderChange> changes;
  for (const auto& [tp, leader] : after.leaders) {
    const auto was = before.leaders.find(tp);
    if (was != before.leaders.end() && was->second != leader) {
      changes.push_back({tp.first, tp.second, was->second, leader});
    }
  }
  return changes;
}

void StatsWatch::update(std::string_view json) {
  ClientStats now = parse_client_stats(json);
  std::lock_guard lock(mutex_);
  // A partition whose leader is not known yet (a client starting) has had no leader to lose.
  std::erase_if(now.leaders, [this](const auto& entry) {
    return entry.second == kNoLeader && !last_.leaders.contains(entry.first);
  });
  for (auto& c : leader_changes(last_, now)) {
    ++changes_;
    pending_.push_back(std::move(c));
  }
  // A partition this document lacks keeps its last known leader, so its return shows a change.
  for (const auto& [tp, leader] : now.leaders) last_.leaders[tp] = leader;
  last_.retries = now.retries;
  last_.disconnects = now.disconnects;
}

std::vector<LeaderChange> StatsWatch::take_leader_changes() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

std::uint64_t StatsWatch::retries() const {
  std::lock_guard lock(mutex_);
  return last_.retries;
}

std::uint64_t StatsWatch::disconnects() const {
  std::lock_guard lock(mutex_);
  return last_.disconnects;
}

std::uint64_t StatsWatch::leader_changes_seen() const {
  std::lock_guard lock(mutex_);
  return changes_;
}

nlohmann::json to_json(const StatsWatch& watch) {
  return {{"retries", watch.retries()},
          {"disconnects", watch.disconnects()},
          {"leader_changes", watch.leader_changes_seen()}};
}

std::string summary(const StatsWatch& watch) {
  if (watch.retries() == 0 && watch.disconnects() == 0 && watch.leader_changes_seen() == 0) return {};
  return fmt::format("{} leader change(s), {} request retries, {} broker disconnects", watch.leader_changes_seen(),
                     watch.retries(), watch.disconnects());
}

}  // namespace streamlab::kafka
