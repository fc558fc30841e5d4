// The Redis address of --sink redis://…: what is accepted, what is refused, and that the
// password never shows.

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "sinks/redis/redis_uri.hpp"

using streamlab::core::UsageError;
using streamlab::sinks::check_redis_prefix;
using streamlab::sinks::parse_redis_uri;
using streamlab::sinks::RedisUri;

TEST(RedisUri, DefaultsAndEveryPart) {
  RedisUri u = parse_redis_uri("redis://");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  EXPECT_TRUE(u.user.empty());
  EXPECT_TRUE(u.password.empty());

  u = parse_redis_uri("redis://cache.local:16379/3");
  EXPECT_EQ(u.host, "cache.local");
  EXPECT_EQ(u.port, 16379);
  EXPECT_EQ(u.db, 3);

  u = parse_redis_uri("redis://:s3cret@127.0.0.1:16379");
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(u.port, 16379);

  u = parse_redis_uri("redis://alice:p@ss:word@h/");
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "p@ss:word");  // the last '@' ends the credentials
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.db, 0);
}

TEST(RedisUri, ARecordFileAfterTheAddress) {
  RedisUri u = parse_redis_uri("redis://:pw@h:6380/1?record=/tmp/tx.resp");
  EXPECT_EQ(u.record, "/tmp/tx.resp");
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 1);
  EXPECT_TRUE(parse_redis_uri("redis://h").record.empty());
  EXPECT_THROW(parse_redis_uri("redis://h?record="), UsageError);
  EXPECT_THROW(parse_redis_uri("redis://h?table=x"), UsageError);
  EXPECT_THROW(parse_redis_uri("redis://h?record=a&x=1"), UsageError);
}

TEST(RedisUri, DescribeLeavesCredentialsOut) {
  const RedisUri u = parse_redis_uri("redis://alice:s3cret@db.example:6380/2");
  EXPECT_EQ(u.describe(), "redis db.example:6380/2");
}

TEST(RedisUri, MalformedAddressesAreUsageErrorsWithoutThePassword) {
  for (const char* bad : {"http://h", "redis://h:0", "redis://h:65536", "redis://h:port", "redis://h/-1", "redis://h/x",
                          "redis://:s3cret@h:99999"}) {
    try {
      parse_redis_uri(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("Redis URI"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
  }
}

// Found by tests/fuzz (redis_uri): a user name holding '/' was taken, while redact_secrets reads
// "scheme://a/b:PASSWORD@" as a path and left the password in what it redacts.
TEST(RedisUri, AUserNameWithASlashIsRefused) {
  for (const char* bad : {"redis://a/b:s3cret@h", "redis://h/0:s3cret@h"}) {
    try {
      parse_redis_uri(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot hold '/'"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_redis_uri("redis://u:pa/ss@h").password, "pa/ss");  // the password may hold one
}

TEST(RedisUri, KeyPrefix) {
  EXPECT_NO_THROW(check_redis_prefix("streamlab"));
  EXPECT_NO_THROW(check_redis_prefix("app:v2"));
  EXPECT_THROW(check_redis_prefix(""), UsageError);
  EXPECT_THROW(check_redis_prefix("a b"), UsageError);
  EXPECT_THROW(check_redis_prefix("a\nb"), UsageError);
}

TEST(RedisUri, RedissMeansTlsWithAnOptionalCaFile) {
  const RedisUri plain = parse_redis_uri("redis://h");
  EXPECT_FALSE(plain.tls);
  const RedisUri tls = parse_redis_uri("rediss://app@localhost:26379/3?cacert=/etc/ca.pem&record=/tmp/r");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.cacert, "/etc/ca.pem");
  EXPECT_EQ(tls.record, "/tmp/r");
  EXPECT_EQ(tls.host, "localhost");
  EXPECT_EQ(tls.db, 3);
  EXPECT_EQ(tls.describe(), "rediss localhost:26379/3");
  EXPECT_TRUE(parse_redis_uri("rediss://h").cacert.empty());
  EXPECT_EQ(tls.user, "app");  // user@ alone: the password comes from $REDISCLI_AUTH
  EXPECT_TRUE(tls.password.empty());
  // A CA file names what to trust over TLS; on a plaintext connection it would be ignored.
  EXPECT_THROW(parse_redis_uri("redis://h?cacert=/etc/ca.pem"), UsageError);
  EXPECT_THROW(parse_redis_uri("rediss://h?cacert="), UsageError);
  EXPECT_THROW(parse_redis_uri("rediss://h?cacert=a&cacert=b"), UsageError);
  EXPECT_THROW(parse_redis_uri("redisss://h"), UsageError);
}

// deploy/local/services writes a CA file's path percent-encoded, as libpq's and Ignite's URIs take it.
TEST(RedisUri, ParametersArePercentDecoded) {
  EXPECT_EQ(parse_redis_uri("rediss://h?cacert=/my%20certs/ca%2Bx.pem").cacert, "/my certs/ca+x.pem");
  EXPECT_EQ(parse_redis_uri("redis://h?record=/tmp/a%25b").record, "/tmp/a%b");
  EXPECT_THROW(parse_redis_uri("rediss://h?cacert=/ca%2"), UsageError);
}
