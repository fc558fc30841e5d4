#pragma once
// What a PostgreSQL sink holds for one topic (streamlab verify): the offsets of its rows and dead
// letters and a group's stored offsets, read in one REPEATABLE READ, READ ONLY transaction (one
// snapshot, even while a consumer writes). Offsets are streamed with COPY … TO STDOUT, a row at
// a time, so a million rows never sit in one result. Creates nothing; a rows table that does not
// exist is a core::UsageError (a wrong --table).

#include <string>

#include "sinks/postgres/postgres_connection.hpp"
#include "sinks/postgres/postgres_sink.hpp"
#include "sinks/sink_inventory.hpp"

namespace streamlab::sinks {

class PostgresInventory final : public SinkInventory {
 public:
  // `table` as consume's --table; empty: the sink's default.
  PostgresInventory(const std::string& uri, const std::string& table);

  std::string describe() const override;
  SinkHoldings holdings(const std::string& topic, const std::string& group) override;

 private:
  postgres::Connection conn_;
  PostgresTables tables_;
};

}  // namespace streamlab::sinks
