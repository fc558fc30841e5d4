// Round trips through the real local Kafka (deploy/local/services start kafka), driving the
// streamlab binary as a user would.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "test_locations.hpp"

using streamlab::testing::cli;
using streamlab::testing::Outcome;
using streamlab::testing::run_command;

namespace {

std::string brokers() {
  const char* b = std::getenv("STREAMLAB_BROKERS");
  return b != nullptr ? b : "";
}

// A topic name no earlier run used, so every test starts from an empty topic.
std::string fresh_name(const std::string& what) {
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return "it-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(now);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class KafkaRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    if (brokers().empty()) GTEST_FAIL() << "STREAMLAB_BROKERS is not set: run through `make test`";
    b_ = " -b " + brokers();
  }
  void create_topic(const std::string& topic, int partitions) {
    const Outcome r =
        run_command(cli("topic create" + b_ + " -t " + topic + " -p " + std::to_string(partitions) + " 2>&1"));
    ASSERT_EQ(r.code, 0) << r.output;
  }
  // Produces 100,000 counters on 3 partitions (with `producer_args`), reads each number once.
  void produce_and_read_counters_once(const std::string& producer_args) {
    const std::string topic = fresh_name("counter");
    create_topic(topic, 3);
    Outcome p =
        run_command(cli("produce" + b_ + " -t " + topic + " --source counter --count 100000 --json" + producer_args));
    ASSERT_EQ(p.code, 0) << p.output;
    const auto summary = nlohmann::json::parse(p.output);
    EXPECT_EQ(summary["acked"], 100000);
    EXPECT_EQ(summary["failed"], 0);

    Outcome c = run_command(cli("consume" + b_ + " -t " + topic + " -g " + topic +
                                " --from beginning --show=json --count 100000 --idle-exit 30 2>/dev/null"));
    ASSERT_EQ(c.code, 0);
    std::vector<int> seen(100000, 0);
    std::size_t lines = 0;
    for (const auto& line : lines_of(c.output)) {
      const auto j = nlohmann::json::parse(line);
      ASSERT_EQ(j["kind"], "counter") << line;
      const auto n = j["number"].get<std::int64_t>();
      ASSERT_GE(n, 0);
      ASSERT_LT(n, 100000);
      ++seen[static_cast<std::size_t>(n)];
      ++lines;
    }
    EXPECT_EQ(lines, 100000u);
    for (std::size_t n = 0; n < seen.size(); ++n) ASSERT_EQ(seen[n], 1) << "number " << n;

    // The group committed what it consumed: resuming finds nothing left.
    Outcome again =
        run_command(cli("consume" + b_ + " -t " + topic + " -g " + topic + " --from stored --idle-exit 3 --json"));
    ASSERT_EQ(again.code, 0) << again.output;
    EXPECT_EQ(nlohmann::json::parse(again.output)["consumed"], 0);
  }
  std::string b_;
};

}  // namespace

TEST_F(KafkaRoundTrip, HundredThousandCountersExactlyOnce) { produce_and_read_counters_once(""); }

// librdkafka's local queue holds 1,500 messages here and the producer hands it 1,000 at a time:
// most hand-overs find it full part-way, and what it did not take is queued again one by one.
TEST_F(KafkaRoundTrip, CountersThroughAFullLocalQueueExactlyOnce) {
  produce_and_read_counters_once(" -X queue.buffering.max.messages=1500");
}

// --from end starts every partition at its end as it stands at the assignment: what is produced
// once the consumer says "assigned:" is read, all of it, and nothing from before. (librdkafka
// 2.0.2 left some partitions' end to be looked up half a second later, skipping what came
// meanwhile; the consumer now hands it the offsets.)
TEST_F(KafkaRoundTrip, FromEndReadsEverythingProducedOnceAssigned) {
  const std::string topic = fresh_name("from-end"), err = "/tmp/" + topic + ".err";
  create_topic(topic, 3);
  ASSERT_EQ(run_command(cli("produce" + b_ + " -t " + topic + " --count 30 --json")).code, 0);
  const std::string consume =
      cli("consume" + b_ + " -t " + topic + " -g " + topic + " --from end --quiet --count 30 --idle-exit 10 --json");
  const std::string produce = cli("produce" + b_ + " -t " + topic + " --count 30 --json >/dev/null");
  // The consumer in the background; the producer once it is assigned (polled, 30 s at most).
  Outcome c = run_command("(" + consume + " 2>" + err + " & pid=$!; i=0; until grep -q '^assigned: ' " + err +
                          " || [ $i -ge 300 ]; do sleep 0.1; i=$((i+1)); done; " + produce + "; wait $pid)");
  ASSERT_EQ(c.code, 0) << c.output;
  const auto j = nlohmann::json::parse(c.output);
  EXPECT_EQ(j["consumed"], 30);
  EXPECT_FALSE(j["idle_exit"].get<bool>()) << "waited for messages that were skipped";
  std::remove(err.c_str());
}

// A paced producer's messages carry their intended send times (header streamlab-intended-us):
// the consumer measures latency from them for every message; paced faster than 20,000 msgs/s,
// every k-th message carries one (80,000 msgs/s: every 4th); an unpaced producer's carry none.
TEST_F(KafkaRoundTrip, PacedMessagesCarryTheirIntendedSendTimes) {
  const std::string paced = fresh_name("paced"), fast = fresh_name("fast"), unpaced = fresh_name("unpaced");
  create_topic(paced, 1);
  create_topic(fast, 1);
  create_topic(unpaced, 1);
  ASSERT_EQ(run_command(cli("produce" + b_ + " -t " + paced + " --count 500 --rate 2000 --json")).code, 0);
  ASSERT_EQ(run_command(cli("produce" + b_ + " -t " + fast + " --count 500 --rate 80000 --json")).code, 0);
  ASSERT_EQ(run_command(cli("produce" + b_ + " -t " + unpaced + " --count 500 --json")).code, 0);
  for (const auto& [topic, expected] : {std::pair{paced, 500}, std::pair{fast, 125}, std::pair{unpaced, 0}}) {
    Outcome c = run_command(cli("consume" + b_ + " -t " + topic + " -g " + topic +
                                " --from beginning --until-end --quiet --json 2>/dev/null"));
    ASSERT_EQ(c.code, 0) << c.output;
    const auto j = nlohmann::json::parse(c.output);
    EXPECT_EQ(j["consumed"], 500);
    EXPECT_EQ(j["intended_latency_ms"]["count"], expected) << topic;
    // Read after the fact: at least the time since the last message was due, never negative.
    if (expected > 0) {
      EXPECT_GT(j["intended_latency_ms"]["p50"].get<double>(), 0.0);
    }
  }
}

TEST_F(KafkaRoundTrip, TweetFileReplayIsByteIdenticalAndInOrder) {
  const std::string corpus = std::string(STREAMLAB_SOURCE_DIR) + "/data/corpus/tweets.jsonl";
  std::ifstream in(corpus, std::ios::binary);
  ASSERT_TRUE(in) << corpus << " missing: run deploy/local/corpus";
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) expected.push_back(line);
  }
  ASSERT_GT(expected.size(), 500u);

  const std::string topic = fresh_name("tweets");
  create_topic(topic, 1);  // one partition: the whole file's order is the partition's order
  Outcome p = run_command(cli("produce" + b_ + " -t " + topic + " --source tweets --file " + corpus + " --json"));
  ASSERT_EQ(p.code, 0) << p.output;
  EXPECT_EQ(nlohmann::json::parse(p.output)["acked"], expected.size());

  Outcome c =
      run_command(cli("consume" + b_ + " -t " + topic + " -g " + topic + " --from beginning --show=raw --count " +
                      std::to_string(expected.size()) + " --idle-exit 30 2>/dev/null"));
  ASSERT_EQ(c.code, 0);
  const auto got = lines_of(c.output);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "line " << i;
}

TEST_F(KafkaRoundTrip, MalformedLinesAreSkippedAndCountedOrFatalWithStrict) {
  const std::string file = "/tmp/" + fresh_name("mixed") + ".jsonl";
  {
    std::ofstream out(file);
    out << R"({"id_str":"1","text":"hola","user":{"screen_name":"a"},"lang":"es"})"
        << "\n"
        << R"({"id_str":"2","text":"broken)"
        << "\n"
        << "\n"
        << R"({"number": 7})"
        << "\n";
  }
  const std::string topic = fresh_name("mixed");
  Outcome p = run_command(cli("produce" + b_ + " -t " + topic + " --source tweets --file " + file + " --json"));
  ASSERT_EQ(p.code, 0) << p.output;
  const auto j = nlohmann::json::parse(p.output);
  EXPECT_EQ(j["acked"], 2);
  EXPECT_EQ(j["skipped_lines"], 1);

  Outcome strict =
      run_command(cli("produce" + b_ + " -t " + topic + " --source tweets --strict --file " + file + " 2>&1"));
  EXPECT_EQ(strict.code, 1);
  EXPECT_NE(strict.output.find(file + ":2"), std::string::npos) << strict.output;
  std::remove(file.c_str());
}

TEST_F(KafkaRoundTrip, TopicAdminCreateDescribeDelete) {
  const std::string topic = fresh_name("admin");
  create_topic(topic, 4);
  Outcome d = run_command(cli("topic describe" + b_ + " -t " + topic + " --json"));
  ASSERT_EQ(d.code, 0) << d.output;
  const auto j = nlohmann::json::parse(d.output);
  EXPECT_EQ(j[0]["topic"], topic);
  EXPECT_EQ(j[0]["partitions"].size(), 4u);
  Outcome dup = run_command(cli("topic create" + b_ + " -t " + topic + " 2>&1"));
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.output.find("already exists"), std::string::npos) << dup.output;
  EXPECT_EQ(run_command(cli("topic create" + b_ + " -t " + topic + " --if-not-exists 2>&1")).code, 0);
  Outcome l = run_command(cli("topic list" + b_));
  EXPECT_NE(l.output.find(topic), std::string::npos);
  EXPECT_EQ(run_command(cli("topic delete" + b_ + " -t " + topic + " 2>&1")).code, 0);
}

// A user starts the consumer first, then the producer that creates the topic: the consumer is
// assigned it within its metadata refresh (seconds, not librdkafka's default 5 minutes).
TEST_F(KafkaRoundTrip, ConsumerStartedBeforeTheTopicExistsReadsIt) {
  const std::string topic = fresh_name("later");
  const std::string script =
      "err=$(mktemp); " + cli("consume" + b_ + " -t " + topic + " -g " + topic + " --from beginning --count 5") +
      " >/dev/null 2>$err & c=$!; "
      // Until the consumer has looked for the topic and not found it (a 20 s deadline).
      "i=0; until grep -q 'Subscribed topic not available' $err; do i=$((i+1)); "
      "[ $i -lt 200 ] || { echo 'the consumer never said the topic is missing'; cat $err; kill $c; exit 3; }; "
      "sleep 0.1; done; " +
      cli("produce" + b_ + " -t " + topic + " --source counter --count 5") +
      " 2>/dev/null || exit 5; "
      // Its --count 5 ends it: 30 s is well past a 5 s refresh and far short of 5 minutes.
      "i=0; while kill -0 $c 2>/dev/null; do i=$((i+1)); "
      "[ $i -lt 300 ] || { echo 'still waiting after 30 s'; cat $err; kill $c; exit 4; }; sleep 0.1; done; "
      "wait $c; rc=$?; [ $rc = 0 ] || cat $err; rm -f $err; exit $rc";
  const Outcome r = run_command(script + " 2>&1");
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST(KafkaUnreachable, ClearErrorWithinFifteenSeconds) {
  const auto start = std::chrono::steady_clock::now();
  // Port 1 on loopback: nothing listens there.
  Outcome p = run_command(cli("produce -b 127.0.0.1:1 --count 10 2>&1"));
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(p.code, 1) << p.output;
  EXPECT_NE(p.output.find("cannot reach Kafka at 127.0.0.1:1"), std::string::npos) << p.output;
  EXPECT_LT(secs, 15.0);
  Outcome c = run_command(cli("consume -b 127.0.0.1:1 --count 10 2>&1"));
  EXPECT_EQ(c.code, 1) << c.output;
  EXPECT_NE(c.output.find("cannot reach Kafka"), std::string::npos) << c.output;
}
