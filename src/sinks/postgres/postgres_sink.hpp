#pragma once
// PostgreSQL sink (libpq): each batch is COPYed in one transaction that also upserts the
// group's next offsets, so rows and offsets are stored together or not at all. Rows go in COPY's
// binary format (copy_binary.hpp) when the rows table's columns are of the types the sink
// creates (a table made by hand may differ: then in text, which the server converts); dead
// letters in text.
//
// A row the server refuses for its data (SQLSTATE class 22 or 23, not a unique violation) does
// not fail the batch: the COPY runs under a savepoint, the rows are bisected in the same
// transaction until each refused row is alone, and those become dead letters carrying the
// server's message, stored with the rest of the batch and its offsets. Errors otherwise as
// throw_for classifies them: connection trouble is retryable, the rest fatal. Each statement
// is bounded (Connection::bounded): a server silent for the options' timeout is connection
// trouble too.

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "sinks/postgres/postgres_connection.hpp"
#include "sinks/postgres/raw_column.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks {

struct PostgresSinkOptions {
  std::string uri;  // any libpq connection URI or key=value string
  std::string table = "streamlab_messages";
  RawColumn raw = RawColumn::None;
  // A statement the server leaves unanswered this long fails as RetryableError, the connection
  // dropped (made again on the next write).
  std::chrono::milliseconds timeout = kDefaultSinkTimeout;
};

// The quoted names of the rows table --table names and of its dead letters' table; throws
// core::UsageError for a name that is not letters, digits and '_' (optionally schema.table).
struct PostgresTables {
  std::string rows, dead_letters;
};
PostgresTables postgres_tables(const std::string& table);

class PostgresSink final : public Sink {
 public:
  explicit PostgresSink(PostgresSinkOptions options);
  ~PostgresSink() override;

  std::string describe() const override;
  Offsets stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) override;
  std::string unmappable(const Row& row) const override;
  // 32 MiB: each batch's COMMIT waits for its WAL on disk; drains of tweets measured 10% faster
  // in 16 MiB batches than in 8, and 6% faster again in 32 (docs/BENCHMARKS.md), the consumer's
  // RSS staying under 220 MB.
  std::size_t batch_bytes() const override { return 32 << 20; }
  Offsets write(const std::string& group, const Batch& batch) override;

 private:
  PGconn* connection();  // (re)connects and creates the tables when needed
  void create_tables();
  // Whether the rows table takes binary rows, from its columns' types (on each connection: the
  // table may have been made again meanwhile).
  void choose_row_format();
  // One row as a COPY text line of the rows table, or (dead) of the dead letters table.
  void append_copy_row(const Row& r, bool dead, const std::string& group, std::string& out) const;
  // Runs `sql` (ending in COPY ... FROM STDIN) and streams `rows` (in binary: rows of the rows
  // table, as `sql` must then say); the COPY's result, success or the server's error, for the
  // caller to judge. Throws only for the connection's trouble.
  postgres::Result copy(PGconn* c, const std::string& sql, std::span<const Row* const> rows, bool dead,
                        const std::string& group, bool binary = false);
  // Streams `rows` into the COPY the connection is in and ends it: the COPY's result first, then
  // those of the statements that followed it in the same script (none once the COPY failed).
  std::vector<postgres::Result> send_rows(PGconn* c, std::span<const Row* const> rows, bool dead,
                                          const std::string& group, bool binary);

  PostgresSinkOptions options_;
  std::string table_, dead_table_;  // quoted
  postgres::Connection conn_;
  std::string copy_buf_;
  bool binary_rows_ = false;
  RawColumn raw_column_ = RawColumn::None;  // the rows table's raw column as it is (binary rows)
  bool told_text_rows_ = false;
};

}  // namespace streamlab::sinks
