#pragma once
// The read-back side of a sink, for `streamlab verify`: what it holds for one topic and group.
// Each sink's inventory lives beside it (postgres/, redis/, ignite/) and reuses its address and
// connection code; it only reads, never creates tables or keys.
//
// A consistent read needs a pipeline at rest (consume --until-end has finished): PostgreSQL's
// is one snapshot, but Redis and Ignite are read a page at a time, so rows a running consumer
// stores meanwhile may show as extra rows or as an offset that does not match.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sinks/sink.hpp"  // RetryableError, FatalError

namespace streamlab::sinks {

struct PartitionHoldings {
  std::vector<std::int64_t> rows;             // the offset of every row held, in any order;
  std::vector<std::int64_t> dead_letters;     // an offset held twice appears twice
  std::optional<std::int64_t> stored_offset;  // the group's next offset; none: never stored
};

struct SinkHoldings {
  std::map<std::int32_t, PartitionHoldings> partitions;  // only partitions with something held
  // What the read-back found odd beyond the offsets (e.g. Redis index entries naming a key that
  // is gone), one line each, for the person reading the report.
  std::vector<std::string> notes;
};

class SinkInventory {
 public:
  virtual ~SinkInventory() = default;
  virtual std::string describe() const = 0;  // for output: where and which table, no secrets

  // Reads the offsets of `topic`'s rows and dead letters, and `group`'s stored offsets, in pages.
  // Throws core::UsageError when the table the options name does not exist, RetryableError when
  // the store is unreachable, FatalError when it refuses (authentication, permission).
  virtual SinkHoldings holdings(const std::string& topic, const std::string& group) = 0;
};

}  // namespace streamlab::sinks
