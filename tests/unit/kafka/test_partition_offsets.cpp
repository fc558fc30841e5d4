// kafka::OffsetRuns: the offsets a topic holds, as runs of consecutive offsets.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kafka/partition_offsets.hpp"

using streamlab::kafka::OffsetRun;
using streamlab::kafka::OffsetRuns;

TEST(OffsetRuns, MergesConsecutiveOffsetsAndKeepsGaps) {
  OffsetRuns r;
  for (const std::int64_t o : {0, 1, 2, 4, 5, 9}) r.add(o);
  r.add(5);  // delivered again: ignored
  r.add(3);  // below the last: ignored
  EXPECT_EQ(r.count(), 6u);
  EXPECT_EQ(r.runs(), (std::vector<OffsetRun>{{0, 3}, {4, 6}, {9, 10}}));
  EXPECT_EQ(OffsetRuns({{0, 3}, {4, 6}}).runs(), (std::vector<OffsetRun>{{0, 3}, {4, 6}}));
}
