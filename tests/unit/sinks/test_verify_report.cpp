// streamlab verify's comparison: what the topic holds against what the sink holds, per partition.

#include <gtest/gtest.h>

#include <numeric>

#include "sinks/verify_report.hpp"

using streamlab::kafka::OffsetRuns;
using streamlab::kafka::PartitionOffsets;
using streamlab::sinks::compare;
using streamlab::sinks::DuplicateOffset;
using streamlab::sinks::PartitionHoldings;
using streamlab::sinks::PartitionReport;
using streamlab::sinks::SinkHoldings;

namespace {

std::vector<std::int64_t> range(std::int64_t first, std::int64_t next) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(next - first));
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::vector<std::int64_t> without(std::vector<std::int64_t> v, std::initializer_list<std::int64_t> drop) {
  for (const auto d : drop) std::erase(v, d);
  return v;
}

// A partition whose offsets low..high-1 are all there.
PartitionOffsets dense(std::int32_t id, std::int64_t low, std::int64_t high) {
  PartitionOffsets p{.partition = id, .low = low, .high = high, .present = {}};
  for (std::int64_t o = low; o < high; ++o) p.present.add(o);
  return p;
}

PartitionReport only(const std::vector<PartitionOffsets>& topic, const SinkHoldings& sink) {
  const auto report = compare(topic, sink);
  EXPECT_EQ(report.partitions.size(), 1u);
  return report.partitions.at(0);
}

}  // namespace

TEST(VerifyReport, EverythingOnceWithMatchingOffsetsPasses) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = without(range(0, 100), {40, 41}), .dead_letters = {41, 40}, .stored_offset = 100};
  sink.partitions[1] = {.rows = range(0, 50), .dead_letters = {}, .stored_offset = 50};
  const auto report = compare({dense(0, 0, 100), dense(1, 0, 50), dense(2, 0, 0)}, sink);
  ASSERT_EQ(report.partitions.size(), 3u);
  EXPECT_TRUE(report.ok());
  const PartitionReport& p0 = report.partitions[0];
  EXPECT_EQ(p0.expected, 100u);
  EXPECT_EQ(p0.rows, 98u);
  EXPECT_EQ(p0.dead_letters, 2u);
  EXPECT_EQ(p0.missing.count, 0u);
  EXPECT_EQ(p0.duplicated, 0u);
  EXPECT_EQ(p0.expected_stored_offset, 100);
  EXPECT_TRUE(p0.offset_ok());
  // An empty partition with nothing held and nothing stored is fine.
  EXPECT_EQ(report.partitions[2].expected, 0u);
  EXPECT_FALSE(report.partitions[2].expected_stored_offset.has_value());
  EXPECT_TRUE(report.partitions[2].ok());
}

TEST(VerifyReport, MissingOffsetsAreCountedAndTheFirstListed) {
  SinkHoldings sink;
  sink.partitions[0] = {
      .rows = without(range(0, 100), {3, 7, 50, 51, 52, 53, 54, 55}), .dead_letters = {}, .stored_offset = 100};
  const PartitionReport p = only({dense(0, 0, 100)}, sink);
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.offset_ok());
  EXPECT_EQ(p.missing.count, 8u);
  EXPECT_EQ(p.missing.first, (std::vector<std::int64_t>{3, 7, 50, 51, 52}));
  EXPECT_EQ(p.missing_not_consumed, 0u);  // below the stored offset: lost, not pending
}

TEST(VerifyReport, MissingAtOrPastTheStoredOffsetIsNotConsumedYet) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 60), .dead_letters = {}, .stored_offset = 60};
  const PartitionReport p = only({dense(0, 0, 100)}, sink);
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.offset_ok());
  EXPECT_EQ(p.missing.count, 40u);
  EXPECT_EQ(p.missing.first.front(), 60);
  EXPECT_EQ(p.missing_not_consumed, 40u);
}

TEST(VerifyReport, APartitionWithNothingHeldMissesEverything) {
  const PartitionReport p = only({dense(0, 10, 20)}, SinkHoldings{});
  EXPECT_EQ(p.missing.count, 10u);
  EXPECT_EQ(p.missing.first, (std::vector<std::int64_t>{10, 11, 12, 13, 14}));
  EXPECT_EQ(p.missing_not_consumed, 10u);  // no stored offset: the group never stored any
  EXPECT_TRUE(p.offset_ok());              // nothing held, nothing stored
  EXPECT_FALSE(p.ok());
}

TEST(VerifyReport, AnOffsetHeldAsARowAndADeadLetterIsDuplicated) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 10), .dead_letters = {4}, .stored_offset = 10};
  const PartitionReport p = only({dense(0, 0, 10)}, sink);
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.duplicated, 1u);
  EXPECT_EQ(p.first_duplicated, (std::vector<DuplicateOffset>{{.offset = 4, .rows = 1, .dead_letters = 1}}));
  EXPECT_EQ(p.missing.count, 0u);
  EXPECT_EQ(p.rows + p.dead_letters, 11u);
}

TEST(VerifyReport, AnOffsetListedTwiceIsDuplicated) {
  SinkHoldings sink;
  auto rows = range(0, 10);
  rows.insert(rows.end(), {9, 2, 2});
  sink.partitions[0] = {.rows = rows, .dead_letters = {7, 7}, .stored_offset = 10};
  const PartitionReport p = only({dense(0, 0, 10)}, sink);
  EXPECT_EQ(p.duplicated, 3u);
  EXPECT_EQ(p.first_duplicated, (std::vector<DuplicateOffset>{{2, 3, 0}, {7, 1, 2}, {9, 2, 0}}));
  EXPECT_FALSE(p.ok());
}

TEST(VerifyReport, AStoredOffsetMovedBackWouldStoreRowsAgain) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 100), .dead_letters = {}, .stored_offset = 95};
  const PartitionReport p = only({dense(0, 0, 100)}, sink);
  EXPECT_FALSE(p.offset_ok());
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.expected_stored_offset, 100);
  EXPECT_EQ(p.held_at_or_past_stored, 5u);
  EXPECT_EQ(p.missing.count, 0u);
}

TEST(VerifyReport, AStoredOffsetMovedForwardWouldSkipMessages) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 80), .dead_letters = {}, .stored_offset = 90};
  const PartitionReport p = only({dense(0, 0, 100)}, sink);
  EXPECT_FALSE(p.offset_ok());
  EXPECT_EQ(p.expected_stored_offset, 80);
  EXPECT_EQ(p.missing.count, 20u);
  EXPECT_EQ(p.missing_not_consumed, 10u);  // 90..99; 80..89 would never be read again
  EXPECT_EQ(p.held_at_or_past_stored, 0u);
}

TEST(VerifyReport, StoredOffsetWithoutRowsOrRowsWithoutStoredOffsetMismatch) {
  SinkHoldings stored_only;
  stored_only.partitions[0] = {.rows = {}, .dead_letters = {}, .stored_offset = 10};
  PartitionReport p = only({dense(0, 0, 0)}, stored_only);
  EXPECT_FALSE(p.offset_ok());
  EXPECT_FALSE(p.expected_stored_offset.has_value());

  SinkHoldings rows_only;
  rows_only.partitions[0] = {.rows = range(0, 10), .dead_letters = {}, .stored_offset = std::nullopt};
  p = only({dense(0, 0, 10)}, rows_only);
  EXPECT_FALSE(p.offset_ok());
  EXPECT_EQ(p.expected_stored_offset, 10);
  EXPECT_EQ(p.missing.count, 0u);
}

TEST(VerifyReport, GapsInTheTopicAreNotMissing) {
  // Transaction markers at 5 and at 10 (the last offset): the topic's high watermark is 11,
  // but the last message is at 9, so the consumer stored 10 as its next offset.
  PartitionOffsets p{.partition = 0, .low = 0, .high = 11, .present = OffsetRuns{{0, 5}, {6, 10}}};
  SinkHoldings sink;
  sink.partitions[0] = {.rows = without(range(0, 10), {5}), .dead_letters = {}, .stored_offset = 10};
  const PartitionReport r = only({p}, sink);
  EXPECT_EQ(r.expected, 9u);
  EXPECT_EQ(r.missing.count, 0u);
  EXPECT_EQ(r.gone.count, 0u);
  EXPECT_TRUE(r.ok());

  // A hole in the middle of a run is still missing.
  sink.partitions[0].rows = without(range(0, 10), {5, 7});
  const PartitionReport r2 = only({p}, sink);
  EXPECT_EQ(r2.missing.first, (std::vector<std::int64_t>{7}));
}

TEST(VerifyReport, RowsTheTopicNoLongerHoldsAreGoneNotFailures) {
  // Retention removed 0..49 and compaction 60..69 after they were stored.
  PartitionOffsets p{.partition = 0, .low = 50, .high = 100, .present = OffsetRuns{{50, 60}, {70, 100}}};
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 100), .dead_letters = {}, .stored_offset = 100};
  const PartitionReport r = only({p}, sink);
  EXPECT_EQ(r.expected, 40u);
  EXPECT_EQ(r.gone.count, 60u);
  EXPECT_EQ(r.gone.first, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(r.missing.count, 0u);
  EXPECT_TRUE(r.ok());

  // Everything removed by retention: an empty partition whose watermarks moved on.
  const PartitionReport r2 = only({dense(0, 100, 100)}, sink);
  EXPECT_EQ(r2.expected, 0u);
  EXPECT_EQ(r2.gone.count, 100u);
  EXPECT_TRUE(r2.ok());
}

TEST(VerifyReport, RowsAtOrPastTheHighWatermarkFail) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 12), .dead_letters = {}, .stored_offset = 12};
  const PartitionReport r = only({dense(0, 0, 10)}, sink);
  EXPECT_EQ(r.beyond_end.count, 2u);
  EXPECT_EQ(r.beyond_end.first, (std::vector<std::int64_t>{10, 11}));
  EXPECT_TRUE(r.offset_ok());
  EXPECT_FALSE(r.ok());
}

TEST(VerifyReport, APartitionTheTopicDoesNotHaveIsReported) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = range(0, 5), .dead_letters = {}, .stored_offset = 5};
  sink.partitions[3] = {.rows = {0, 1}, .dead_letters = {}, .stored_offset = 2};
  const auto report = compare({dense(0, 0, 5), dense(1, 0, 0)}, sink);
  ASSERT_EQ(report.partitions.size(), 3u);
  EXPECT_TRUE(report.partitions[0].ok());
  EXPECT_TRUE(report.partitions[1].ok());
  const PartitionReport& extra = report.partitions[2];
  EXPECT_EQ(extra.partition, 3);
  EXPECT_FALSE(extra.in_topic);
  EXPECT_EQ(extra.beyond_end.count, 2u);
  EXPECT_FALSE(report.ok());
}

TEST(VerifyReport, SamplesAreBoundedButCountsAreNot) {
  SinkHoldings sink;
  sink.partitions[0] = {.rows = {0}, .dead_letters = {}, .stored_offset = 1};
  const auto report = compare({dense(0, 0, 1'000'000)}, sink, 3);
  const PartitionReport& p = report.partitions.at(0);
  EXPECT_EQ(p.missing.count, 999'999u);
  EXPECT_EQ(p.missing.first, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(p.missing_not_consumed, 999'999u);
}
