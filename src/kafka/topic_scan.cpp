#include "kafka/topic_scan.hpp"

#include <fmt/format.h>

#include <map>
#include <memory>

#include "core/errors.hpp"

namespace streamlab::kafka {
namespace {

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using List = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

constexpr int kWatermarkTimeoutMs = 10000;
constexpr std::size_t kBatch = 10000;

}  // namespace

std::vector<PartitionOffsets> scan_topic(const ClientOptions& options, const std::string& topic,
                                         const std::vector<std::int32_t>& partitions, TopicScanOptions scan) {
  // librdkafka's assign() wants a group.id; this one never joins a group (no subscribe) and
  // never commits, so the broker never hears of it.
  HandlePtr rk = make_handle(RD_KAFKA_CONSUMER, make_conf(options, {
                                                                       {"group.id", "streamlab-verify-scan"},
                                                                       {"enable.auto.commit", "false"},
                                                                       {"enable.auto.offset.store", "false"},
                                                                       {"enable.partition.eof", "true"},
                                                                       {"auto.offset.reset", "earliest"},
                                                                   }));
  require_reachable(rk.get(), options.brokers);

  std::vector<PartitionOffsets> out;
  std::map<std::int32_t, std::size_t> pending;  // partition → index in out, until read to its high
  List assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const std::int32_t p : partitions) {
    PartitionOffsets po;
    po.partition = p;
    const rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &po.low, &po.high, kWatermarkTimeoutMs);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw core::RuntimeFailure(fmt::format("{} [{}]: cannot read the watermarks: {}", topic, p, rd_kafka_err2str(e)));
    }
    if (po.high > po.low) {
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = po.low;
      pending[p] = out.size();
    }
    out.push_back(std::move(po));
  }
  if (pending.empty()) return out;
  if (const auto e = rd_kafka_assign(rk.get(), assignment.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw core::RuntimeFailure(fmt::format("{}: cannot assign its partitions: {}", topic, rd_kafka_err2str(e)));
  }
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_get_consumer(rk.get()),
                                                                             &rd_kafka_queue_destroy);

  // A partition is done once a message or its end reaches the high watermark read above; it is
  // then paused, so nothing produced since is fetched.
  const auto done = [&](std::int32_t p) {
    pending.erase(p);
    List one(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(one.get(), topic.c_str(), p);
    rd_kafka_pause_partitions(rk.get(), one.get());
  };
  std::vector<rd_kafka_message_t*> batch(kBatch);
  auto last_progress = std::chrono::steady_clock::now();
  std::string last_error;
  while (!pending.empty()) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue.get(), 100, batch.data(), batch.size());
    const auto now = std::chrono::steady_clock::now();
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
      const auto it = pending.find(m->partition);
      if (it != pending.end()) {
        PartitionOffsets& po = out[it->second];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (m->offset < po.high) po.present.add(m->offset);
          if (m->offset + 1 >= po.high) done(m->partition);
          last_progress = now;
        } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          if (m->offset >= po.high) done(m->partition);
          last_progress = now;
        } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
          char reason[512];
          rd_kafka_fatal_error(rk.get(), reason, sizeof reason);
          rd_kafka_message_destroy(m);
          for (ssize_t j = i + 1; j < n; ++j) rd_kafka_message_destroy(batch[static_cast<std::size_t>(j)]);
          throw core::RuntimeFailure(fmt::format("reading {}: {}", topic, reason));
        } else {
          last_error = rd_kafka_message_errstr(m);  // transient: librdkafka retries by itself
        }
      }
      rd_kafka_message_destroy(m);
    }
    if (n < 0)
      throw core::RuntimeFailure(fmt::format("reading {}: {}", topic, rd_kafka_err2str(rd_kafka_last_error())));
    if (now - last_progress >= scan.stall) {
      std::string where;
      for (const auto& [p, i] : pending) where += fmt::format(" [{}] high watermark {}", p, out[i].high);
      throw core::RuntimeFailure(fmt::format(
          "reading {}: nothing more came for {} s from partition(s){}{} (an open transaction, or the broker "
          "is gone?)",
          topic, std::chrono::duration_cast<std::chrono::seconds>(scan.stall).count(), where,
          last_error.empty() ? "" : "; last error: " + last_error));
    }
  }
  return out;
}

}  // namespace streamlab::kafka
