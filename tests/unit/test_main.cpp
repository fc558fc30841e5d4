// The binary's usage errors: named, exit code 2, before any connection is tried.

#include <gtest/gtest.h>

#include <string>

#include "support/process.hpp"

using streamlab::testing::Outcome;

namespace {
Outcome run(const std::string& args) {
  return streamlab::testing::run_command(streamlab::testing::cli(args) + " 2>&1");
}
}  // namespace

TEST(Cli, UnknownFlagIsAUsageError) {
  const Outcome r = run("produce --no-such-flag");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--no-such-flag"), std::string::npos) << r.output;
}

TEST(Cli, BadValuesAreNamed) {
  Outcome r = run("produce --source nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--source"), std::string::npos) << r.output;

  r = run("produce --rate -5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--rate"), std::string::npos) << r.output;

  r = run("consume --from yesterday");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--from"), std::string::npos) << r.output;

  r = run("consume --count many");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--count"), std::string::npos) << r.output;

  for (const char* timeout : {"0", "-1", "1e9"}) {
    r = run(std::string("consume -b 127.0.0.1:1 --sink null --sink-timeout ") + timeout);
    EXPECT_EQ(r.code, 2) << timeout;
    EXPECT_NE(r.output.find("--sink-timeout expects seconds, more than 0"), std::string::npos) << r.output;
  }
}

TEST(Cli, BadLibrdkafkaPropertyIsNamed) {
  const Outcome r = run("produce -b 127.0.0.1:1 -X no.such.property=1 --count 1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("no.such.property"), std::string::npos) << r.output;
  const Outcome r2 = run("produce -b 127.0.0.1:1 -X novalue --count 1");
  EXPECT_EQ(r2.code, 2);
  EXPECT_NE(r2.output.find("novalue"), std::string::npos) << r2.output;
}

TEST(Cli, MissingTweetFileIsAClearError) {
  const Outcome r = run("produce -b 127.0.0.1:1 --source tweets --file /nonexistent/tweets.jsonl");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("/nonexistent/tweets.jsonl"), std::string::npos) << r.output;
}

TEST(Cli, NoSubcommandIsAUsageError) {
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run("--help").code, 0);
  EXPECT_EQ(run("topic").code, 2);
  EXPECT_EQ(run("topic describe").code, 2);  // -t is required
}

TEST(Cli, VerifyUsageErrorsComeBeforeAnyConnection) {
  // -b points nowhere: each of these must fail on its own, with exit code 2, without trying it.
  Outcome r = run("verify -b 127.0.0.1:1 --sink redis://127.0.0.1:1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--topic"), std::string::npos) << r.output;

  r = run("verify -b 127.0.0.1:1 -t x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--sink"), std::string::npos) << r.output;

  r = run("verify -b 127.0.0.1:1 -t x --sink mysql://h/db");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--sink"), std::string::npos) << r.output;

  r = run("verify -b 127.0.0.1:1 -t x --sink null");
  EXPECT_EQ(r.code, 2);

  r = run("verify -b 127.0.0.1:1 -t x --sink redis://:s3cret@h:0");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.output.find("s3cret"), std::string::npos) << r.output;

  r = run("verify -b 127.0.0.1:1 -t x --sink postgres://127.0.0.1:1/db --table 'a b'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--table"), std::string::npos) << r.output;
}
