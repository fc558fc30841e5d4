#pragma once
// What an Ignite sink holds for one topic (streamlab verify): the group's offsets, then the
// offsets of the topic's rows and dead letters, each an SQL fields query read through a cursor
// 10,000 rows a page, so no response holds a million rows. Creates nothing; a rows table
// (cache) that does not exist is a core::UsageError (a wrong --table or ?table=).
//
// Not one snapshot (the sink writes without transactions): read a pipeline at rest.

#include <string>

#include "sinks/ignite/ignite_sink.hpp"
#include "sinks/sink_inventory.hpp"

namespace streamlab::sinks {

class IgniteInventory final : public SinkInventory {
 public:
  // `table` as consume's --table (the URI's ?table= wins); empty: the sink's default.
  IgniteInventory(const std::string& uri, const std::string& table);

  std::string describe() const override;
  SinkHoldings holdings(const std::string& topic, const std::string& group) override;

 private:
  IgniteTarget target_;
};

}  // namespace streamlab::sinks
