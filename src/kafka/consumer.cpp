#include "kafka/consumer.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"

namespace streamlab::kafka {

Consumer::Consumer(const ClientOptions& options, std::string group, std::vector<std::string> topics,
                   StartFrom from, RebalanceListener* listener)
    : from_(from), listener_(listener) {
  const Properties defaults = {
      {"group.id", group},
      // Where the group has no committed offset yet: --from stored then reads everything.
      {"auto.offset.reset", from == StartFrom::End ? "latest" : "earliest"},
      {"enable.auto.commit", listener == nullptr ? "true" : "false"},
      {"enable.partition.eof", "false"},
      // The eager protocol: our rebalance callback assigns whole partition sets.
      {"partition.assignment.strategy", "range,roundrobin"},
  };
  ConfPtr conf = make_conf(options, defaults);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &Consumer::on_rebalance);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rk_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(rk_.get());
  require_reachable(rk_.get(), options.brokers);

  rd_kafka_topic_partition_list_t* subscription =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(subscription, t.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_.get(), subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw core::RuntimeFailure(fmt::format("cannot subscribe: {}", rd_kafka_err2str(e)));
  }
}

Consumer::~Consumer() { close(); }

void Consumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ++self->assignments_;
    for (int i = 0; i < parts->cnt; ++i) {
      auto& p = parts->elems[i];
      const bool first_time = self->started_.emplace(p.topic, p.partition).second;
      if (first_time && self->from_ == StartFrom::Beginning) p.offset = RD_KAFKA_OFFSET_BEGINNING;
      if (first_time && self->from_ == StartFrom::End) p.offset = RD_KAFKA_OFFSET_END;
    }
    if (self->listener_ != nullptr) self->listener_->on_assign(parts);
    rd_kafka_assign(rk, parts);
  } else {
    if (self->listener_ != nullptr) self->listener_->on_revoke(parts);
    rd_kafka_assign(rk, nullptr);
  }
}

std::size_t Consumer::poll(std::vector<MessagePtr>& out, std::size_t max,
                           std::chrono::milliseconds timeout) {
  std::size_t n = 0;
  int wait_ms = static_cast<int>(timeout.count());
  while (n < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), wait_ms);
    if (m == nullptr) break;
    wait_ms = 0;  // only the first message is waited for
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      char reason[512];
      if (m->err == RD_KAFKA_RESP_ERR__FATAL &&
          rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::string text = reason;
        rd_kafka_message_destroy(m);
        throw core::RuntimeFailure(fmt::format("fatal consumer error: {}", text));
      }
    }
    out.emplace_back(m);
    ++n;
  }
  return n;
}

namespace {
void with_assignment(rd_kafka_t* rk, rd_kafka_resp_err_t (*action)(rd_kafka_t*, rd_kafka_topic_partition_list_t*)) {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts != nullptr) {
    action(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
  }
}
}  // namespace

void Consumer::pause() { with_assignment(rk_.get(), rd_kafka_pause_partitions); }
void Consumer::resume() { with_assignment(rk_.get(), rd_kafka_resume_partitions); }

void Consumer::commit_async(const Offsets& next_offsets) {
  if (next_offsets.empty()) return;
  rd_kafka_topic_partition_list_t* parts =
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (const auto& [p, next] : next_offsets) {
    rd_kafka_topic_partition_list_add(parts, p.topic.c_str(), p.partition)->offset = next;
  }
  rd_kafka_commit(rk_.get(), parts, 1);
  rd_kafka_topic_partition_list_destroy(parts);
}

void Consumer::close() {
  if (closed_ || !rk_) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_.get());
}

}  // namespace streamlab::kafka
