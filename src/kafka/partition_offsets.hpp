#pragma once
// What one partition of a topic holds: its watermarks and the offsets of the messages between
// them. Offsets are kept as runs of consecutive offsets, so a partition of millions of messages
// costs a few bytes unless compaction or transaction markers cut it into pieces. Plain data,
// no I/O: kafka/topic_scan.hpp fills it, sinks/verify_report.hpp reads it.

#include <cstdint>
#include <vector>

namespace streamlab::kafka {

// The offsets first, first + 1, ..., next - 1.
struct OffsetRun {
  std::int64_t first = 0;
  std::int64_t next = 0;
  bool operator==(const OffsetRun&) const = default;
};

// A set of offsets as ascending, disjoint, non-adjacent runs.
class OffsetRuns {
 public:
  OffsetRuns() = default;
  OffsetRuns(std::initializer_list<OffsetRun> runs);  // for tests; runs in ascending order

  // Adds `offset`. Offsets come in ascending order (a partition is read in order); one not
  // above the last added is ignored, as a message delivered again.
  void add(std::int64_t offset);
  const std::vector<OffsetRun>& runs() const { return runs_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<OffsetRun> runs_;
  std::uint64_t count_ = 0;
};

struct PartitionOffsets {
  std::int32_t partition = 0;
  std::int64_t low = 0;   // low watermark: the first offset still held
  std::int64_t high = 0;  // high watermark: one past the last offset written
  OffsetRuns present;     // within [low, high): the offsets a reader was given a message for
};

}  // namespace streamlab::kafka
