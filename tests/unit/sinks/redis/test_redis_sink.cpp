// The Redis sink's transaction for a batch, in Redis's protocol, against a reference written
// out argument by argument: what write() sends after its fence check and what ?record=FILE
// keeps for `redis-cli --pipe`.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "sinks/redis/redis_sink.hpp"
#include "tweets/message_parser.hpp"

using streamlab::kafka::Message;
using streamlab::sinks::Batch;
using streamlab::sinks::Row;
using streamlab::sinks::transaction_resp;

namespace {

// RESP's array of bulk strings, spelled out independently of the sink's encoder.
std::string resp(std::initializer_list<std::string> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

Row row(std::int32_t partition, std::int64_t offset, const std::string& payload, std::int64_t ts,
        std::string dead_letter = {}) {
  static streamlab::tweets::MessageParser parser;
  Row r;
  r.message = Message::copy("t", partition, offset, payload, ts);
  parser.parse(r.payload(), r.parsed);
  r.dead_letter_reason = std::move(dead_letter);
  return r;
}

}  // namespace

TEST(RedisTransaction, CountersAndADeadLetterInOneMultiExec) {
  Batch b;
  b.rows.push_back(row(0, 41, R"({"number": 7})", 1000));
  b.rows.push_back(row(1, 5, "not json", 2000, "malformed JSON"));
  b.rows.push_back(row(0, 42, R"({"number": 8})", 3000));
  std::size_t commands = 99;
  const std::string tx = transaction_resp("p", "g", b, commands);

  const std::string expected =
      resp({"MULTI"}) +
      resp({"HSET", "p:msg:t:0:41", "topic", "t", "partition", "0", "offset", "41", "kind", "counter", "number", "7",
            "kafka_timestamp", "1000"}) +
      resp({"RPUSH", "p:index:t", "p:msg:t:0:41"}) +
      resp({"HSET", "p:dead:t:1:5", "topic", "t", "partition", "1", "offset", "5", "group", "g", "error",
            "malformed JSON", "payload", "not json", "kafka_timestamp", "2000"}) +
      resp({"RPUSH", "p:dead_letters", "p:dead:t:1:5"}) +
      resp({"HSET", "p:msg:t:0:42", "topic", "t", "partition", "0", "offset", "42", "kind", "counter", "number", "8",
            "kafka_timestamp", "3000"}) +
      resp({"RPUSH", "p:index:t", "p:msg:t:0:42"}) + resp({"HSET", "p:offsets:g", "t:0", "43", "t:1", "6"}) +
      resp({"EXEC"});
  EXPECT_EQ(tx, expected);
  EXPECT_EQ(commands, 7u);
}

TEST(RedisTransaction, ATweetCountsItsHashtagsAndPointsItsIdAtItsKey) {
  Batch b;
  b.rows.push_back(row(2, 0,
                       R"({"id_str": "123", "created_at": "Wed May 01 12:18:44 +0000 2019", "text": "hi #a #b",)"
                       R"( "lang": "en", "user": {"screen_name": "ann"},)"
                       R"( "entities": {"hashtags": [{"text": "a"}, {"text": "b"}], "user_mentions": []}})",
                       -1));
  ASSERT_EQ(b.rows[0].parsed.kind, streamlab::tweets::MessageKind::Tweet);
  std::size_t commands = 0;
  const std::string tx = transaction_resp("p", "g", b, commands);
  // HSET, SET of the id, one ZINCRBY per hashtag, RPUSH, and the offsets' HSET.
  EXPECT_EQ(commands, 6u);
  EXPECT_NE(tx.find(resp({"SET", "p:tweet:123", "p:msg:t:2:0"})), std::string::npos) << tx;
  EXPECT_NE(tx.find(resp({"ZINCRBY", "p:hashtags", "1", "a"}) + resp({"ZINCRBY", "p:hashtags", "1", "b"})),
            std::string::npos)
      << tx;
  EXPECT_TRUE(tx.ends_with(resp({"HSET", "p:offsets:g", "t:2", "1"}) + resp({"EXEC"})));
}
