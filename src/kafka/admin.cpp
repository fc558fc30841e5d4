#include "kafka/admin.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string_view>
#include <thread>

#include "core/errors.hpp"

namespace streamlab::kafka {
namespace {

constexpr int kAdminTimeoutMs = 15000;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

EventPtr wait_result(rd_kafka_queue_t* q, const char* what) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kAdminTimeoutMs + 2000);
  if (ev == nullptr) throw core::RuntimeFailure(fmt::format("{}: no answer from Kafka", what));
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string reason = rd_kafka_event_error_string(ev);
    rd_kafka_event_destroy(ev);
    throw core::RuntimeFailure(fmt::format("{}: {}", what, reason));
  }
  return EventPtr(ev);
}

std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> admin_options(
    rd_kafka_t* rk, rd_kafka_admin_op_t op) {
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> o(
      rd_kafka_AdminOptions_new(rk, op), &rd_kafka_AdminOptions_destroy);
  char err[256];
  rd_kafka_AdminOptions_set_operation_timeout(o.get(), kAdminTimeoutMs, err, sizeof err);
  rd_kafka_AdminOptions_set_request_timeout(o.get(), kAdminTimeoutMs, err, sizeof err);
  return o;
}

// Throws the broker's reason for the first topic that failed (`tolerated` is not a failure).
void check_results(const rd_kafka_topic_result_t** results, size_t n, const char* action, const std::string& name,
                   rd_kafka_resp_err_t tolerated) {
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == tolerated) continue;
    const char* s = rd_kafka_topic_result_error_string(results[i]);
    throw core::RuntimeFailure(fmt::format("{} topic '{}': {}", action, name, s != nullptr ? s : rd_kafka_err2str(e)));
  }
}

// A producer-type handle (what the Admin API takes); one that would not ask the broker to
// auto-create a topic it only describes.
HandlePtr admin_handle(const ClientOptions& options) {
  return make_handle(RD_KAFKA_PRODUCER, make_conf(options, {{"allow.auto.create.topics", "false"}}));
}

// How long one broker may take to answer a metadata request before wait_until_served leaves it out.
constexpr int kBrokerAnswerMs = 3000;

// Every broker in the cluster's metadata, as "host:port".
std::vector<std::string> broker_addresses(rd_kafka_t* rk) {
  const struct rd_kafka_metadata* md = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, nullptr, &md, kAdminTimeoutMs);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) throw core::RuntimeFailure(fmt::format("metadata: {}", rd_kafka_err2str(e)));
  std::vector<std::string> addresses;
  for (int i = 0; i < md->broker_cnt; ++i) {
    addresses.push_back(fmt::format("{}:{}", md->brokers[i].host, md->brokers[i].port));
  }
  rd_kafka_metadata_destroy(md);
  return addresses;
}

// What keeps the one topic of `md` from being served: empty when it is there with a leader for
// every partition.
std::string unserved(const struct rd_kafka_metadata& md) {
  if (md.topic_cnt != 1) return "not in the metadata";
  const rd_kafka_metadata_topic& t = md.topics[0];
  if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) return rd_kafka_err2str(t.err);
  if (t.partition_cnt == 0) return "no partitions";
  const auto leaderless = std::count_if(t.partitions, t.partitions + t.partition_cnt,
                                        [](const rd_kafka_metadata_partition& p) { return p.leader < 0; });
  return leaderless == 0 ? "" : fmt::format("{} of {} partition(s) without a leader", leaderless, t.partition_cnt);
}

}  // namespace

Admin::Admin(const ClientOptions& options) : options_(for_role(options, RD_KAFKA_PRODUCER)) {
  rk_ = admin_handle(options_);
  require_reachable(rk_.get(), options_.brokers);
}

void Admin::create_topic(const std::string& name, int partitions, int replication_factor, const Properties& configs,
                         bool if_not_exists) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, err, sizeof err);
  if (nt == nullptr) throw core::UsageError(fmt::format("topic '{}': {}", name, err));
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(rk_.get()));
  auto opts = admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(rk_.get(), &nt, 1, opts.get(), q.get());
  rd_kafka_NewTopic_destroy(nt);
  EventPtr ev = wait_result(q.get(), "create topic");
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  check_results(results, n, "create", name,
                if_not_exists ? RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS : RD_KAFKA_RESP_ERR_NO_ERROR);
  wait_until_served(name);
}

void Admin::wait_until_served(const std::string& name) {
  // The controller answers CreateTopics once the topic is decided; each broker learns of it from
  // the cluster's metadata log a moment later, not all at the same moment. A client that asks one
  // that has not yet (librdkafka asks any broker) takes the topic for absent: a consumer group's
  // leader assigns none of it, a producer fails what it queued for it ("Unknown partition", seen on
  // a three-node cluster). So "created" asks every broker in the metadata, each through a client of
  // its own bootstrapped at it alone, until each serves the topic with a leader for every
  // partition. A broker that does not answer (down, not yet fenced) serves no client: left out.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAdminTimeoutMs);
  for (const std::string& address : broker_addresses(rk_.get())) {
    ClientOptions alone = options_;
    alone.brokers = address;
    HandlePtr rk = admin_handle(alone);
    while (true) {
      std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> rkt(
          rd_kafka_topic_new(rk.get(), name.c_str(), nullptr), &rd_kafka_topic_destroy);
      const struct rd_kafka_metadata* md = nullptr;
      if (rd_kafka_metadata(rk.get(), 0, rkt.get(), &md, kBrokerAnswerMs) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
      // Its own answer: librdkafka names the broker that answered "[protocol://]host:port/<node id
      // or bootstrap>" (sasl_ssl:// on a secured listener).
      std::string_view answered = md->orig_broker_name;
      if (const auto scheme = answered.find("://"); scheme != std::string_view::npos)
        answered.remove_prefix(scheme + 3);
      const bool its_own = answered.rfind(address + "/", 0) == 0;
      const std::string missing = its_own ? unserved(*md) : "answered by another broker";
      rd_kafka_metadata_destroy(md);
      if (missing.empty()) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        throw core::RuntimeFailure(
            fmt::format("topic '{}' was created but the broker at {} does not serve it after {} s: {}", name, address,
                        kAdminTimeoutMs / 1000, missing));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void Admin::delete_topic(const std::string& name) {
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(name.c_str());
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(rk_.get()));
  auto opts = admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_DeleteTopics(rk_.get(), &dt, 1, opts.get(), q.get());
  rd_kafka_DeleteTopic_destroy(dt);
  EventPtr ev = wait_result(q.get(), "delete topic");
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  check_results(results, n, "delete", name, RD_KAFKA_RESP_ERR_NO_ERROR);
}

int Admin::broker_count() { return static_cast<int>(broker_addresses(rk_.get()).size()); }

std::vector<TopicInfo> Admin::describe(const std::string& name, bool watermarks) {
  return describe_topics(rk_.get(), name, watermarks);
}

std::vector<TopicInfo> describe_topics(rd_kafka_t* rk, const std::string& name, bool watermarks) {
  const struct rd_kafka_metadata* md = nullptr;
  rd_kafka_topic_t* rkt = name.empty() ? nullptr : rd_kafka_topic_new(rk, name.c_str(), nullptr);
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, rkt == nullptr ? 1 : 0, rkt, &md, kAdminTimeoutMs);
  if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw core::RuntimeFailure(fmt::format("describe: {}", rd_kafka_err2str(e)));
  }
  std::vector<TopicInfo> topics;
  for (int t = 0; t < md->topic_cnt; ++t) {
    const rd_kafka_metadata_topic& mt = md->topics[t];
    std::string tname = mt.topic;
    if (name.empty() && tname.rfind("__", 0) == 0) continue;
    TopicInfo info{tname, {}, mt.err ? rd_kafka_err2str(mt.err) : ""};
    for (int p = 0; p < mt.partition_cnt; ++p) {
      const rd_kafka_metadata_partition& mp = mt.partitions[p];
      PartitionInfo pi;
      pi.id = mp.id;
      pi.leader = mp.leader;
      pi.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
      pi.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
      if (mp.err) pi.error = rd_kafka_err2str(mp.err);
      if (watermarks) {
        rd_kafka_query_watermark_offsets(rk, mt.topic, mp.id, &pi.low, &pi.high, kAdminTimeoutMs);
      }
      info.partitions.push_back(std::move(pi));
    }
    std::sort(info.partitions.begin(), info.partitions.end(),
              [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
    topics.push_back(std::move(info));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(topics.begin(), topics.end(), [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  return topics;
}

}  // namespace streamlab::kafka
