#pragma once
// What streamlab reads from librdkafka's statistics (statistics.interval.ms, every second by
// default): how many requests were retried and connections lost, and which broker leads each
// partition, so that a producer's or consumer's status says when a partition's leader changed (a
// broker failed and another took over) and its summary what the client went through. Messages
// in flight on a lost connection are sent again without counting as request retries; the
// producer's longest wait for an acknowledgement shows that outage.

#include <librdkafka/rdkafka.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamlab::kafka {

constexpr std::int32_t kNoLeader = -1;

struct LeaderChange {
  std::string topic;
  std::int32_t partition = 0;
  std::int32_t from = kNoLeader, to = kNoLeader;  // broker ids; kNoLeader while there is none
};

// "topic 'orders' partition 1: leader 2 -> 3" ("none" for kNoLeader).
std::string describe(const LeaderChange& change);

struct ClientStats {
  std::uint64_t retries = 0;      // requests retried, over all brokers (their txretries)
  std::uint64_t disconnects = 0;  // connections to a broker lost, over all brokers
  std::map<std::pair<std::string, std::int32_t>, std::int32_t> leaders;  // (topic, partition) -> broker
};

// One statistics document; what it lacks stays zero or absent. Throws nothing: a document
// that does not parse gives empty statistics (librdkafka writes them; a status line is no
// place to fail).
ClientStats parse_client_stats(std::string_view json);

// The partitions known to both whose leader differs, in (topic, partition) order.
std::vector<LeaderChange> leader_changes(const ClientStats& before, const ClientStats& after);

// The latest statistics of one client handle: librdkafka's thread of the client writes them
// (the statistics callback, see watch_stats), the command's thread reads them.
class StatsWatch {
 public:
  void update(std::string_view json);
  // The leader changes seen since the previous call.
  std::vector<LeaderChange> take_leader_changes();
  std::uint64_t retries() const;
  std::uint64_t disconnects() const;
  std::uint64_t leader_changes_seen() const;

 private:
  mutable std::mutex mutex_;
  ClientStats last_;
  std::vector<LeaderChange> pending_;
  std::uint64_t changes_ = 0;
};

// {"retries": n, "disconnects": n, "leader_changes": n}, for a command's --json summary.
nlohmann::json to_json(const StatsWatch& watch);
// "2 leader change(s), 0 request retries, 3 broker disconnects" for a summary; "" when neither happened.
std::string summary(const StatsWatch& watch);

// Routes the statistics of the handle made from `conf` to `Client::stats_watch()`, `Client`
// being the configuration's opaque.
template <class Client>
void watch_stats(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_stats_cb(conf, [](rd_kafka_t*, char* json, std::size_t len, void* opaque) {
    static_cast<Client*>(opaque)->stats_watch().update(std::string_view(json, len));
    return 0;  // librdkafka frees the document
  });
}

// The statistics interval streamlab's producers and consumers ask for unless -X sets one.
inline constexpr const char* kStatsIntervalMs = "1000";

}  // namespace streamlab::kafka
