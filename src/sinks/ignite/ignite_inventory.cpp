#include "sinks/ignite/ignite_inventory.hpp"

#include <fmt/format.h>

#include <set>

#include "core/errors.hpp"
#include "ignite/client.hpp"
#include "ignite/errors.hpp"

namespace streamlab::sinks {
namespace {

using ignite::Value;

constexpr std::int32_t kPageRows = 10000;

std::int64_t integer(const Value& v, const char* column) {
  if (v.is<std::int64_t>()) return v.as<std::int64_t>();
  if (v.is<std::int32_t>()) return v.as<std::int32_t>();
  throw FatalError(fmt::format("column {} is not an integer", column));
}

// Calls `take(partition, offset)` for each row of `sql` (two integer columns), a page at a time.
template <typename Take>
void read_pairs(ignite::Client& client, const std::string& sql, std::span<const Value> args, Take&& take) {
  ignite::SqlCursor cursor = client.sql_cursor("PUBLIC", sql, args, kPageRows);
  while (auto page = cursor.next_page()) {
    for (const auto& row : *page) {
      if (row.size() != 2) throw FatalError(fmt::format("{}: expected 2 columns", sql));
      take(static_cast<std::int32_t>(integer(row[0], "KAFKA_PARTITION")), integer(row[1], "offset"));
    }
  }
}

}  // namespace

IgniteInventory::IgniteInventory(const std::string& uri, const std::string& table)
    : target_(ignite_target(uri, table)) {}

std::string IgniteInventory::describe() const {
  // The URI shows ?table= when it has one; the default table is named.
  return fmt::format("ignite {}{}", target_.uri.redacted(), target_.uri.table ? "" : " table " + target_.table);
}

SinkHoldings IgniteInventory::holdings(const std::string& topic, const std::string& group) {
  const std::string where = fmt::format("ignite {}", target_.uri.redacted());
  SinkHoldings out;
  try {
    ignite::Client client(target_.uri.client_options());
    client.connect();
    const std::vector<std::string> names = client.cache_names();
    const std::set<std::string> caches(names.begin(), names.end());
    if (caches.count(target_.table) == 0) {
      throw core::UsageError(
          fmt::format("--table: {} has no table {} (consume --sink creates it there)", where, target_.table));
    }
    const std::vector<Value> topic_arg{Value(topic)};
    // The offsets first: a consumer still running can then only have stored more rows, not fewer.
    if (caches.count(kIgniteOffsetsTable) != 0) {
      const std::vector<Value> args{Value(group), Value(topic)};
      read_pairs(client,
                 fmt::format("SELECT KAFKA_PARTITION, NEXT_OFFSET FROM {} WHERE CONSUMER_GROUP = ? AND TOPIC = ?",
                             kIgniteOffsetsTable),
                 args, [&](std::int32_t p, std::int64_t next) { out.partitions[p].stored_offset = next; });
    }
    read_pairs(client, fmt::format("SELECT KAFKA_PARTITION, KAFKA_OFFSET FROM {} WHERE TOPIC = ?", target_.table),
               topic_arg, [&](std::int32_t p, std::int64_t o) { out.partitions[p].rows.push_back(o); });
    if (caches.count(target_.dead_table) != 0) {
      read_pairs(client,
                 fmt::format("SELECT KAFKA_PARTITION, KAFKA_OFFSET FROM {} WHERE TOPIC = ?", target_.dead_table),
                 topic_arg, [&](std::int32_t p, std::int64_t o) { out.partitions[p].dead_letters.push_back(o); });
    }
  } catch (const ignite::ConnectionError& e) {
    throw RetryableError(e.what());  // names host and port already
  } catch (const ignite::Error& e) {
    throw FatalError(fmt::format("{}: {}", where, e.what()));
  }
  return out;
}

}  // namespace streamlab::sinks
