#pragma once
// Apache Ignite sink over streamlab's thin client. Rows land in an SQL table (readable with
// SELECT from any client, as the lab's `distribuidos` was) through put_all of binary objects.
//
// Exactly once by idempotence rather than a transaction: every row's key is its (topic,
// partition, offset), the data is written before the offsets, and a replay after a crash
// rewrites the same keys with the same values. Ignite's thin-client transactions would need
// TRANSACTIONAL caches, which measured about half the put_all rate of ATOMIC ones here, and
// idempotent keys make them unnecessary. A member fenced out by a rebalance can only rewrite
// identical rows, so no fencing is needed either.
// Durability is Ignite's: with persistence off (the local default) a node restart loses the
// rows and offsets stored so far; the sink recreates its tables and goes on from where it is.

#include <memory>
#include <string>

#include "ignite/client.hpp"
#include "ignite/uri.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks {

// Where a --sink ignite://… URI and --table point: ?table= wins over --table (both validated as
// the URI's table), and the names are upper-cased, as Ignite does with unquoted SQL names (the
// caches get the same names). Throws core::UsageError for a malformed address.
struct IgniteTarget {
  ignite::IgniteUri uri;
  std::string table, dead_table;
};
IgniteTarget ignite_target(const std::string& uri, const std::string& table);
// The table (and cache) of every group's next offsets.
inline constexpr const char* kIgniteOffsetsTable = "STREAMLAB_OFFSETS";

class IgniteSink final : public Sink {
 public:
  // `table` (from --table) is used when the URI has no ?table=.
  IgniteSink(const std::string& uri, const std::string& table);

  std::string describe() const override;
  Offsets stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) override;
  Offsets write(const std::string& group, const Batch& batch) override;

 private:
  ignite::Client& client();  // connected, tables created
  void create_tables();
  // Maps the client's errors to the sink contract's.
  template <typename Op>
  auto guarded(const char* what, Op&& op) -> decltype(op());

  ignite::IgniteUri uri_;
  std::string table_, dead_table_;
  std::unique_ptr<ignite::Client> client_;
  bool tables_ready_ = false;
};

}  // namespace streamlab::sinks
