// The Ignite thin client against the real local node (deploy/local/services start ignite,
// address in STREAMLAB_IGNITE): every operation (the conditional writes as a compare-and-set
// under contention), SQL DDL/DML with cursor paging, 1 MB values, Unicode, server errors,
// connection failures and reconnection, and cross-checks with pyignite.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ignite/client.hpp"
#include "ignite/errors.hpp"
#include "ignite/uri.hpp"
#include "support/process.hpp"
#include "support/service_env.hpp"
#include "test_locations.hpp"

using namespace streamlab::ignite;
using streamlab::testing::Outcome;
using streamlab::testing::run_command;

namespace {

std::string ignite_address() { return streamlab::testing::env_or_empty("STREAMLAB_IGNITE"); }

// A name no earlier run used (caches and tables of failed runs are left behind otherwise).
std::string fresh(const std::string& what) { return streamlab::testing::unique_name("IT_" + what + "_"); }

std::shared_ptr<const BinaryType> type_of(std::string name, std::vector<std::pair<std::string, TypeCode>> fields) {
  return std::make_shared<BinaryType>(std::move(name), std::move(fields));
}

// The sink's row: key (topic, partition, offset) and a value with the message's columns.
const auto kKeyType =
    type_of("streamlab.it.MessageKey",
            {{"TOPIC", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}, {"KAFKA_OFFSET", TypeCode::kLong}});
const auto kRowType =
    type_of("streamlab.it.MessageRow",
            {{"TEXT", TypeCode::kString}, {"CREATED", TypeCode::kTimestamp}, {"LIKES", TypeCode::kInt}});

Value message_key(const std::string& topic, std::int32_t partition, std::int64_t offset) {
  return BinaryObject{kKeyType, {Value(topic), Value(partition), Value(offset)}};
}

Value message_row(const std::string& text, std::int64_t millis, std::int32_t likes) {
  return BinaryObject{kRowType, {Value(text), Value(Timestamp{millis, 0}), Value(likes)}};
}

std::string create_message_table(Client& c, const std::string& table) {
  c.sql_fields("PUBLIC", "CREATE TABLE " + table +
                             " (topic VARCHAR, kafka_partition INT, kafka_offset BIGINT, text VARCHAR,"
                             " created TIMESTAMP, likes INT, PRIMARY KEY (topic, kafka_partition, kafka_offset))"
                             " WITH \"cache_name=" +
                             table + ",key_type=" + kKeyType->name() + ",value_type=" + kRowType->name() + "\"");
  return table;  // the cache has the table's name
}

const std::string kUnicode = "Fútbol en Santiago ¿porque? ñandú 💥⚽ 日本語 — Ωμέγα \u00A0end";

class IgniteClient : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ignite_address().empty()) {
      GTEST_FAIL() << "STREAMLAB_IGNITE is not set: run through `make test` (or `deploy/local/services start "
                      "ignite && eval \"$(deploy/local/services env)\"`)";
    }
    uri_ = parse_uri(ignite_address());
    client_ = std::make_unique<Client>(uri_.client_options());
    client_->connect();
  }
  void TearDown() override {
    if (!client_) return;
    for (const auto& t : tables_) {
      try {
        client_->connect();
        client_->sql_fields("PUBLIC", "DROP TABLE IF EXISTS " + t);
      } catch (const std::exception&) {
      }
    }
    for (const auto& c : caches_) {
      try {
        client_->connect();
        client_->cache_destroy(c);
      } catch (const std::exception&) {
      }
    }
  }
  std::string cache(const std::string& what) {
    caches_.push_back(fresh(what));
    client_->cache_get_or_create(caches_.back());
    return caches_.back();
  }
  // Upper case, as SQL folds unquoted names: the table's cache is then SQL_PUBLIC_<name>.
  std::string table(const std::string& what) {
    std::string name = fresh(what);
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    tables_.push_back(name);
    return name;
  }
  Client& c() { return *client_; }

  IgniteUri uri_;
  std::unique_ptr<Client> client_;
  std::vector<std::string> caches_;
  std::vector<std::string> tables_;
};

}  // namespace

TEST_F(IgniteClient, HandshakeSpeaksProtocol17AndTheClusterIsActive) {
  EXPECT_TRUE(c().connected());
  EXPECT_EQ(c().protocol_version(), kProtocol1_7);
  EXPECT_EQ(c().cluster_state(), ClusterState::kActive);
}

TEST_F(IgniteClient, CacheLifecycle) {
  const std::string name = fresh("lifecycle");
  c().cache_get_or_create(name);
  c().cache_get_or_create(name);  // get-or-create: the second is a no-op
  auto names = c().cache_names();
  EXPECT_NE(std::find(names.begin(), names.end(), name), names.end());
  c().put(name, Value(std::int32_t{1}), Value("x"));
  EXPECT_EQ(c().size(name), 1);
  c().cache_destroy(name);
  names = c().cache_names();
  EXPECT_EQ(std::find(names.begin(), names.end(), name), names.end());
  try {
    c().get(name, Value(std::int32_t{1}));
    FAIL() << "get from a destroyed cache succeeded";
  } catch (const ServerError& e) {
    EXPECT_EQ(e.status(), status::kCacheDoesNotExist) << e.what();
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
  EXPECT_TRUE(c().connected());  // a server error leaves the connection usable

  // A cache with a configuration: transactional, replicated.
  CacheConfig config;
  config.name = fresh("configured");
  config.atomicity = CacheConfig::Atomicity::kTransactional;
  config.mode = CacheConfig::Mode::kReplicated;
  config.backups = 0;
  c().cache_get_or_create(config);
  caches_.push_back(config.name);
  c().put(config.name, Value("k"), Value("v"));
  EXPECT_EQ(c().get(config.name, Value("k")), Value("v"));
}

TEST_F(IgniteClient, EveryValueTypeRoundTripsThroughTheServer) {
  const std::string name = cache("types");
  const std::vector<Value> values = {
      Value(true),
      Value(std::int8_t{-7}),
      Value(std::int16_t{-300}),
      Value(std::int32_t{123456}),
      Value(std::int64_t{-(1LL << 62)}),
      Value(1.25f),
      Value(-3.5e100),
      Value(Char{u'ñ'}),
      Value(kUnicode),
      Value(std::string()),
      Value(Uuid{0x0123456789ABCDEFull, 0x1122334455667788ull}),
      Value(Date{1'000'000}),
      Value(Timestamp{1'700'000'000'123, 456'789}),
      Value(Time{3'600'000}),
      Value(Decimal{2, {0x30, 0x39}}),
      Value(std::vector<std::uint8_t>{0, 1, 0xFE, 0xFF}),
      Value(std::vector<std::int16_t>{1, -2}),
      Value(std::vector<std::int32_t>{1, -2, 3}),
      Value(std::vector<std::int64_t>{1LL << 40}),
      Value(std::vector<float>{0.5f}),
      Value(std::vector<double>{0.25, -1.0}),
      Value(std::vector<char16_t>{u'a', u'ß'}),
      Value(std::vector<bool>{true, false}),
      Value(ValueArray{TypeCode::kString, -1, {Value("a"), Value(), Value(kUnicode)}}),
      Value(ValueArray{TypeCode::kUuid, -1, {Value(Uuid{1, 2})}}),
      Value(ValueArray{TypeCode::kTimestamp, -1, {Value(Timestamp{5, 6})}}),
      Value(ValueArray{TypeCode::kComplexObject, -1, {Value(std::int32_t{1}), Value("two")}}),
      Value(Collection{collection_kind::kArrayList, {Value(std::int64_t{1}), Value("two")}}),
      Value(Map{map_kind::kHashMap, {MapEntry{Value("k"), Value(std::int32_t{1})}}}),
      message_row(kUnicode, 1'700'000'000'000, 42),
  };
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < values.size(); ++i) {
    SCOPED_TRACE(to_string(values[i]));
    const Value key(static_cast<std::int32_t>(i));
    c().put(name, key, values[i]);
    EXPECT_EQ(c().get(name, key), values[i]);
    entries.push_back(Entry{Value(static_cast<std::int64_t>(i)), values[i]});
  }
  // The same values under long keys with put_all, read back with get_all.
  c().put_all(name, entries);
  std::vector<Value> keys;
  for (const auto& e : entries) keys.push_back(e.key);
  keys.push_back(Value(std::int64_t{999999}));  // absent: not returned
  const auto got = c().get_all(name, keys);
  ASSERT_EQ(got.size(), entries.size());
  for (const Entry& e : got) {
    const auto i = static_cast<std::size_t>(e.key.as<std::int64_t>());
    EXPECT_EQ(e.value, values.at(i)) << to_string(values.at(i));
  }
  EXPECT_EQ(c().size(name), static_cast<std::int64_t>(2 * values.size()));

  // Keys of several types; contains, remove, clear.
  const std::vector<Value> odd_keys = {Value(kUnicode), Value(Uuid{7, 8}), Value(std::int8_t{3}),
                                       message_key("tweets", 1, 99)};
  for (const Value& k : odd_keys) {
    SCOPED_TRACE(to_string(k));
    c().put(name, k, Value("by odd key"));
    EXPECT_TRUE(c().contains_key(name, k));
    EXPECT_EQ(c().get(name, k), Value("by odd key"));
    EXPECT_TRUE(c().remove_key(name, k));
    EXPECT_FALSE(c().remove_key(name, k));
    EXPECT_FALSE(c().contains_key(name, k));
    EXPECT_TRUE(c().get(name, k).is_null());
  }
  c().clear(name);
  EXPECT_EQ(c().size(name), 0);
}

TEST_F(IgniteClient, OneMegabyteValues) {
  const std::string name = cache("megabyte");
  std::string text;
  while (text.size() < (1 << 20)) text += kUnicode;  // multi-byte, > 1 MB
  std::vector<std::uint8_t> blob(1 << 20);
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::uint8_t>(i * 7);
  c().put(name, Value(std::int32_t{1}), Value(text));
  c().put(name, Value(std::int32_t{2}), Value(blob));
  c().put(name, Value(std::int32_t{3}), message_row(text, 1, 2));  // 4-byte field offsets
  EXPECT_EQ(c().get(name, Value(std::int32_t{1})), Value(text));
  EXPECT_EQ(c().get(name, Value(std::int32_t{2})), Value(blob));
  EXPECT_EQ(c().get(name, Value(std::int32_t{3})), message_row(text, 1, 2));

  // Through SQL too: a 1 MB text column, inserted as an argument and selected back.
  const std::string t = table("big");
  c().sql_fields("PUBLIC", "CREATE TABLE " + t + " (id INT PRIMARY KEY, body VARCHAR)");
  const Value args[] = {Value(std::int32_t{1}), Value(text)};
  c().sql_fields("PUBLIC", "INSERT INTO " + t + " (id, body) VALUES (?, ?)", args);
  const auto r = c().sql_fields("PUBLIC", "SELECT body, LENGTH(body) FROM " + t);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], Value(text));
}

TEST_F(IgniteClient, UnicodeCacheNamesKeysAndSql) {
  // A cache name outside ASCII: its id is the Java hash over UTF-16, surrogate pair included.
  const std::string name = fresh("caché_💥");
  c().cache_get_or_create(name);
  caches_.push_back(name);
  c().put(name, Value(kUnicode), Value(kUnicode + kUnicode));
  EXPECT_EQ(c().get(name, Value(kUnicode)), Value(kUnicode + kUnicode));
  const auto names = c().cache_names();
  EXPECT_NE(std::find(names.begin(), names.end(), name), names.end());

  const std::string t = table("unicode");
  c().sql_fields("PUBLIC", "CREATE TABLE " + t + " (id INT PRIMARY KEY, texto VARCHAR)");
  const Value args[] = {Value(std::int32_t{1}), Value(kUnicode)};
  c().sql_fields("PUBLIC", "INSERT INTO " + t + " VALUES (?, ?)", args);
  const Value where[] = {Value(kUnicode)};
  const auto r = c().sql_fields("PUBLIC", "SELECT id, texto, LENGTH(texto) FROM " + t + " WHERE texto = ?", where);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][1], Value(kUnicode));
  // A literal in the SQL text itself.
  const auto lit = c().sql_fields("PUBLIC", "SELECT COUNT(*) FROM " + t + " WHERE texto LIKE '%💥⚽ 日本語%'");
  EXPECT_EQ(lit.rows.at(0).at(0), Value(std::int64_t{1}));
}

TEST_F(IgniteClient, SqlDdlAndDmlWithArguments) {
  const std::string t = table("dml");
  auto r = c().sql_fields("PUBLIC", "CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, name VARCHAR, score INT)");
  for (std::int64_t i = 1; i <= 10; ++i) {
    const Value args[] = {Value(i), Value("name " + std::to_string(i)), Value(static_cast<std::int32_t>(i * 10))};
    r = c().sql_fields("PUBLIC", "INSERT INTO " + t + " (id, name, score) VALUES (?, ?, ?)", args);
    ASSERT_EQ(r.rows.at(0).at(0), Value(std::int64_t{1}));
  }
  const Value gt[] = {Value(std::int32_t{50})};
  r = c().sql_fields("PUBLIC", "SELECT id, name, score FROM " + t + " WHERE score > ? ORDER BY id", gt);
  EXPECT_EQ(r.columns, (std::vector<std::string>{"ID", "NAME", "SCORE"}));
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(r.rows[0], (std::vector<Value>{Value(std::int64_t{6}), Value("name 6"), Value(std::int32_t{60})}));

  const Value upd[] = {Value("renamed"), Value(std::int32_t{30})};
  r = c().sql_fields("PUBLIC", "UPDATE " + t + " SET name = ? WHERE score <= ?", upd);
  EXPECT_EQ(r.rows.at(0).at(0), Value(std::int64_t{3}));
  const Value del[] = {Value(std::int64_t{9})};
  r = c().sql_fields("PUBLIC", "DELETE FROM " + t + " WHERE id >= ?", del);
  EXPECT_EQ(r.rows.at(0).at(0), Value(std::int64_t{2}));
  r = c().sql_fields("PUBLIC", "SELECT COUNT(*), SUM(score), MAX(name) FROM " + t);
  EXPECT_EQ(r.rows.at(0).at(0), Value(std::int64_t{8}));
  EXPECT_EQ(r.rows.at(0).at(2), Value("renamed"));
  // Nulls as arguments and in results.
  const Value with_null[] = {Value(std::int64_t{100}), Value(), Value()};
  c().sql_fields("PUBLIC", "INSERT INTO " + t + " (id, name, score) VALUES (?, ?, ?)", with_null);
  r = c().sql_fields("PUBLIC", "SELECT name, score FROM " + t + " WHERE id = 100");
  EXPECT_TRUE(r.rows.at(0).at(0).is_null());
  EXPECT_TRUE(r.rows.at(0).at(1).is_null());
  // The table's cache is a cache like any other.
  EXPECT_EQ(c().size("SQL_PUBLIC_" + t), 9);
}

TEST_F(IgniteClient, CursorPagingOverManyPages) {
  const std::string t = create_message_table(c(), table("paging"));
  constexpr int kRows = 2500;
  std::vector<Entry> batch;
  for (int i = 0; i < kRows; ++i) {
    batch.push_back(Entry{message_key("paging", i % 3, i), message_row("row " + std::to_string(i), i, i)});
  }
  c().put_all(t, batch);
  EXPECT_EQ(c().size(t), kRows);

  const auto r = c().sql_fields("PUBLIC", "SELECT kafka_offset, text FROM " + t + " ORDER BY kafka_offset", {}, 100);
  EXPECT_GE(r.pages, 25u);
  ASSERT_EQ(r.rows.size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    ASSERT_EQ(r.rows[static_cast<std::size_t>(i)][0], Value(static_cast<std::int64_t>(i)));
    ASSERT_EQ(r.rows[static_cast<std::size_t>(i)][1], Value("row " + std::to_string(i)));
  }
  // A cursor dropped after its first page is closed on the server; the connection goes on.
  for (int round = 0; round < 5; ++round) {
    SqlCursor cursor = c().sql_cursor("PUBLIC", "SELECT * FROM " + t, {}, 10);
    const auto first = cursor.next_page();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), 10u);
  }
  const auto count = c().sql_fields("PUBLIC", "SELECT COUNT(*) FROM " + t);
  EXPECT_EQ(count.rows.at(0).at(0), Value(std::int64_t{kRows}));
}

// The sink's way: rows written with put_all of binary key/value objects are SQL rows, and their
// keys are the very keys SQL builds (an INSERT of the same key is a duplicate).
TEST_F(IgniteClient, PutAllRowsAreSqlRowsWithTheSameKeys) {
  const std::string t = create_message_table(c(), table("sink"));
  std::vector<Entry> batch;
  for (int i = 0; i < 100; ++i) {
    batch.push_back(
        Entry{message_key("tweets", 2, 1000 + i), message_row(kUnicode + std::to_string(i), 1'700'000'000'000 + i, i)});
  }
  c().put_all(t, batch);
  c().put_all(t, batch);  // again: same keys, nothing added (idempotent)

  auto r = c().sql_fields("PUBLIC", "SELECT topic, kafka_partition, kafka_offset, text, created, likes FROM " + t +
                                        " WHERE kafka_offset = 1042");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<Value>{Value("tweets"), Value(std::int32_t{2}), Value(std::int64_t{1042}),
                                           Value(kUnicode + "42"), Value(Timestamp{1'700'000'000'042, 0}),
                                           Value(std::int32_t{42})}));
  r = c().sql_fields("PUBLIC", "SELECT COUNT(*) FROM " + t);
  EXPECT_EQ(r.rows.at(0).at(0), Value(std::int64_t{100}));

  // SQL's key for (tweets, 2, 1000) is the one put_all wrote.
  try {
    c().sql_fields("PUBLIC", "INSERT INTO " + t +
                                 " (topic, kafka_partition, kafka_offset, text) VALUES ('tweets', 2, 1000, 'dup')");
    FAIL() << "INSERT of a key put_all wrote succeeded";
  } catch (const ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("already in cache"), std::string::npos) << e.what();
  }
  // And a row INSERTed by SQL is found by get with a key built here.
  c().sql_fields("PUBLIC",
                 "INSERT INTO " + t +
                     " (topic, kafka_partition, kafka_offset, text, likes) VALUES ('tweets', 3, 7, 'from sql', 5)");
  const Value got = c().get(t, message_key("tweets", 3, 7));
  ASSERT_TRUE(got.is<BinaryObject>()) << to_string(got);
  EXPECT_EQ(*got.as<BinaryObject>().field("TEXT"), Value("from sql"));
  EXPECT_EQ(*got.as<BinaryObject>().field("likes"), Value(std::int32_t{5}));
  // MERGE over a put_all row replaces it.
  c().sql_fields("PUBLIC",
                 "MERGE INTO " + t +
                     " (topic, kafka_partition, kafka_offset, text, likes) VALUES ('tweets', 2, 1001, 'merged', 0)");
  const Value merged = c().get(t, message_key("tweets", 2, 1001));
  EXPECT_EQ(*merged.as<BinaryObject>().field("TEXT"), Value("merged"));
  EXPECT_EQ(c().size(t), 101);
}

TEST_F(IgniteClient, ConditionalWritesAreACompareAndSet) {
  const std::string name = cache("cas");
  const Value key("partition 0");
  EXPECT_TRUE(c().put_if_absent(name, key, Value(std::int64_t{10})));
  EXPECT_FALSE(c().put_if_absent(name, key, Value(std::int64_t{99})));  // present: left alone
  EXPECT_EQ(c().get(name, key), Value(std::int64_t{10}));
  EXPECT_FALSE(c().replace_if_equals(name, key, Value(std::int64_t{9}), Value(std::int64_t{20})));
  EXPECT_EQ(c().get(name, key), Value(std::int64_t{10}));
  EXPECT_TRUE(c().replace_if_equals(name, key, Value(std::int64_t{10}), Value(std::int64_t{20})));
  EXPECT_EQ(c().get(name, key), Value(std::int64_t{20}));
  EXPECT_FALSE(c().replace_if_equals(name, Value("absent"), Value(std::int64_t{20}), Value(std::int64_t{21})));
  EXPECT_TRUE(c().get(name, Value("absent")).is_null());

  // Two connections moving one value by compare-and-set: every move applies exactly once.
  constexpr int kMoves = 150;
  std::atomic<int> refused{0};
  const auto mover = [&] {
    Client peer(uri_.client_options());
    peer.connect();
    for (int moved = 0; moved < kMoves;) {
      const std::int64_t now = peer.get(name, key).as<std::int64_t>();
      if (peer.replace_if_equals(name, key, Value(now), Value(now + 1))) {
        ++moved;
      } else {
        ++refused;
      }
    }
  };
  std::thread a(mover), b(mover);
  a.join();
  b.join();
  EXPECT_EQ(c().get(name, key), Value(std::int64_t{20 + 2 * kMoves}));
  RecordProperty("refused_moves", refused.load());
}

// The sink's offsets table: a binary object built here compares equal to the node's own object
// of the same fields, even one SQL wrote, so a compare-and-set works whoever wrote last.
TEST_F(IgniteClient, ConditionalWritesCompareBinaryObjectsBySqlRowsToo) {
  const auto key_type =
      type_of("streamlab.it.OffsetKey", {{"CONSUMER_GROUP", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}});
  const auto row_type = type_of("streamlab.it.OffsetRow", {{"NEXT_OFFSET", TypeCode::kLong}});
  const std::string t = table("offsets");
  c().sql_fields("PUBLIC", "CREATE TABLE " + t +
                               " (consumer_group VARCHAR, kafka_partition INT, next_offset BIGINT, "
                               "PRIMARY KEY (consumer_group, kafka_partition)) WITH \"cache_name=" +
                               t + ",key_type=" + key_type->name() + ",value_type=" + row_type->name() +
                               ",wrap_value=true,atomicity=atomic\"");
  const auto key = [&](std::int32_t p) { return Value(BinaryObject{key_type, {Value("g"), Value(p)}}); };
  const auto row = [&](std::int64_t n) { return Value(BinaryObject{row_type, {Value(n)}}); };
  EXPECT_TRUE(c().put_if_absent(t, key(0), row(5)));
  EXPECT_FALSE(c().put_if_absent(t, key(0), row(6)));
  EXPECT_FALSE(c().replace_if_equals(t, key(0), row(4), row(7)));
  EXPECT_TRUE(c().replace_if_equals(t, key(0), row(5), row(7)));
  c().sql_fields("PUBLIC", "UPDATE " + t + " SET next_offset = 20 WHERE kafka_partition = 0");
  EXPECT_TRUE(c().replace_if_equals(t, key(0), row(20), row(21)));
  c().sql_fields("PUBLIC", "INSERT INTO " + t + " (consumer_group, kafka_partition, next_offset) VALUES ('g', 1, 3)");
  EXPECT_FALSE(c().put_if_absent(t, key(1), row(0)));
  EXPECT_TRUE(c().replace_if_equals(t, key(1), row(3), row(4)));
  const auto r = c().sql_fields("PUBLIC", "SELECT kafka_partition, next_offset FROM " + t + " ORDER BY 1");
  EXPECT_EQ(r.rows, (std::vector<std::vector<Value>>{{Value(std::int32_t{0}), Value(std::int64_t{21})},
                                                     {Value(std::int32_t{1}), Value(std::int64_t{4})}}));
}

TEST_F(IgniteClient, TransactionsCommitAndRollBack) {
  CacheConfig config;
  config.name = fresh("tx");
  config.atomicity = CacheConfig::Atomicity::kTransactional;
  c().cache_get_or_create(config);
  caches_.push_back(config.name);
  {
    Transaction tx = c().begin_transaction();
    EXPECT_TRUE(c().in_transaction());
    const Entry entries[] = {{Value(std::int32_t{1}), Value("one")}, {Value(std::int32_t{2}), Value("two")}};
    c().put_all(config.name, entries);
    // Another connection does not see uncommitted writes.
    Client peer(uri_.client_options());
    peer.connect();
    EXPECT_TRUE(peer.get(config.name, Value(std::int32_t{1})).is_null());
    tx.rollback();
  }
  EXPECT_FALSE(c().in_transaction());
  EXPECT_EQ(c().size(config.name), 0);
  {
    Transaction tx = c().begin_transaction(TxConcurrency::kPessimistic, TxIsolation::kReadCommitted,
                                           std::chrono::seconds(10), std::string("streamlab test"));
    c().put(config.name, Value(std::int32_t{1}), Value("one"));
    c().put(config.name, Value(std::int32_t{2}), Value("two"));
    tx.commit();
  }
  EXPECT_EQ(c().size(config.name), 2);
  {
    Transaction tx = c().begin_transaction();
    c().put(config.name, Value(std::int32_t{3}), Value("three"));
    // Destroyed without commit: rolled back.
  }
  EXPECT_EQ(c().size(config.name), 2);
  EXPECT_THROW(
      {
        Transaction tx = c().begin_transaction();
        Transaction again = c().begin_transaction();
      },
      std::logic_error);
}

TEST_F(IgniteClient, ServerErrorsAreClearAndLeaveTheConnectionUsable) {
  try {
    c().sql_fields("PUBLIC", "SELEC nonsense FROM nowhere");
    FAIL() << "bad SQL succeeded";
  } catch (const ServerError& e) {
    EXPECT_NE(e.status(), 0);
    EXPECT_FALSE(e.server_message().empty());
    EXPECT_NE(std::string(e.what()).find("SELEC nonsense"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("server error"), std::string::npos) << e.what();
  }
  try {
    c().sql_fields("PUBLIC", "SELECT * FROM no_such_table_" + std::to_string(getpid()));
    FAIL() << "a missing table was found";
  } catch (const ServerError& e) {
    EXPECT_NE(e.server_message().find("not found"), std::string::npos) << e.what();
  }
  try {
    c().size("no such cache " + std::to_string(getpid()));
    FAIL() << "a missing cache was found";
  } catch (const ServerError& e) {
    EXPECT_EQ(e.status(), status::kCacheDoesNotExist) << e.what();
  }
  // An argument of a type the column cannot take.
  const std::string t = table("typed");
  c().sql_fields("PUBLIC", "CREATE TABLE " + t + " (id INT PRIMARY KEY, n INT)");
  const Value wrong[] = {Value(std::int32_t{1}), Value("not a number")};
  EXPECT_THROW(c().sql_fields("PUBLIC", "INSERT INTO " + t + " VALUES (?, ?)", wrong), ServerError);
  EXPECT_TRUE(c().connected());
  EXPECT_EQ(c().cluster_state(), ClusterState::kActive);
}

TEST_F(IgniteClient, ConnectionRefusedIsAQuickClearRetryableError) {
  // A port nothing listens on: bind one, note it, close it.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  ClientOptions o;
  o.addresses[0].port = ntohs(a.sin_port);
  Client dead(o);
  const auto start = std::chrono::steady_clock::now();
  try {
    dead.connect();
    FAIL() << "connected to a closed port";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(dead.connected());
  EXPECT_THROW(dead.size("x"), ConnectionError);  // not connected

  // A cluster's address list with a dead node first: the client goes on to the live one.
  ClientOptions both = uri_.client_options();
  both.addresses.insert(both.addresses.begin(), o.addresses[0]);
  Client client(both);
  client.connect();
  EXPECT_EQ(client.peer().to_string(), uri_.addresses[0].to_string());
  EXPECT_EQ(client.cluster_state(), ClusterState::kActive);
}

namespace {

// Forwards TCP connections to the node and can cut them all, like a node restart or a network
// failure would: for the reconnection test.
class CuttableProxy {
 public:
  CuttableProxy(const std::string& host, std::uint16_t port) : target_host_(host), target_port_(port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listener_, 8);
    thread_ = std::thread([this] { run(); });
  }
  ~CuttableProxy() {
    stop_ = true;
    thread_.join();
    cut();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  void cut() {
    std::lock_guard lock(mu_);
    for (auto& [a, b] : pairs_) ::shutdown(a, SHUT_RDWR), ::shutdown(b, SHUT_RDWR);
  }

 private:
  void run() {
    std::vector<std::thread> pumps;
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(target_port_);
      ::inet_pton(AF_INET, target_host_.c_str(), &a.sin_addr);
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        ::close(client), ::close(server);
        continue;
      }
      {
        std::lock_guard lock(mu_);
        pairs_.emplace_back(client, server);
      }
      pumps.emplace_back([this, client, server] { pump(client, server); });
    }
    for (auto& t : pumps) t.join();
  }
  void pump(int a, int b) {
    char buf[65536];
    while (!stop_) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::recv(p[i].fd, buf, sizeof(buf), 0);
        if (n <= 0 || ::send(i == 0 ? b : a, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) done = true;
      }
      if (done) break;
    }
    ::shutdown(a, SHUT_RDWR), ::shutdown(b, SHUT_RDWR);
  }

  std::string target_host_;
  std::uint16_t target_port_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::pair<int, int>> pairs_;
  std::thread thread_;
};

}  // namespace

TEST_F(IgniteClient, ConnectionLossIsRetryableAndAReconnectRecovers) {
  const std::string name = cache("reconnect");
  CuttableProxy proxy(uri_.addresses[0].host, uri_.addresses[0].port);
  ClientOptions o = uri_.client_options();
  o.addresses[0].port = proxy.port();
  Client via_proxy(o);
  via_proxy.connect();
  via_proxy.put(name, Value(std::int32_t{1}), Value("before"));
  proxy.cut();
  EXPECT_THROW(via_proxy.get(name, Value(std::int32_t{1})), ConnectionError);
  EXPECT_FALSE(via_proxy.connected());

  // What the sink does on its next attempt: connect again and repeat the write.
  const Entry entries[] = {{Value(std::int32_t{2}), Value("after")},
                           {Value(std::int32_t{3}), message_row("typed", 1, 1)}};
  via_proxy.connect();
  via_proxy.put_all(name, entries);
  EXPECT_TRUE(via_proxy.connected());
  EXPECT_EQ(c().get(name, Value(std::int32_t{2})), Value("after"));
  // The type was registered again on the new connection (and the object is readable).
  EXPECT_EQ(c().get(name, Value(std::int32_t{3})), message_row("typed", 1, 1));
  via_proxy.close();
}

// ---------------------------------------------------------------------------------------------
// pyignite (PyPI; the 2019 lab's client) as the other side.

namespace {

const std::string kPython = std::string(STREAMLAB_SOURCE_DIR) + "/.local/venv/bin/python";
const std::string kScript = std::string(STREAMLAB_SOURCE_DIR) + "/tests/interop/ignite_pyignite.py";

nlohmann::json run_pyignite(const std::string& mode, const IgniteUri& uri, const std::string& cache,
                            const std::string& table) {
  if (access(kPython.c_str(), X_OK) != 0) {
    ADD_FAILURE() << kPython << " is missing: run deploy/local/python-env (make test does)";
    return {};
  }
  const Outcome r = run_command(kPython + " " + kScript + " " + mode + " " + uri.addresses[0].host + " " +
                                std::to_string(uri.addresses[0].port) + " '" + cache + "' " + table + " 2>&1");
  if (r.code != 0) {
    ADD_FAILURE() << "pyignite " << mode << " failed (" << r.code << "):\n" << r.output;
    return {};
  }
  return nlohmann::json::parse(r.output.substr(r.output.find('{')));
}

}  // namespace

TEST_F(IgniteClient, PyigniteReadsWhatThisClientWrote) {
  const std::string name = cache("to_py");
  const auto row_type = type_of("streamlab.it.InteropRow", {{"TOPIC", TypeCode::kString},
                                                            {"KAFKA_PARTITION", TypeCode::kInt},
                                                            {"KAFKA_OFFSET", TypeCode::kLong},
                                                            {"TEXT", TypeCode::kString},
                                                            {"SCORE", TypeCode::kDouble},
                                                            {"RETWEET", TypeCode::kBool}});
  c().put(name, Value(std::int32_t{1}), Value(kUnicode));
  c().put(name, Value(std::int64_t{2}), Value(std::int64_t{(1LL << 62) + 5}));
  c().put(name, Value("row"),
          BinaryObject{row_type,
                       {Value("tweets"), Value(std::int32_t{-3}), Value(std::int64_t{1LL << 40}), Value(kUnicode),
                        Value(0.125), Value(true)}});
  const std::string t = create_message_table(c(), table("to_py"));
  std::vector<Entry> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(
        Entry{message_key("tweets", i % 4, 5000 + i), message_row(kUnicode + " #" + std::to_string(i), i, i)});
  }
  c().put_all(t, batch);

  const nlohmann::json seen = run_pyignite("read", uri_, name, t);
  ASSERT_FALSE(seen.is_null());
  EXPECT_EQ(seen["int_key"], kUnicode);
  EXPECT_EQ(seen["long_key"], (1LL << 62) + 5);
  EXPECT_EQ(seen["object"]["TOPIC"], "tweets");
  EXPECT_EQ(seen["object"]["KAFKA_PARTITION"], -3);
  EXPECT_EQ(seen["object"]["KAFKA_OFFSET"], 1LL << 40);
  EXPECT_EQ(seen["object"]["TEXT"], kUnicode);
  EXPECT_EQ(seen["object"]["SCORE"], 0.125);
  EXPECT_EQ(seen["object"]["RETWEET"], true);
  EXPECT_EQ(seen["count"], 50);
  ASSERT_EQ(seen["rows"].size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(seen["rows"][i][0], i % 4);
    EXPECT_EQ(seen["rows"][i][1], 5000 + i);
    EXPECT_EQ(seen["rows"][i][2], kUnicode + " #" + std::to_string(i));
  }
}

TEST_F(IgniteClient, ThisClientReadsWhatPyigniteWrote) {
  const std::string name = fresh("from_py");
  caches_.push_back(name);
  const std::string t = table("from_py");
  const nlohmann::json wrote = run_pyignite("write", uri_, name, t);
  ASSERT_FALSE(wrote.is_null());
  // The text pyignite wrote (tests/interop/ignite_pyignite.py), as it reported it.
  const std::string text = "Fútbol en Santiago ¿porque? ñandú 💥⚽ 日本語 — ok";
  ASSERT_EQ(wrote["text"], text);

  EXPECT_EQ(c().get(name, Value(std::int32_t{1})), Value(text));
  EXPECT_EQ(c().get(name, Value(std::int64_t{2})), Value(std::int64_t{-(1LL << 62)}));
  const Value obj = c().get(name, Value("obj"));
  ASSERT_TRUE(obj.is<BinaryObject>()) << to_string(obj);
  const BinaryObject& o = obj.as<BinaryObject>();
  EXPECT_EQ(o.type->name(), "streamlab.PyRow");
  EXPECT_EQ(*o.field("NAME"), Value(text));
  EXPECT_EQ(*o.field("COUNT"), Value(std::int32_t{7}));
  EXPECT_EQ(*o.field("TOTAL"), Value(std::int64_t{1LL << 40}));
  EXPECT_EQ(*o.field("RATIO"), Value(0.5));
  EXPECT_EQ(*o.field("FLAG"), Value(true));

  const auto r = c().sql_fields("PUBLIC", "SELECT id, texto, n FROM " + t + " ORDER BY id");
  ASSERT_EQ(r.rows.size(), wrote["rows"].size());
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    EXPECT_EQ(r.rows[i][0], Value(wrote["rows"][i][0].get<std::int32_t>()));
    EXPECT_EQ(r.rows[i][1], Value(wrote["rows"][i][1].get<std::string>()));
    EXPECT_EQ(r.rows[i][2], Value(wrote["rows"][i][2].get<std::int64_t>()));
  }
  // Both clients agree on the cache of pyignite's table.
  EXPECT_EQ(c().size("SQL_PUBLIC_" + t), static_cast<std::int64_t>(wrote["rows"].size()));
}
