#pragma once
// Apache Ignite sink over streamlab's thin client. Rows land in an SQL table (readable with
// SELECT from any client, as the lab's `distribuidos` was) through put_all of binary objects.
//
// Exactly once without a transaction: every row's key is its (topic, partition, offset), the
// data (rows, dead letters) is written before the offsets, and a replay after a crash rewrites
// the same keys with the same values. The offsets are not last-writer-wins: each partition's
// moves only by a compare-and-set on the node (put-if-absent for its first offset, replace-if-
// equals from the batch's expected one), so a member fenced out by a rebalance, or a retry whose
// reply was lost, finds the partition moved on and is told what is stored instead of writing
// over it. Ignite's thin-client transactions would need TRANSACTIONAL caches, which measured
// about half the put_all rate of ATOMIC ones here; the keys and the compare-and-set make them
// unnecessary. Without a transaction, a fenced write may have stored other partitions of the
// batch (the caller finds that out on its next attempt, as the contract says).
// A row the node refuses for its data (a generic server failure on put_all) is found by halving
// the request and stored as a dead letter with the node's message; the rest goes on.
// Durability is Ignite's: every table keeps one backup of each partition on another node
// (BACKUPS=1) and a write is acknowledged only once primary and backup both have it
// (FULL_SYNC; Ignite's default PRIMARY_SYNC could acknowledge a row that dies with its primary
// while the offset after it survives on a backup), so a cluster loses nothing when one node
// dies, and the client goes on with another node of the URI. A single node without persistence
// (the local default) loses the rows and offsets stored so far when it restarts; the sink
// recreates its tables and goes on from where it is.
// Errors: connection trouble is retryable; the node's other errors, and tables whose rows lack
// the fields this sink writes, are fatal.

#include <chrono>
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
  // `table` (from --table) is used when the URI has no ?table=. A request unanswered for
  // `timeout` closes the connection (RetryableError).
  IgniteSink(const std::string& uri, const std::string& table, std::chrono::milliseconds timeout = kDefaultSinkTimeout);

  std::string describe() const override;
  Offsets stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) override;
  Offsets write(const std::string& group, const Batch& batch) override;

 private:
  ignite::Client& client();  // connected, tables created
  void create_tables();
  // Maps the client's errors to the sink contract's.
  template <typename Op>
  auto guarded(const char* what, Op&& op) -> decltype(op());
  // put_all of the rows, refused ones marked as dead letters instead.
  void put_rows(const std::vector<ignite::Entry>& entries, const std::vector<const Row*>& of, RefusedRows& refused);
  ignite::Value offset_key(const std::string& group, const TopicPartition& tp) const;
  // A field of a row read from `table`, of the type this sink writes; FatalError otherwise.
  const ignite::Value& field_of(const ignite::Value& row, std::string_view field, ignite::TypeCode type,
                                const char* table) const;
  std::int64_t offset_in(const ignite::Value& offset_row) const;

  ignite::IgniteUri uri_;
  std::string table_, dead_table_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<ignite::Client> client_;
  bool tables_ready_ = false;
};

}  // namespace streamlab::sinks
