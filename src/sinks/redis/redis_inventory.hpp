#pragma once
// What a Redis sink holds for one topic (streamlab verify), read a page at a time: the topic's
// index list (LRANGE of 10,000 keys per page), each key checked to exist (one EXISTS per page;
// one per key only for a page where some are gone), the dead letters' list filtered to the
// topic, and the group's offsets hash. A row's offset is read from its key,
// <prefix>:msg:<topic>:<partition>:<offset>; an index entry of another form (the by-id keys of
// earlier versions) from its hash's topic, partition and offset fields. Writes nothing.
//
// Not one snapshot: with a consumer still writing, rows stored during the read may be counted
// or not, and the offsets (read first) may lag behind them.

#include <string>

#include "sinks/redis/redis_uri.hpp"
#include "sinks/sink_inventory.hpp"

namespace streamlab::sinks {

class RedisInventory final : public SinkInventory {
 public:
  // `prefix` as consume's --table; empty: the sink's default.
  RedisInventory(const std::string& uri, const std::string& prefix);

  std::string describe() const override;
  SinkHoldings holdings(const std::string& topic, const std::string& group) override;

 private:
  RedisUri uri_;
  std::string prefix_;
};

}  // namespace streamlab::sinks
