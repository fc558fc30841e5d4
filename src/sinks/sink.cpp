#include "sinks/sink.hpp"

#include <algorithm>

namespace streamlab::sinks {

std::map<TopicPartition, OffsetRange> Batch::ranges() const {
  std::map<TopicPartition, OffsetRange> out;
  const Row* last = nullptr;
  OffsetRange* range = nullptr;
  for (const Row& r : rows) {
    // Rows of a partition come in runs: the map is searched where a run starts.
    if (last == nullptr || r.partition() != last->partition() || r.topic() != last->topic()) {
      auto [it, inserted] = out.try_emplace(TopicPartition{std::string(r.topic()), r.partition()},
                                            OffsetRange{r.offset(), r.offset() + 1});
      range = &it->second;
    }
    range->first = std::min(range->first, r.offset());
    range->next = std::max(range->next, r.offset() + 1);
    last = &r;
  }
  return out;
}

RefusedRows::~RefusedRows() {
  for (const Row* r : marked_) r->dead_letter_reason.clear();
}

void RefusedRows::mark(const Row& row, std::string reason) {
  // Only rows that were to be stored as rows are refused; their reason was empty.
  row.dead_letter_reason = std::move(reason);
  marked_.push_back(&row);
}

Offsets fenced_partitions(const Batch& batch, const Offsets& stored) {
  return fenced_partitions(batch, stored, batch.ranges());
}

Offsets fenced_partitions(const Batch& batch, const Offsets& stored,
                          const std::map<TopicPartition, OffsetRange>& ranges) {
  Offsets fenced;
  for (const auto& [tp, range] : ranges) {
    const auto it = stored.find(tp);
    const std::int64_t now = it == stored.end() ? kNoOffset : it->second;
    if (now != batch.expected_of(tp)) fenced[tp] = now;
  }
  return fenced;
}

}  // namespace streamlab::sinks
