#include "commands/end_of_topics.hpp"

#include <algorithm>

namespace streamlab::commands {

using kafka::TopicPartition;

EndOfTopics::EndOfTopics(std::vector<std::string> topics, std::string group, kafka::Consumer& consumer,
                         sinks::Sink* sink, sinks::SinkRunner* runner, const kafka::ClientOptions& client)
    : topics_(std::move(topics)),
      group_(std::move(group)),
      consumer_(consumer),
      admin_(client),
      sink_(sink),
      runner_(runner) {}

bool EndOfTopics::own_partitions_done() const {
  const auto& own = consumer_.progress();
  if (own.empty() || (runner_ != nullptr && !runner_->settled())) return false;
  return std::all_of(own.begin(), own.end(), [&](const auto& p) {
    const auto it = target_.find(p.first);
    return it == target_.end() || p.second.read_to >= it->second || p.second.at_end;
  });
}

bool EndOfTopics::learn_targets() {
  for (const auto& topic : topics_) {
    // Metadata first (one request); watermarks only for partitions without a target yet.
    for (const kafka::TopicInfo& info : admin_.describe(topic, /*watermarks=*/false)) {
      if (!info.error.empty() || info.partitions.empty()) return false;
      for (const kafka::PartitionInfo& p : info.partitions) {
        const TopicPartition tp{info.name, p.id};
        if (target_.contains(tp)) continue;
        std::int64_t low = -1, high = -1;
        if (rd_kafka_query_watermark_offsets(admin_.handle(), info.name.c_str(), p.id, &low, &high, 5000) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            high < 0) {
          return false;
        }
        target_.emplace(tp, high);
        low_[tp] = low;
      }
    }
  }
  return true;
}

bool EndOfTopics::reached() {
  if (!own_partitions_done()) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return false;
  next_check_ = now + std::chrono::milliseconds(500);
  try {
    if (!learn_targets()) return false;
    const auto& own = consumer_.progress();
    std::vector<TopicPartition> others;
    for (const auto& [tp, high] : target_) {
      if (high <= low_.at(tp)) continue;  // nothing to read
      if (const auto it = own.find(tp); it != own.end()) {
        if (it->second.read_to < high && !(runner_ != nullptr && runner_->stored(tp) >= high)) return false;
      } else {
        others.push_back(tp);
      }
    }
    if (others.empty()) return true;
    const kafka::Offsets stored =
        sink_ != nullptr ? sink_->stored_offsets(group_, others) : consumer_.committed(others);
    return std::all_of(others.begin(), others.end(), [&](const TopicPartition& tp) {
      const auto it = stored.find(tp);
      return it != stored.end() && it->second >= target_.at(tp);
    });
  } catch (const std::exception&) {
    return false;  // the cluster or the sink is busy or out: asked again later
  }
}

}  // namespace streamlab::commands
