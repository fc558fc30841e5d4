// PostgresSink against the real local server (STREAMLAB_POSTGRES), without Kafka: rows of every
// field type (counters at the 64-bit edges, tweets with Unicode and COPY's special characters,
// hashtag arrays with array syntax in them, empty arrays and texts, NULLs, dates before 2000 and
// 1970 and at the edges of years 0001-9999, a raw jsonb document) read back as the values
// written. Once in COPY's binary format (a table the sink made) and once in text (a table made
// by hand with a column binary rows do not fit), which must store the same. A table altered
// under a connected sink makes the next write fail as retryable, and the one after stores. A
// batch another member stored first is fenced, and a row the table refuses becomes a dead letter
// while the rest commit with the offsets. A URI's synchronous_commit is the session's.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sinks/postgres/postgres_connection.hpp"
#include "sinks/postgres/postgres_sink.hpp"
#include "support/service_env.hpp"

using namespace streamlab::sinks;
using streamlab::tweets::MessageKind;

namespace {

std::string postgres_uri() { return streamlab::testing::env_or_empty("STREAMLAB_POSTGRES"); }

std::string fresh(const std::string& what) { return streamlab::testing::unique_name("it_pg_" + what + "_"); }

Row counter(const std::string& topic, std::int64_t offset, std::int64_t number, std::int64_t timestamp_ms) {
  Row r;
  r.message =
      streamlab::kafka::Message::copy(topic, 0, offset, "{\"number\": " + std::to_string(number) + "}", timestamp_ms);
  r.parsed.kind = MessageKind::Counter;
  r.parsed.number = number;
  return r;
}

Row tweet(const std::string& topic, std::int64_t offset, std::string payload, streamlab::tweets::Tweet t) {
  Row r;
  r.message = streamlab::kafka::Message::copy(topic, 0, offset, payload, 1'556'713'124'123);
  r.parsed.kind = MessageKind::Tweet;
  r.parsed.tweet = std::move(t);
  return r;
}

streamlab::tweets::Tweet dated(std::string created_at, std::int64_t created_at_ms) {
  streamlab::tweets::Tweet t;
  t.created_at = std::move(created_at);
  t.created_at_ms = created_at_ms;
  return t;
}

// The batch: offsets 0..8 of one partition.
Batch every_field(const std::string& topic) {
  Batch b;
  b.rows.push_back(counter(topic, 0, INT64_MAX, 1'556'713'124'123));
  b.rows.push_back(counter(topic, 1, INT64_MIN, -1));       // no Kafka timestamp: NULL
  b.rows.push_back(counter(topic, 2, 0, 946'684'799'999));  // 1999-12-31T23:59:59.999Z
  streamlab::tweets::Tweet t = dated("1969-07-20T20:17:40Z", -14'182'940'000);
  t.id = "1123562395520332061";
  t.author = "ñandú_42";
  t.lang = "es";
  t.text = "Fútbol 😀 tab\there\nnew line \\N back\\slash \"quoted\" {braces} \r";
  t.hashtags = {"Fútbol", "NULL", "{a,b}", "", "x\"y\\z", " "};
  t.mentions = {"ana"};
  t.is_retweet = true;
  b.rows.push_back(tweet(topic, 3, R"({"text": "Fútbol 😀", "n": [1, 2.5, null]})", t));
  b.rows.push_back(tweet(topic, 4, "{}", streamlab::tweets::Tweet{}));  // every text empty, no date, no arrays
  b.rows.push_back(tweet(topic, 5, "{}", dated("0001-01-01T00:00:00Z", -62'135'596'800'000)));
  b.rows.push_back(tweet(topic, 6, "{}", dated("9999-12-31T23:59:59Z", 253'402'300'799'999)));
  b.rows.push_back(tweet(topic, 7, "[]", dated("1999-12-31T23:59:59Z", 946'684'799'500)));
  b.rows.push_back(tweet(topic, 8, "{}", dated("1969-12-31T23:59:58Z", -1'500)));
  return b;
}

// What the rows read back as, one line per row, in UTC; NULL for NULL.
const std::vector<std::string> kExpected = {
    "0|counter|9223372036854775807|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|2019-05-01 12:18:44.123+00|"
    "{\"number\": 9223372036854775807}",
    "1|counter|-9223372036854775808|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|{\"number\": -9223372036854775808}",
    "2|counter|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|1999-12-31 23:59:59.999+00|{\"number\": 0}",
    "3|tweet|NULL|1123562395520332061|1969-07-20 20:17:40+00|ñandú_42|es|"
    "Fútbol 😀 tab\there\nnew line \\N back\\slash \"quoted\" {braces} \r|"
    "{Fútbol,\"NULL\",\"{a,b}\",\"\",\"x\\\"y\\\\z\",\" \"}|{ana}|true|2019-05-01 12:18:44.123+00|"
    "{\"n\": [1, 2.5, null], \"text\": \"Fútbol 😀\"}",
    "4|tweet|NULL||NULL||||{}|{}|false|2019-05-01 12:18:44.123+00|{}",
    "5|tweet|NULL||0001-01-01 00:00:00+00||||{}|{}|false|2019-05-01 12:18:44.123+00|{}",
    "6|tweet|NULL||9999-12-31 23:59:59+00||||{}|{}|false|2019-05-01 12:18:44.123+00|{}",
    "7|tweet|NULL||1999-12-31 23:59:59+00||||{}|{}|false|2019-05-01 12:18:44.123+00|[]",
    "8|tweet|NULL||1969-12-31 23:59:58+00||||{}|{}|false|2019-05-01 12:18:44.123+00|{}",
};

class PostgresSinkRows : public ::testing::Test {
 protected:
  void SetUp() override {
    if (postgres_uri().empty()) GTEST_FAIL() << "STREAMLAB_POSTGRES is not set: run through `make test`";
    conn_ = PQconnectdb(postgres_uri().c_str());
    ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    postgres::exec(conn_, "SET TimeZone = 'UTC'");
  }
  void TearDown() override {
    for (const auto& t : tables_) {
      try {
        postgres::exec(conn_, "DROP TABLE IF EXISTS \"" + t + "\", \"" + t + "_dead_letters\"");
      } catch (const std::exception&) {
      }
    }
    for (const auto& g : groups_) {
      try {
        postgres::exec(conn_, "DELETE FROM streamlab_offsets WHERE consumer_group = $1", {g});
      } catch (const std::exception&) {
      }
    }
    PQfinish(conn_);
  }

  static std::string nullable(const std::string& column) { return "coalesce(" + column + "::text, 'NULL'), "; }

  // Writes the batch into `table` and reads its rows back; `said`: what the sink printed.
  std::vector<std::string> write_and_read(const std::string& table, std::string& said) {
    const std::string group = groups_.emplace_back(fresh("g")), topic = fresh("topic");
    PostgresSink sink({.uri = postgres_uri(), .table = table, .raw = RawColumn::Jsonb});
    const Batch batch = every_field(topic);
    ::testing::internal::CaptureStderr();
    const Offsets fenced = sink.write(group, batch);
    said = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(fenced.empty());
    EXPECT_EQ(sink.stored_offsets(group, {{topic, 0}}), (Offsets{{{topic, 0}, 9}}));
    postgres::Result r = postgres::exec(
        conn_,
        "SELECT concat_ws('|', \"offset\", kind, " + nullable("number") + nullable("id") + nullable("created_at") +
            nullable("author") + nullable("lang") + nullable("text") + nullable("hashtags") + nullable("mentions") +
            nullable("is_retweet") + nullable("kafka_timestamp") + "coalesce(raw::text, 'NULL')) FROM \"" + table +
            "\" WHERE topic = $1 ORDER BY \"offset\"",
        {topic}, PGRES_TUPLES_OK);
    std::vector<std::string> rows;
    for (int i = 0; i < PQntuples(r.get()); ++i) rows.emplace_back(PQgetvalue(r.get(), i, 0));
    return rows;
  }

  PGconn* conn_ = nullptr;
  std::vector<std::string> tables_, groups_;
};

}  // namespace

TEST_F(PostgresSinkRows, EveryFieldTypeRoundTripsInBinary) {
  const std::string table = tables_.emplace_back(fresh("binary"));
  std::string said;
  EXPECT_EQ(write_and_read(table, said), kExpected);
  EXPECT_EQ(said, "");
}

TEST_F(PostgresSinkRows, ATableOfOtherColumnTypesTakesTextRowsWithTheSameValues) {
  // "partition" bigint: binary rows (int4) would not fit it, so the sink writes text, which the
  // server converts.
  const std::string table = tables_.emplace_back(fresh("text"));
  postgres::exec(conn_, "CREATE TABLE \"" + table + R"(" (
      topic text NOT NULL, "partition" bigint NOT NULL, "offset" bigint NOT NULL,
      kind text NOT NULL, number bigint,
      id text, created_at timestamptz, author text, lang text, text text,
      hashtags text[], mentions text[], is_retweet boolean,
      kafka_timestamp timestamptz, raw jsonb,
      PRIMARY KEY (topic, "partition", "offset")))");
  std::string said;
  EXPECT_EQ(write_and_read(table, said), kExpected);
  EXPECT_NE(said.find("in COPY's text format, not binary: its column partition is of another type (OID 20)"),
            std::string::npos)
      << said;
}

TEST_F(PostgresSinkRows, AColumnAlteredUnderTheSinkIsAnOutageNotDeadLetters) {
  const std::string table = tables_.emplace_back(fresh("altered"));
  const std::string group = groups_.emplace_back(fresh("g")), topic = fresh("topic");
  PostgresSink sink({.uri = postgres_uri(), .table = table});
  Batch first = every_field(topic);
  first.rows.resize(4);  // offsets 0..3, in binary
  ASSERT_TRUE(sink.write(group, first).empty());
  // hashtags text[] -> varchar[]: the binary arrays name text as their element type.
  postgres::exec(conn_, "ALTER TABLE \"" + table + "\" ALTER COLUMN hashtags TYPE varchar[]");
  Batch rest = every_field(topic);
  rest.rows.erase(rest.rows.begin(), rest.rows.begin() + 4);
  rest.expected[{topic, 0}] = 4;
  ::testing::internal::CaptureStderr();
  EXPECT_THROW(sink.write(group, rest), RetryableError);
  EXPECT_TRUE(sink.write(group, rest).empty());  // in text now
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("its column hashtags is of another type"), std::string::npos) << said;
  for (const Row& r : rest.rows) EXPECT_EQ(r.dead_letter_reason, "");
  postgres::Result n = postgres::exec(conn_, "SELECT count(*) FROM \"" + table + "\"", {}, PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(n.get(), 0, 0), "9");
  EXPECT_EQ(sink.stored_offsets(group, {{topic, 0}}), (Offsets{{{topic, 0}, 9}}));
}

// Counters at offsets [first, last) of partition 0, `expected` the offset stored before them.
Batch counters(const std::string& topic, std::int64_t first, std::int64_t last, std::int64_t expected) {
  Batch b;
  for (std::int64_t o = first; o < last; ++o) b.rows.push_back(counter(topic, o, o, 1'556'713'124'123));
  if (expected >= 0) b.expected[{topic, 0}] = expected;
  return b;
}

TEST_F(PostgresSinkRows, ABatchAnotherMemberStoredIsFencedAndTheNextOneStores) {
  // A write is one script up to its COPY: a fenced one must end that COPY with nothing stored and
  // leave its connection fit for the next write.
  const std::string table = tables_.emplace_back(fresh("fence"));
  const std::string group = groups_.emplace_back(fresh("g")), topic = fresh("topic");
  PostgresSink a({.uri = postgres_uri(), .table = table}), b({.uri = postgres_uri(), .table = table});
  ASSERT_TRUE(a.write(group, counters(topic, 0, 5, -1)).empty());
  EXPECT_EQ(b.write(group, counters(topic, 0, 5, -1)), (Offsets{{{topic, 0}, 5}}));
  EXPECT_TRUE(b.write(group, counters(topic, 5, 10, 5)).empty());
  postgres::Result n =
      postgres::exec(conn_, "SELECT count(*), count(DISTINCT \"offset\") FROM \"" + table + "\"", {}, PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(n.get(), 0, 0), "10");
  EXPECT_STREQ(PQgetvalue(n.get(), 0, 1), "10");
  EXPECT_EQ(a.stored_offsets(group, {{topic, 0}}), (Offsets{{{topic, 0}, 10}}));
}

TEST_F(PostgresSinkRows, ARowTheTableRefusesIsADeadLetterAndTheRestCommitWithTheOffsets) {
  const std::string table = tables_.emplace_back(fresh("refused"));
  const std::string group = groups_.emplace_back(fresh("g")), topic = fresh("topic");
  PostgresSink sink({.uri = postgres_uri(), .table = table});
  ASSERT_TRUE(sink.write(group, counters(topic, 0, 2, -1)).empty());  // the sink makes the table
  postgres::exec(conn_, "ALTER TABLE \"" + table + "\" ADD CONSTRAINT not_13 CHECK (number <> 13)");
  Batch batch = counters(topic, 2, 20, 2);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(sink.write(group, batch).empty());
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("refused 1 of 18 rows"), std::string::npos) << said;
  for (const Row& r : batch.rows) {
    EXPECT_EQ(r.dead_letter_reason.find("23514") != std::string::npos, r.parsed.number == 13) << r.dead_letter_reason;
  }
  postgres::Result n =
      postgres::exec(conn_,
                     "SELECT (SELECT count(*) FROM \"" + table +
                         "\"), (SELECT string_agg(\"offset\"::text, ',') FROM \"" + table + "_dead_letters\")",
                     {}, PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(n.get(), 0, 0), "19");
  EXPECT_STREQ(PQgetvalue(n.get(), 0, 1), "13");
  EXPECT_EQ(sink.stored_offsets(group, {{topic, 0}}), (Offsets{{{topic, 0}, 20}}));
}

TEST(PostgresConnection, SynchronousCommitFromTheUriIsTheSessions) {
  if (postgres_uri().empty()) GTEST_FAIL() << "STREAMLAB_POSTGRES is not set: run through `make test`";
  const std::string uri = postgres_uri() + (postgres_uri().find('?') == std::string::npos ? "?" : "&");
  for (const char* value : {"off", "local"}) {
    postgres::Connection c(uri + "synchronous_commit=" + value);
    c.get();
    postgres::Result r = c.exec("SHOW synchronous_commit", {}, PGRES_TUPLES_OK);
    EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), value);
  }
}
