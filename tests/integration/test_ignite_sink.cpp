// IgniteSink against the real local node (STREAMLAB_IGNITE), without Kafka: two members
// writing one partition race, and each write that reports success moved the stored offset from
// exactly its expected value (the compare-and-set); a fenced write is told what is stored; an
// offsets row of a type the sink does not know is a clear FatalError, not a crash.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "ignite/client.hpp"
#include "ignite/uri.hpp"
#include "sinks/ignite/ignite_sink.hpp"
#include "support/service_env.hpp"

using namespace streamlab::sinks;
using streamlab::ignite::BinaryObject;
using streamlab::ignite::BinaryType;
using streamlab::ignite::TypeCode;
using streamlab::ignite::Value;

namespace {

std::string ignite_uri() { return streamlab::testing::env_or_empty("STREAMLAB_IGNITE"); }

std::string fresh(const std::string& what) { return streamlab::testing::unique_name("IT_SINK_" + what + "_"); }

// Counters [first, last) of one partition, expecting `expected` stored (kNoOffset: nothing).
Batch counters(const std::string& topic, std::int64_t first, std::int64_t last, std::int64_t expected) {
  Batch b;
  for (std::int64_t o = first; o < last; ++o) {
    Row r;
    r.message = streamlab::kafka::Message::copy(topic, 0, o, "{\"number\": " + std::to_string(o) + "}");
    r.parsed.kind = streamlab::tweets::MessageKind::Counter;
    r.parsed.number = o;
    b.rows.push_back(std::move(r));
  }
  if (expected != kNoOffset) b.expected[{topic, 0}] = expected;
  return b;
}

class IgniteSinkFence : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ignite_uri().empty()) GTEST_FAIL() << "STREAMLAB_IGNITE is not set: run through `make test`";
    table_ = fresh("T");
  }
  void TearDown() override {
    try {
      streamlab::ignite::Client c(streamlab::ignite::parse_uri(ignite_uri()).client_options());
      c.connect();
      c.sql_fields("PUBLIC", "DROP TABLE IF EXISTS " + table_);
      c.sql_fields("PUBLIC", "DROP TABLE IF EXISTS " + table_ + "_DEAD_LETTERS");
      for (const auto& g : groups_) {
        const Value arg[] = {Value(g)};
        c.sql_fields("PUBLIC", "DELETE FROM STREAMLAB_OFFSETS WHERE CONSUMER_GROUP = ?", arg);
      }
    } catch (const std::exception&) {
    }
  }
  std::string group() { return groups_.emplace_back(fresh("g")); }

  std::string table_;
  std::vector<std::string> groups_;
};

}  // namespace

TEST_F(IgniteSinkFence, AFencedWriteIsToldWhatIsStored) {
  const std::string g = group(), topic = fresh("topic");
  IgniteSink a(ignite_uri(), table_), b(ignite_uri(), table_);
  const TopicPartition tp{topic, 0};
  EXPECT_TRUE(a.write(g, counters(topic, 0, 5, kNoOffset)).empty());
  EXPECT_EQ(b.write(g, counters(topic, 0, 5, kNoOffset)), (Offsets{{tp, 5}}));  // not absent any more
  EXPECT_TRUE(b.write(g, counters(topic, 5, 9, 5)).empty());
  EXPECT_EQ(a.write(g, counters(topic, 5, 9, 5)), (Offsets{{tp, 9}}));  // a stale expected value
  EXPECT_EQ(a.stored_offsets(g, {tp}), (Offsets{{tp, 9}}));
}

TEST_F(IgniteSinkFence, RacingMembersNeverBothMoveTheOffset) {
  const std::string g = group(), topic = fresh("topic");
  const TopicPartition tp{topic, 0};
  constexpr int kWrites = 60;
  constexpr std::int64_t kRows = 3;
  std::atomic<int> moved{0}, fenced{0};
  // The tables first: two sinks creating them at the same moment can race in the DDL.
  IgniteSink(ignite_uri(), table_).stored_offsets(g, {tp});
  // Both connected before either writes: a member still connecting while the other has done
  // all its writes would never race (seen once in CI).
  std::latch connected(2);
  const auto member = [&] {
    IgniteSink sink(ignite_uri(), table_);
    sink.stored_offsets(g, {tp});
    connected.arrive_and_wait();
    for (int i = 0; i < kWrites; ++i) {
      const Offsets stored = sink.stored_offsets(g, {tp});
      const std::int64_t from = stored.count(tp) != 0 ? stored.at(tp) : kNoOffset;
      const std::int64_t first = from == kNoOffset ? 0 : from;
      const Offsets answer = sink.write(g, counters(topic, first, first + kRows, from));
      if (answer.empty()) {
        ++moved;
      } else {
        ++fenced;
        EXPECT_GT(answer.at(tp), first) << "a fence reports what another member stored";
      }
    }
  };
  std::thread a(member), b(member);
  a.join();
  b.join();
  // Last-writer-wins would let two members that read the same offset both report success.
  IgniteSink check(ignite_uri(), table_);
  EXPECT_EQ(check.stored_offsets(g, {tp}), (Offsets{{tp, kRows * moved.load()}}));
  EXPECT_GT(fenced.load(), 0) << "the members never raced";
  RecordProperty("moved", moved.load());
  RecordProperty("fenced", fenced.load());
}

TEST_F(IgniteSinkFence, AnOffsetsRowOfAnotherTypeIsAClearFatalError) {
  const std::string g = group(), topic = fresh("topic");
  IgniteSink sink(ignite_uri(), table_);
  EXPECT_TRUE(sink.write(g, counters(topic, 0, 1, kNoOffset)).empty());
  // Someone else's client writes its own object under the sink's key.
  streamlab::ignite::Client c(streamlab::ignite::parse_uri(ignite_uri()).client_options());
  c.connect();
  const auto key_type = std::make_shared<BinaryType>(
      "streamlab.OffsetKey",
      std::vector<std::pair<std::string, TypeCode>>{
          {"CONSUMER_GROUP", TypeCode::kString}, {"TOPIC", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}});
  const auto other = std::make_shared<BinaryType>(
      "streamlab.it.NotAnOffsetRow", std::vector<std::pair<std::string, TypeCode>>{{"WHATEVER", TypeCode::kString}});
  c.put("STREAMLAB_OFFSETS", BinaryObject{key_type, {Value(g), Value(topic), Value(std::int32_t{0})}},
        BinaryObject{other, {Value("x")}});
  try {
    sink.stored_offsets(g, {{topic, 0}});
    FAIL() << "a row without NEXT_OFFSET was read";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("STREAMLAB_OFFSETS"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NEXT_OFFSET"), std::string::npos) << e.what();
  }
}
