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

  // Each row's hash; then one RPUSH per list, its keys in the batch's order; then the offsets.
  const std::string expected =
      resp({"MULTI"}) +
      resp({"HSET", "p:msg:t:0:41", "topic", "t", "partition", "0", "offset", "41", "kind", "counter", "number", "7",
            "kafka_timestamp", "1000"}) +
      resp({"HSET", "p:dead:t:1:5", "topic", "t", "partition", "1", "offset", "5", "group", "g", "error",
            "malformed JSON", "payload", "not json", "kafka_timestamp", "2000"}) +
      resp({"HSET", "p:msg:t:0:42", "topic", "t", "partition", "0", "offset", "42", "kind", "counter", "number", "8",
            "kafka_timestamp", "3000"}) +
      resp({"RPUSH", "p:index:t", "p:msg:t:0:41", "p:msg:t:0:42"}) + resp({"RPUSH", "p:dead_letters", "p:dead:t:1:5"}) +
      resp({"HSET", "p:offsets:g", "t:0", "43", "t:1", "6"}) + resp({"EXEC"});
  EXPECT_EQ(tx, expected);
  EXPECT_EQ(commands, 6u);
}

namespace {

std::string tweet(const std::string& id, const std::string& tags) {
  return R"({"id_str": ")" + id +
         R"(", "created_at": "Wed May 01 12:18:44 +0000 2019", "text": "hi",)"
         R"( "lang": "en", "user": {"screen_name": "ann"}, "entities": {"hashtags": [)" +
         tags + R"(], "user_mentions": []}})";
}

}  // namespace

TEST(RedisTransaction, TweetsPointTheirIdsAtTheirKeysAndCountHashtagsOncePerBatch) {
  Batch b;
  b.rows.push_back(row(2, 0, tweet("123", R"({"text": "a"}, {"text": "b"})"), -1));
  b.rows.push_back(row(2, 1, tweet("124", R"({"text": "b"})"), -1));
  ASSERT_EQ(b.rows[0].parsed.kind, streamlab::tweets::MessageKind::Tweet);
  std::size_t commands = 0;
  const std::string tx = transaction_resp("p", "g", b, commands);
  // Per tweet HSET and SET of its id; one RPUSH; one ZINCRBY per hashtag, by its count; the offsets.
  EXPECT_EQ(commands, 8u);
  EXPECT_NE(tx.find(resp({"SET", "p:tweet:123", "p:msg:t:2:0"})), std::string::npos) << tx;
  EXPECT_NE(tx.find(resp({"SET", "p:tweet:124", "p:msg:t:2:1"})), std::string::npos) << tx;
  EXPECT_TRUE(tx.ends_with(resp({"RPUSH", "p:index:t", "p:msg:t:2:0", "p:msg:t:2:1"}) +
                           resp({"ZINCRBY", "p:hashtags", "1", "a"}) + resp({"ZINCRBY", "p:hashtags", "2", "b"}) +
                           resp({"HSET", "p:offsets:g", "t:2", "2"}) + resp({"EXEC"})))
      << tx;
}
