#include "kafka/partition_offsets.hpp"

namespace streamlab::kafka {

OffsetRuns::OffsetRuns(std::initializer_list<OffsetRun> runs) {
  for (const OffsetRun& r : runs) {
    for (std::int64_t o = r.first; o < r.next; ++o) add(o);
  }
}

void OffsetRuns::add(std::int64_t offset) {
  if (!runs_.empty() && offset < runs_.back().next) return;
  if (!runs_.empty() && offset == runs_.back().next) {
    ++runs_.back().next;
  } else {
    runs_.push_back({offset, offset + 1});
  }
  ++count_;
}

}  // namespace streamlab::kafka
