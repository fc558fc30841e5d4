// The Redis sink's transaction for a batch, in Redis's protocol, against a reference written
// out argument by argument: what write() sends after its fence check and what ?record=FILE
// keeps for `redis-cli --pipe`.

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

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
      resp({"MULTI"}) + resp({"HSET", "p:msg:t:0:41", "kind", "counter", "number", "7", "kafka_timestamp", "1000"}) +
      resp({"HSET", "p:dead:t:1:5", "topic", "t", "partition", "1", "offset", "5", "group", "g", "error",
            "malformed JSON", "payload", "not json", "kafka_timestamp", "2000"}) +
      resp({"HSET", "p:msg:t:0:42", "kind", "counter", "number", "8", "kafka_timestamp", "3000"}) +
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
  b.rows.push_back(row(2, 2, tweet("123", ""), -1));  // the same tweet again: its pointer moves
  ASSERT_EQ(b.rows[0].parsed.kind, streamlab::tweets::MessageKind::Tweet);
  std::size_t commands = 0;
  const std::string tx = transaction_resp("p", "g", b, commands);
  // Per tweet its HSET; one HSET of the ids (pairs in the batch's order, so the last copy of an
  // id wins); one RPUSH; one ZINCRBY per hashtag, by its count; the offsets.
  EXPECT_EQ(commands, 8u);
  EXPECT_TRUE(
      tx.ends_with(resp({"HSET", "p:tweet_by_id", "123", "p:msg:t:2:0", "124", "p:msg:t:2:1", "123", "p:msg:t:2:2"}) +
                   resp({"RPUSH", "p:index:t", "p:msg:t:2:0", "p:msg:t:2:1", "p:msg:t:2:2"}) +
                   resp({"ZINCRBY", "p:hashtags", "1", "a"}) + resp({"ZINCRBY", "p:hashtags", "2", "b"}) +
                   resp({"HSET", "p:offsets:g", "t:2", "3"}) + resp({"EXEC"})))
      << tx;
}

// The batched transaction against a reference: the same batch written the plain way, one
// command per message for each thing it stores (its hash, its id pointer, one RPUSH onto its
// list, ZINCRBY 1 per hashtag), both applied to a model of Redis's keys; the resulting keys and
// values must be the same.
namespace {

using Args = std::vector<std::string>;

// RESP arrays of bulk strings back into argument lists; fails the test on anything else.
std::vector<Args> parse_resp(const std::string& s) {
  std::vector<Args> out;
  std::size_t at = 0;
  const auto number = [&](char lead) {
    EXPECT_EQ(s.at(at), lead) << "at byte " << at;
    const std::size_t end = s.find("\r\n", at);
    const auto n = std::stoull(s.substr(at + 1, end - at - 1));
    at = end + 2;
    return n;
  };
  while (at < s.size()) {
    Args args(number('*'));
    for (auto& a : args) {
      const auto len = number('$');
      a = s.substr(at, len);
      EXPECT_EQ(s.substr(at + len, 2), "\r\n");
      at += len + 2;
    }
    out.push_back(std::move(args));
  }
  return out;
}

struct Model {
  std::map<std::string, std::map<std::string, std::string>> hashes;
  std::map<std::string, std::string> strings;
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, std::map<std::string, std::int64_t>> zsets;

  void apply(const Args& a) {
    ASSERT_FALSE(a.empty());
    if (a[0] == "HSET") {
      ASSERT_EQ(a.size() % 2, 0u);
      for (std::size_t i = 2; i < a.size(); i += 2) hashes[a[1]][a[i]] = a[i + 1];
    } else if (a[0] == "SET") {
      ASSERT_EQ(a.size(), 3u);
      strings[a[1]] = a[2];
    } else if (a[0] == "RPUSH") {
      ASSERT_GE(a.size(), 3u);
      lists[a[1]].insert(lists[a[1]].end(), a.begin() + 2, a.end());
    } else if (a[0] == "ZINCRBY") {
      ASSERT_EQ(a.size(), 4u);
      zsets[a[1]][a[3]] += std::stoll(a[2]);
    } else {
      FAIL() << "unexpected command " << a[0];
    }
  }
  bool operator==(const Model&) const = default;
};

// The plain way, one message at a time.
std::vector<Args> per_message(const std::string& p, const std::string& g, const Batch& b) {
  std::vector<Args> out;
  for (const Row& r : b.rows) {
    const std::string coords =
        std::string(r.topic()) + ":" + std::to_string(r.partition()) + ":" + std::to_string(r.offset());
    // A dead letter's hash carries its coordinates as fields too.
    const Args where = {"topic",  std::string(r.topic()),    "partition", std::to_string(r.partition()),
                        "offset", std::to_string(r.offset())};
    const std::string ts = std::to_string(r.timestamp_ms());
    Args hset = {"HSET"};
    if (!r.dead_letter_reason.empty()) {
      hset.push_back(p + ":dead:" + coords);
      hset.insert(hset.end(), where.begin(), where.end());
      hset.insert(hset.end(), {"group", g, "error", r.dead_letter_reason, "payload", std::string(r.payload()),
                               "kafka_timestamp", ts});
      out.push_back(hset);
      out.push_back({"RPUSH", p + ":dead_letters", hset[1]});
      continue;
    }
    hset.push_back(p + ":msg:" + coords);  // a message's coordinates are in its key only
    if (r.parsed.kind == streamlab::tweets::MessageKind::Tweet) {
      const auto& t = r.parsed.tweet;
      hset.insert(hset.end(), {"kind",
                               "tweet",
                               "id",
                               t.id,
                               "created_at",
                               t.created_at,
                               "author",
                               t.author,
                               "lang",
                               t.lang,
                               "text",
                               t.text,
                               "hashtags",
                               nlohmann::json(t.hashtags).dump(),
                               "mentions",
                               nlohmann::json(t.mentions).dump(),
                               "is_retweet",
                               t.is_retweet ? "1" : "0",
                               "kafka_timestamp",
                               ts});
      out.push_back(hset);
      if (!t.id.empty()) out.push_back({"HSET", p + ":tweet_by_id", t.id, hset[1]});
      for (const auto& tag : t.hashtags) out.push_back({"ZINCRBY", p + ":hashtags", "1", tag});
    } else {
      hset.insert(hset.end(), {"kind", "counter", "number", std::to_string(r.parsed.number), "kafka_timestamp", ts});
      out.push_back(hset);
    }
    out.push_back({"RPUSH", p + ":index:" + std::string(r.topic()), hset[1]});
  }
  Args offsets = {"HSET", p + ":offsets:" + g};
  for (const auto& [tp, range] : b.ranges()) {
    offsets.push_back(tp.topic + ":" + std::to_string(tp.partition));
    offsets.push_back(std::to_string(range.next));
  }
  out.push_back(offsets);
  return out;
}

Row row_of(const std::string& topic, std::int32_t partition, std::int64_t offset, const std::string& payload,
           std::int64_t ts) {
  static streamlab::tweets::MessageParser parser;
  Row r;
  r.message = Message::copy(topic, partition, offset, payload, ts);
  parser.parse(r.payload(), r.parsed);
  if (r.parsed.kind != streamlab::tweets::MessageKind::Tweet &&
      r.parsed.kind != streamlab::tweets::MessageKind::Counter)
    r.dead_letter_reason = "neither a tweet nor a counter";
  return r;
}

// A seeded mix: counters and tweets on two topics and three partitions, tweets repeating ids
// and hashtags (also non-ASCII and with quotes), dead letters, messages without a timestamp.
Batch mixed_batch(unsigned seed, std::size_t n) {
  std::mt19937 rng(seed);
  const std::vector<std::string> tags = {"a", "b", "Fútbol", "日本", R"(q"uote)", "x\\y"};
  std::map<std::pair<std::string, int>, std::int64_t> next;
  Batch b;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string topic = rng() % 3 == 0 ? "u" : "t";
    const int partition = static_cast<int>(rng() % 3);
    const std::int64_t offset = 1000 * partition + next[{topic, partition}]++;
    const std::int64_t ts = rng() % 10 == 0 ? -1 : 1'700'000'000'000 + static_cast<std::int64_t>(i);
    std::string payload;
    switch (rng() % 4) {
      case 0: payload = R"({"number": )" + std::to_string(rng()) + "}"; break;
      case 1: payload = rng() % 2 == 0 ? "not json" : R"({"neither": 1})"; break;
      default: {
        std::string tag_list;
        for (unsigned k = rng() % 4; k > 0; --k) {
          if (!tag_list.empty()) tag_list += ", ";
          tag_list += nlohmann::json{{"text", tags[rng() % tags.size()]}}.dump();
        }
        payload = tweet(std::to_string(100 + rng() % 20), tag_list);
      }
    }
    b.rows.push_back(row_of(topic, partition, offset, payload, ts));
  }
  return b;
}

}  // namespace

TEST(RedisTransaction, StoresWhatOneCommandPerMessageStores) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    const Batch b = mixed_batch(seed, 1 + seed * 25);
    std::size_t commands = 0;
    const std::vector<Args> tx = parse_resp(transaction_resp("p", "g", b, commands));
    ASSERT_GE(tx.size(), 2u);
    EXPECT_EQ(tx.front(), Args{"MULTI"});
    EXPECT_EQ(tx.back(), Args{"EXEC"});
    EXPECT_EQ(commands, tx.size() - 2);
    Model batched, reference;
    for (std::size_t i = 1; i + 1 < tx.size(); ++i) batched.apply(tx[i]);
    for (const Args& a : per_message("p", "g", b)) reference.apply(a);
    EXPECT_TRUE(batched == reference);
    EXPECT_FALSE(reference.zsets.empty());
    EXPECT_TRUE(reference.hashes.contains("p:tweet_by_id"));
    EXPECT_EQ(reference.lists.size(), 3u);  // two indexes, the dead letters
  }
}
