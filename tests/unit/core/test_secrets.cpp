// core::redact_secrets: every way a password reaches a command line or a URI, and nothing else
// touched; from_environment's env:NAME.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/errors.hpp"
#include "core/secrets.hpp"

using streamlab::core::redact_secrets;

TEST(Secrets, UserinfoPasswordsUpToTheLastAt) {
  EXPECT_EQ(redact_secrets("postgres://alice:s3cret@db:5432/x"), "postgres://alice:***@db:5432/x");
  EXPECT_EQ(redact_secrets("redis://:p@ss/w:rd@h:6379/0"), "redis://:***@h:6379/0");
  EXPECT_EQ(redact_secrets("streamlab bench --postgres postgresql://u:a/b@h/db --redis redis://h"),
            "streamlab bench --postgres postgresql://u:***@h/db --redis redis://h");
  // No password, a user alone, a port: nothing to hide.
  EXPECT_EQ(redact_secrets("postgres://alice@db/x redis://h:6379/0 http://127.0.0.1:8080/"),
            "postgres://alice@db/x redis://h:6379/0 http://127.0.0.1:8080/");
  EXPECT_EQ(redact_secrets("'postgres://u:pw@h/db'"), "'postgres://u:***@h/db'");
}

// Found by tests/fuzz (ignite_uri): a query after a port, whose password holds a raw '@', was
// taken for a userinfo ending at that '@', and the rest of the password was left in the text.
TEST(Secrets, AQueryWithAnAtInItsPasswordIsHiddenWhole) {
  EXPECT_EQ(redact_secrets("ignite://h:10800?user=u&password=p@ss x"), "ignite://h:*** x");
  EXPECT_EQ(redact_secrets("ignite://h?user=a:b&password=x@yz&table=T"), "ignite://h?user=a:***&table=T");
  EXPECT_EQ(redact_secrets("ignite://h?user=u&password=a:b@c"), "ignite://h?user=u&password=***");
  EXPECT_EQ(redact_secrets("redis://:pa?ss@h:6379/0"), "redis://:***@h:6379/0");
  EXPECT_EQ(redact_secrets("redis://u:a.pwd=b@c@h"), "redis://u:***");  // more than the password, not less
}

TEST(Secrets, KeyValuePasswordsInQueriesAndLibpqKeywords) {
  EXPECT_EQ(redact_secrets("ignite://h:10800?table=T&user=ignite&password=s3cret&x=1"),
            "ignite://h:10800?table=T&user=ignite&password=***&x=1");
  EXPECT_EQ(redact_secrets("postgres://h/db?sslmode=require&password=a/b%40c"),
            "postgres://h/db?sslmode=require&password=***");
  EXPECT_EQ(redact_secrets("host=127.0.0.1 user=u password=s3cret dbname=x"),
            "host=127.0.0.1 user=u password=*** dbname=x");
  EXPECT_EQ(redact_secrets(R"(host=h password='it\'s a secret' dbname=x)"), "host=h password=*** dbname=x");
  EXPECT_EQ(redact_secrets("-X sasl.password=s3cret -X sasl.username=u"), "-X sasl.password=*** -X sasl.username=u");
  EXPECT_EQ(redact_secrets("X_BEARER_TOKEN=abc STREAMLAB_REDIS_PASSWORD=x"),
            "X_BEARER_TOKEN=*** STREAMLAB_REDIS_PASSWORD=***");
  // Not secrets: other keys, a key ending in "pass" as part of a word, "=" alone.
  EXPECT_EQ(redact_secrets("table=T bypass=1 user=u = password"), "table=T bypass=1 user=u = password");
}

TEST(FromEnvironment, ReadsEnvNamesAndLeavesOtherValues) {
  ::setenv("STREAMLAB_TEST_SECRET", "s3cret", 1);
  EXPECT_EQ(streamlab::core::from_environment("--x", "env:STREAMLAB_TEST_SECRET"), "s3cret");
  EXPECT_EQ(streamlab::core::from_environment("--x", "plain"), "plain");
  ::unsetenv("STREAMLAB_TEST_SECRET");
  try {
    streamlab::core::from_environment("--web-token", "env:STREAMLAB_TEST_SECRET");
    FAIL() << "no error";
  } catch (const streamlab::core::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "--web-token env:STREAMLAB_TEST_SECRET: the environment variable STREAMLAB_TEST_SECRET is not set");
  }
  EXPECT_THROW(streamlab::core::from_environment("--x", "env:"), streamlab::core::UsageError);
}
