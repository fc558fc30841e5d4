#include "kafka/producer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/errors.hpp"

namespace streamlab::kafka {

Producer::Producer(const ClientOptions& options, std::string topic) : topic_(std::move(topic)) {
  // No lost or duplicated messages on retries: the lab lost data; streamlab must not.
  const Properties defaults = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"queue.buffering.max.messages", "500000"},
      {"message.timeout.ms", "60000"},
      {"statistics.interval.ms", kStatsIntervalMs},
  };
  ConfPtr conf = make_conf(options, defaults);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery);
  watch_stats<Producer>(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), this);
  rk_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
  rkt_ = rd_kafka_topic_new(rk_.get(), topic_.c_str(), nullptr);
  if (rkt_ == nullptr) {
    throw core::UsageError(fmt::format("topic '{}': {}", topic_, rd_kafka_err2str(rd_kafka_last_error())));
  }
}

Producer::~Producer() {
  if (rkt_ != nullptr) rd_kafka_topic_destroy(rkt_);
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->acked_.fetch_add(1, std::memory_order_relaxed);
    self->acked_bytes_.fetch_add(msg->len, std::memory_order_relaxed);
    return;
  }
  self->failed_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(self->error_mutex_);
  if (self->first_error_.empty()) self->first_error_ = rd_kafka_err2str(msg->err);
}

void Producer::send(std::string_view payload, std::string_view key, const Headers& headers) {
  std::optional<std::chrono::steady_clock::time_point> unknown_until;
  for (;;) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (headers.empty()) {
      // Without headers the classic call does: it builds no argument list per message.
      if (rd_kafka_produce(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(payload.data()),
                           payload.size(), key.empty() ? nullptr : key.data(), key.size(), nullptr) != 0) {
        err = rd_kafka_last_error();
      }
    } else {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [name, value] : headers) {
        rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
      }
      err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                              RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(hdrs);  // owned by the message on success
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++sent_;
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_.get(), 10);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      // A cluster spreads a new topic to its brokers asynchronously: one that has not heard of it
      // yet answers a metadata request without it, and librdkafka then calls it unknown. Asked
      // again for a while (topic create has seen its leaders), the topic comes back.
      const auto now = std::chrono::steady_clock::now();
      if (!unknown_until) unknown_until = now + kUnknownTopicGrace;
      if (now < *unknown_until) {
        const struct rd_kafka_metadata* md = nullptr;
        if (rd_kafka_metadata(rk_.get(), 0, rkt_, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR)
          rd_kafka_metadata_destroy(md);
        rd_kafka_poll(rk_.get(), 100);
        continue;
      }
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      throw core::RuntimeFailure(fmt::format("a message of {} bytes is larger than message.max.bytes", payload.size()));
    }
    throw core::RuntimeFailure(fmt::format("cannot produce to '{}': {}", topic_, rd_kafka_err2str(err)));
  }
}

void Producer::send_batch(std::span<const std::string_view> payloads) {
  batch_.assign(payloads.size(), rd_kafka_message_t{});
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    batch_[i].payload = const_cast<char*>(payloads[i].data());
    batch_[i].len = payloads[i].size();
  }
  const int taken = rd_kafka_produce_batch(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, batch_.data(),
                                           static_cast<int>(batch_.size()));
  sent_ += static_cast<std::uint64_t>(std::max(taken, 0));
  if (static_cast<std::size_t>(taken) == payloads.size()) return;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    if (batch_[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) send(payloads[i]);  // a full queue: from the first one on
  }
}

void Producer::learn_topic(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    const struct rd_kafka_metadata* md = nullptr;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (rd_kafka_metadata(rk_.get(), 0, rkt_, &md, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      const bool known =
          md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0;
      rd_kafka_metadata_destroy(md);
      if (known) return;
    }
    rd_kafka_poll(rk_.get(), 100);
  } while (std::chrono::steady_clock::now() < deadline);
}

void Producer::poll() { rd_kafka_poll(rk_.get(), 0); }

bool Producer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
  return rd_kafka_outq_len(rk_.get()) == 0;
}

std::string Producer::first_error() const {
  std::lock_guard lock(error_mutex_);
  return first_error_;
}

}  // namespace streamlab::kafka
