#include "sinks/postgres/postgres_inventory.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/errors.hpp"

namespace streamlab::sinks {
namespace {

using postgres::exec;
using postgres::Result;
using postgres::throw_for;

std::string literal(PGconn* c, const std::string& s) {
  char* quoted = PQescapeLiteral(c, s.data(), s.size());
  if (quoted == nullptr) throw_for(c, nullptr, "escape");
  std::string out = quoted;
  PQfreemem(quoted);
  return out;
}

// Runs `COPY (SELECT partition, offset …) TO STDOUT` and hands each (partition, offset) to `take`.
template <typename Take>
void copy_offsets(PGconn* c, const std::string& sql, Take&& take) {
  exec(c, sql, {}, PGRES_COPY_OUT);
  char* line = nullptr;
  int n = 0;
  while ((n = PQgetCopyData(c, &line, /*async=*/0)) > 0) {
    // One row: "<partition>\t<offset>\n".
    const char* end = line + n;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    auto [p, ec] = std::from_chars(line, end, partition);
    bool ok = ec == std::errc() && p < end && *p == '\t';
    if (ok) {
      auto [q, ec2] = std::from_chars(p + 1, end, offset);
      ok = ec2 == std::errc();
    }
    PQfreemem(line);
    if (!ok) throw FatalError("COPY: a row that is not \"partition<TAB>offset\"");
    take(partition, offset);
  }
  if (n == -2) throw_for(c, nullptr, "COPY");
  Result done(PQgetResult(c));
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) throw_for(c, done.get(), "COPY");
  while (PGresult* extra = PQgetResult(c)) PQclear(extra);
}

}  // namespace

PostgresInventory::PostgresInventory(const std::string& uri, const std::string& table)
    : conn_(uri), tables_(postgres_tables(table.empty() ? PostgresSinkOptions{}.table : table)) {}

std::string PostgresInventory::describe() const { return fmt::format("{} table {}", conn_.where(), tables_.rows); }

SinkHoldings PostgresInventory::holdings(const std::string& topic, const std::string& group) {
  PGconn* c = conn_.get();
  SinkHoldings out;
  try {
    exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    Result exists = exec(c,
                         "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL, "
                         "to_regclass('streamlab_offsets') IS NOT NULL",
                         {tables_.rows, tables_.dead_letters}, PGRES_TUPLES_OK);
    const auto has = [&](int column) { return PQgetvalue(exists.get(), 0, column)[0] == 't'; };
    if (!has(0)) {
      throw core::UsageError(
          fmt::format("--table: {} has no table {} (consume --sink creates it there)", conn_.where(), tables_.rows));
    }
    const std::string where_topic = fmt::format("WHERE topic = {}", literal(c, topic));
    PartitionHoldings* last = nullptr;
    std::int32_t last_partition = 0;
    const auto of = [&](std::int32_t partition) -> PartitionHoldings& {
      if (last == nullptr || partition != last_partition) {
        last = &out.partitions[partition];
        last_partition = partition;
      }
      return *last;
    };
    copy_offsets(c,
                 fmt::format(R"(COPY (SELECT "partition", "offset" FROM {} {}) TO STDOUT)", tables_.rows, where_topic),
                 [&](std::int32_t p, std::int64_t o) { of(p).rows.push_back(o); });
    // The dead letters' table comes with the rows table; a missing one holds nothing.
    if (has(1)) {
      copy_offsets(
          c,
          fmt::format(R"(COPY (SELECT "partition", "offset" FROM {} {}) TO STDOUT)", tables_.dead_letters, where_topic),
          [&](std::int32_t p, std::int64_t o) { of(p).dead_letters.push_back(o); });
    }
    if (has(2)) {
      Result r =
          exec(c, R"(SELECT "partition", next_offset FROM streamlab_offsets WHERE consumer_group = $1 AND topic = $2)",
               {group, topic}, PGRES_TUPLES_OK);
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        out.partitions[std::stoi(PQgetvalue(r.get(), i, 0))].stored_offset = std::stoll(PQgetvalue(r.get(), i, 1));
      }
    }
    exec(c, "COMMIT");
  } catch (const RetryableError&) {
    conn_.reset();
    throw;
  } catch (...) {
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
    throw;
  }
  return out;
}

}  // namespace streamlab::sinks
