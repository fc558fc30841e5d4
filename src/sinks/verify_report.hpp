#pragma once
// `streamlab verify`'s judgement, without I/O: what a topic holds (per partition, the offsets of
// its messages between the watermarks) against what a sink holds for it (the offsets of its rows
// and dead letters, and the group's stored next offset), as a report per partition.
//
// A partition passes when
// - every offset the topic holds is held exactly once, as a row or as a dead letter;
// - nothing is held at or past the topic's high watermark (no message was ever there);
// - the stored offset is one past the highest offset held (none when nothing is held), so a
//   consumer resuming from it neither stores a message again nor skips one.
// Offsets held below the high watermark that the topic no longer has (retention or compaction
// removed them after they were stored) are reported as `gone` and do not fail the check; gaps
// in the topic itself (compaction, transaction markers, aborted messages) are not expected.

#include <cstdint>
#include <optional>
#include <vector>

#include "kafka/partition_offsets.hpp"
#include "sinks/sink_inventory.hpp"

namespace streamlab::sinks {

// How many offsets, and the lowest few of them.
struct OffsetSample {
  std::uint64_t count = 0;
  std::vector<std::int64_t> first;
};

struct DuplicateOffset {
  std::int64_t offset = 0;
  std::uint32_t rows = 0;          // held as a row this many times
  std::uint32_t dead_letters = 0;  // and as a dead letter this many times
  bool operator==(const DuplicateOffset&) const = default;
};

struct PartitionReport {
  std::int32_t partition = 0;
  bool in_topic = true;  // false: the sink holds a partition the topic does not have
  std::int64_t low = 0, high = 0;
  std::uint64_t expected = 0;  // messages the topic holds
  std::uint64_t rows = 0;      // rows held (a row held twice counts twice)
  std::uint64_t dead_letters = 0;
  OffsetSample missing;  // offsets of the topic held neither as a row nor as a dead letter
  // Of the missing, those at or past the stored offset (all of them without one): not lost, the
  // group has not stored them yet.
  std::uint64_t missing_not_consumed = 0;
  std::uint64_t duplicated = 0;  // offsets held more than once
  std::vector<DuplicateOffset> first_duplicated;
  OffsetSample beyond_end;  // held at or past the high watermark
  OffsetSample gone;        // held below the high watermark, no longer in the topic
  std::optional<std::int64_t> stored_offset;
  std::optional<std::int64_t> expected_stored_offset;  // one past the highest offset held
  std::uint64_t held_at_or_past_stored = 0;            // rows and dead letters a resume would store again

  bool offset_ok() const { return stored_offset == expected_stored_offset; }
  bool ok() const { return missing.count == 0 && duplicated == 0 && beyond_end.count == 0 && offset_ok(); }
};

struct VerifyReport {
  std::vector<PartitionReport> partitions;  // by partition id: the topic's, then any others held
  bool ok() const;
};

// `samples`: how many offsets each OffsetSample (and first_duplicated) lists.
VerifyReport compare(const std::vector<kafka::PartitionOffsets>& topic, const SinkHoldings& sink,
                     std::size_t samples = 5);

}  // namespace streamlab::sinks
