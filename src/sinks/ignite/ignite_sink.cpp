#include "sinks/ignite/ignite_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "ignite/errors.hpp"
#include "sinks/bisect.hpp"

namespace streamlab::sinks {
namespace {

using ignite::BinaryObject;
using ignite::BinaryType;
using ignite::Entry;
using ignite::TypeCode;
using ignite::Value;

constexpr const char* kOffsetsTable = kIgniteOffsetsTable;
// Rows per put_all request: about 4 MB of tweets, and short enough pauses for the node.
constexpr std::size_t kRowsPerRequest = 1000;
// Every table: a backup of each partition on another node, written before a write is answered
// (see the header).
constexpr const char* kCacheOptions =
    "template=partitioned,backups=1,write_synchronization_mode=full_sync,atomicity=atomic";

// Field order = the table's column order, key columns first (Ignite matches them by name and
// builds SQL rows from the key object and the value object).
const auto kMessageKey = std::make_shared<const BinaryType>(
    "streamlab.MessageKey",
    std::vector<std::pair<std::string, TypeCode>>{
        {"TOPIC", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}, {"KAFKA_OFFSET", TypeCode::kLong}});
const auto kMessageRow = std::make_shared<const BinaryType>(
    "streamlab.MessageRow", std::vector<std::pair<std::string, TypeCode>>{{"KIND", TypeCode::kString},
                                                                          {"NUMBER", TypeCode::kLong},
                                                                          {"TWEET_ID", TypeCode::kString},
                                                                          {"CREATED_AT", TypeCode::kTimestamp},
                                                                          {"AUTHOR", TypeCode::kString},
                                                                          {"LANG", TypeCode::kString},
                                                                          {"TEXT", TypeCode::kString},
                                                                          {"HASHTAGS", TypeCode::kString},
                                                                          {"MENTIONS", TypeCode::kString},
                                                                          {"IS_RETWEET", TypeCode::kBool},
                                                                          {"KAFKA_TIMESTAMP", TypeCode::kTimestamp}});
const auto kDeadLetterRow = std::make_shared<const BinaryType>(
    "streamlab.DeadLetterRow",
    std::vector<std::pair<std::string, TypeCode>>{{"CONSUMER_GROUP", TypeCode::kString},
                                                  {"ERROR", TypeCode::kString},
                                                  {"PAYLOAD", TypeCode::kByteArray},
                                                  {"KAFKA_TIMESTAMP", TypeCode::kTimestamp}});
const auto kOffsetKey = std::make_shared<const BinaryType>(
    "streamlab.OffsetKey",
    std::vector<std::pair<std::string, TypeCode>>{
        {"CONSUMER_GROUP", TypeCode::kString}, {"TOPIC", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}});
const auto kOffsetRow = std::make_shared<const BinaryType>(
    "streamlab.OffsetRow", std::vector<std::pair<std::string, TypeCode>>{{"NEXT_OFFSET", TypeCode::kLong}});

Value timestamp_or_null(std::int64_t ms) { return ms > 0 ? Value(ignite::Timestamp{ms, 0}) : Value(); }

Value message_key(std::string_view topic, std::int32_t partition, std::int64_t offset) {
  return BinaryObject{kMessageKey, {Value(topic), Value(partition), Value(offset)}};
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

IgniteTarget ignite_target(const std::string& uri, const std::string& table) {
  IgniteTarget t{ignite::parse_uri(uri), {}, {}};
  if (!t.uri.table && !table.empty()) {
    // --table as if it were ?table=, so it is validated the same way.
    t.uri = ignite::parse_uri(fmt::format("{}{}table={}", uri, uri.find('?') == std::string::npos ? '?' : '&', table));
  }
  // Unquoted SQL names are upper-cased by Ignite; the cache gets the same name.
  t.table = upper(t.uri.table.value_or("STREAMLAB_MESSAGES"));
  t.dead_table = t.table + "_DEAD_LETTERS";
  return t;
}

IgniteSink::IgniteSink(const std::string& uri, const std::string& table, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  IgniteTarget t = ignite_target(uri, table);
  uri_ = std::move(t.uri);
  table_ = std::move(t.table);
  dead_table_ = std::move(t.dead_table);
}

std::string IgniteSink::describe() const { return "ignite " + uri_.redacted(); }

template <typename Op>
auto IgniteSink::guarded(const char* what, Op&& op) -> decltype(op()) {
  try {
    return op();
  } catch (const ignite::ConnectionError& e) {
    // The node may come back empty (an in-memory node restarted): create the tables again.
    tables_ready_ = false;
    throw RetryableError(fmt::format("{}: {}: {}", describe(), what, e.what()));
  } catch (const ignite::Error& e) {
    throw FatalError(fmt::format("{}: {}: {}", describe(), what, e.what()));
  }
}

ignite::Client& IgniteSink::client() {
  if (!client_) {
    ignite::ClientOptions options = uri_.client_options();
    options.request_timeout = timeout_;
    client_ = std::make_unique<ignite::Client>(std::move(options));
  }
  guarded("connect", [&] { client_->connect(); });
  if (!tables_ready_) guarded("create tables", [&] { create_tables(); });
  return *client_;
}

void IgniteSink::create_tables() {
  // Two sinks creating the same table at once: the loser of Ignite's race is refused with
  // "Cache is already indexed" although IF NOT EXISTS was given; by then the table exists, and
  // the same statement again is a no-op.
  const auto ddl = [&](const std::string& sql) {
    for (int attempt = 1;; ++attempt) {
      try {
        client_->sql_fields("PUBLIC", sql);
        return;
      } catch (const ignite::ServerError& e) {
        if (attempt == 3 || e.server_message().find("already indexed") == std::string::npos) throw;
      }
    }
  };
  ddl(fmt::format(
      "CREATE TABLE IF NOT EXISTS {0} (TOPIC VARCHAR, KAFKA_PARTITION INT, KAFKA_OFFSET BIGINT, KIND VARCHAR, "
      "NUMBER BIGINT, TWEET_ID VARCHAR, CREATED_AT TIMESTAMP, AUTHOR VARCHAR, LANG VARCHAR, TEXT VARCHAR, "
      "HASHTAGS VARCHAR, MENTIONS VARCHAR, IS_RETWEET BOOLEAN, KAFKA_TIMESTAMP TIMESTAMP, "
      "PRIMARY KEY (TOPIC, KAFKA_PARTITION, KAFKA_OFFSET)) WITH "
      "\"{3},cache_name={0},key_type={1},value_type={2}\"",
      table_, kMessageKey->name(), kMessageRow->name(), kCacheOptions));
  ddl(
      fmt::format("CREATE TABLE IF NOT EXISTS {0} (TOPIC VARCHAR, KAFKA_PARTITION INT, KAFKA_OFFSET BIGINT, "
                  "CONSUMER_GROUP VARCHAR, ERROR VARCHAR, PAYLOAD VARBINARY, KAFKA_TIMESTAMP TIMESTAMP, "
                  "PRIMARY KEY (TOPIC, KAFKA_PARTITION, KAFKA_OFFSET)) WITH "
                  "\"{3},cache_name={0},key_type={1},value_type={2}\"",
                  dead_table_, kMessageKey->name(), kDeadLetterRow->name(), kCacheOptions));
  ddl(fmt::format(
      "CREATE TABLE IF NOT EXISTS {0} (CONSUMER_GROUP VARCHAR, TOPIC VARCHAR, KAFKA_PARTITION INT, NEXT_OFFSET BIGINT, "
      "PRIMARY KEY (CONSUMER_GROUP, TOPIC, KAFKA_PARTITION)) WITH "
      "\"{3},cache_name={0},key_type={1},value_type={2},wrap_value=true\"",
      kOffsetsTable, kOffsetKey->name(), kOffsetRow->name(), kCacheOptions));
  tables_ready_ = true;
}

Value IgniteSink::offset_key(const std::string& group, const TopicPartition& tp) const {
  return BinaryObject{kOffsetKey, {Value(group), Value(tp.topic), Value(tp.partition)}};
}

// What the node's rows hold, checked: a table made by someone else (or an older streamlab) may
// lack a field or type it differently, and that is a clear error, not a crash.
const Value& IgniteSink::field_of(const Value& v, std::string_view field, TypeCode type, const char* table) const {
  const Value* f = v.is<BinaryObject>() ? v.as<BinaryObject>().field(field) : nullptr;
  const bool typed = f != nullptr && ((type == TypeCode::kString && f->is<std::string>()) ||
                                      (type == TypeCode::kInt && f->is<std::int32_t>()) ||
                                      (type == TypeCode::kLong && f->is<std::int64_t>()));
  if (!typed) {
    throw FatalError(
        fmt::format("{}: table {} holds a row without a {} field of type {} ({}): not a table this "
                    "sink made; drop it or name another with --table",
                    describe(), table, field, ignite::type_name(type), ignite::to_string(v)));
  }
  return *f;
}

std::int64_t IgniteSink::offset_in(const Value& row) const {
  return field_of(row, "NEXT_OFFSET", TypeCode::kLong, kOffsetsTable).as<std::int64_t>();
}

Offsets IgniteSink::stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) {
  ignite::Client& c = client();
  Offsets out;
  if (partitions.empty()) return out;
  std::vector<Value> keys;
  for (const auto& tp : partitions) keys.push_back(offset_key(group, tp));
  const std::vector<Entry> found = guarded("read offsets", [&] { return c.get_all(kOffsetsTable, keys); });
  for (const Entry& e : found) {
    out[{field_of(e.key, "TOPIC", TypeCode::kString, kOffsetsTable).as<std::string>(),
         field_of(e.key, "KAFKA_PARTITION", TypeCode::kInt, kOffsetsTable).as<std::int32_t>()}] = offset_in(e.value);
  }
  return out;
}

void IgniteSink::put_rows(const std::vector<Entry>& entries, const std::vector<const Row*>& of, RefusedRows& refused) {
  ignite::Client& c = *client_;
  // The node checks a request's rows before it writes any (NOT NULL or a length in a table made
  // by hand, a type it cannot convert) and refuses the request with a generic failure; a refused
  // request is halved until the refused rows are alone. Rewriting a row is harmless: its key is
  // its coordinates.
  const auto attempt_from = [&](std::size_t base) {
    return [&, base](std::size_t first, std::size_t last) -> Attempt {
      try {
        c.put_all(table_, std::span<const Entry>(entries.data() + base + first, last - first));
        return {true, {}};
      } catch (const ignite::ServerError& e) {
        if (e.status() != ignite::status::kFailed) throw;
        return {false, "Ignite refused the row: " + e.server_message()};
      }
    };
  };
  guarded("put_all", [&] {
    for (std::size_t i = 0; i < entries.size(); i += kRowsPerRequest) {
      const std::size_t n = std::min(kRowsPerRequest, entries.size() - i);
      for (Rejection& r : find_rejected(n, attempt_from(i))) refused.mark(*of[i + r.index], std::move(r.error));
    }
  });
}

Offsets IgniteSink::write(const std::string& group, const Batch& batch) {
  ignite::Client& c = client();
  std::vector<TopicPartition> parts;
  for (const auto& [tp, range] : batch.ranges()) parts.push_back(tp);
  // A cheap early answer for the usual fence (another member moved on): nothing is written.
  if (Offsets fenced = fenced_partitions(batch, stored_offsets(group, parts)); !fenced.empty()) return fenced;

  RefusedRows refused;
  std::vector<Entry> rows;
  std::vector<const Row*> row_of;
  for (const Row& r : batch.rows) {
    if (!r.dead_letter_reason.empty()) continue;
    const Value ts = timestamp_or_null(r.timestamp_ms());
    Value key = message_key(r.topic(), r.partition(), r.offset());
    if (r.parsed.kind == tweets::MessageKind::Counter) {
      rows.push_back(
          {std::move(key),
           BinaryObject{kMessageRow, {Value("counter"), Value(r.parsed.number), {}, {}, {}, {}, {}, {}, {}, {}, ts}}});
    } else {
      const tweets::Tweet& t = r.parsed.tweet;
      // created_at is empty when absent; created_at_ms may be 0 or negative for a real date.
      const Value created = t.created_at.empty() ? Value() : Value(ignite::Timestamp{t.created_at_ms, 0});
      rows.push_back({std::move(key), BinaryObject{kMessageRow,
                                                   {Value("tweet"),
                                                    {},
                                                    Value(t.id),
                                                    created,
                                                    Value(t.author),
                                                    Value(t.lang),
                                                    Value(t.text),
                                                    Value(nlohmann::json(t.hashtags).dump()),
                                                    Value(nlohmann::json(t.mentions).dump()),
                                                    Value(t.is_retweet),
                                                    ts}}});
    }
    row_of.push_back(&r);
  }
  // Data first, offsets last: a crash in between only means the same keys are written again.
  put_rows(rows, row_of, refused);
  std::vector<Entry> dead;
  for (const Row& r : batch.rows) {
    if (r.dead_letter_reason.empty()) continue;
    const auto p = r.payload();
    dead.push_back(
        {message_key(r.topic(), r.partition(), r.offset()),
         BinaryObject{kDeadLetterRow,
                      {Value(group), Value(r.dead_letter_reason), Value(std::vector<std::uint8_t>(p.begin(), p.end())),
                       timestamp_or_null(r.timestamp_ms())}}});
  }
  for (std::size_t i = 0; i < dead.size(); i += kRowsPerRequest) {
    const std::size_t n = std::min(kRowsPerRequest, dead.size() - i);
    guarded("put_all", [&] { c.put_all(dead_table_, std::span<const Entry>(dead.data() + i, n)); });
  }
  if (refused.size() > 0) {
    fmt::print(stderr, "sink: {} refused {} of {} rows for their data; stored as dead letters\n", describe(),
               refused.size(), rows.size());
  }

  // Each partition's offset moves only from what this batch expects to its next: a compare-
  // and-set on the node, so a member that lost the partition meanwhile (it passed the check
  // above before the other stored) can never move it back or sideways.
  Offsets fenced;
  for (const auto& [tp, range] : batch.ranges()) {
    const Value key = offset_key(group, tp);
    const Value next = BinaryObject{kOffsetRow, {Value(range.next)}};
    const std::int64_t expected = batch.expected_of(tp);
    const bool moved = guarded("store offset", [&] {
      return expected == kNoOffset
                 ? c.put_if_absent(kOffsetsTable, key, next)
                 : c.replace_if_equals(kOffsetsTable, key, BinaryObject{kOffsetRow, {Value(expected)}}, next);
    });
    if (moved) continue;
    const Value now = guarded("read offset", [&] { return c.get(kOffsetsTable, key); });
    const std::int64_t held = now.is_null() ? kNoOffset : offset_in(now);
    if (held == expected && expected != kNoOffset) {
      // The node refused a compare with what it holds: retrying would refuse again for ever.
      throw FatalError(fmt::format("{}: {} holds offset {} for {} [{}], yet its compare-and-set from {} failed",
                                   describe(), kOffsetsTable, held, tp.topic, tp.partition, expected));
    }
    fenced[tp] = held;
  }
  if (!fenced.empty()) return fenced;
  refused.keep();
  return {};
}

}  // namespace streamlab::sinks
