#pragma once
// Which offsets a topic's partitions hold, read from the low to the high watermark by a plain
// consumer assigned to every partition: no group, nothing committed, only offsets kept.
//
// What it sees is what a group member reading the topic sees: with librdkafka's default
// isolation.level (read_committed, changeable with -X like any property) aborted messages and
// transaction markers are gaps, as are offsets compaction removed; offsets retention removes
// during the scan are skipped (auto.offset.reset=earliest) and so not expected either.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kafka/client_config.hpp"
#include "kafka/partition_offsets.hpp"

namespace streamlab::kafka {

struct TopicScanOptions {
  // A partition that yields nothing for this long before its high watermark (an open
  // transaction holding read_committed back, a broker gone) fails the scan.
  std::chrono::milliseconds stall{30000};
};

// `partitions`: the topic's partition ids. The watermarks are read at the start; messages
// produced during the scan are past them and not read. Throws RuntimeFailure when Kafka cannot
// be reached or a partition stalls, UsageError for a rejected -X property.
std::vector<PartitionOffsets> scan_topic(const ClientOptions& options, const std::string& topic,
                                         const std::vector<std::int32_t>& partitions, TopicScanOptions scan = {});

}  // namespace streamlab::kafka
