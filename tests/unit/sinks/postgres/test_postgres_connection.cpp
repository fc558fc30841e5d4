// The PostgreSQL sink URI's own parameters, taken out before libpq reads the rest.

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "sinks/postgres/postgres_connection.hpp"

using streamlab::core::UsageError;
using streamlab::sinks::postgres::Connection;
using streamlab::sinks::postgres::split_sink_uri;

TEST(PostgresSinkUri, SynchronousCommitIsTakenOutOfTheQuery) {
  auto s = split_sink_uri("postgres://u:pw@h:5/db?synchronous_commit=off");
  EXPECT_EQ(s.libpq, "postgres://u:pw@h:5/db");
  EXPECT_EQ(s.synchronous_commit, "off");
  s = split_sink_uri("postgresql://h/db?sslmode=require&synchronous_commit=local&application_name=x");
  EXPECT_EQ(s.libpq, "postgresql://h/db?sslmode=require&application_name=x");
  EXPECT_EQ(s.synchronous_commit, "local");
  s = split_sink_uri("postgresql://h/db?synchronous_commit=remote%5Fwrite&connect_timeout=3");
  EXPECT_EQ(s.libpq, "postgresql://h/db?connect_timeout=3");
  EXPECT_EQ(s.synchronous_commit, "remote_write");
}

TEST(PostgresSinkUri, OtherUrisAreLeftAsTheyAre) {
  for (const char* uri : {"postgres://h/db", "postgres://h/db?sslmode=verify-full&sslrootcert=%2Fca.pem",
                          "host=h dbname=db synchronous_commit=off"}) {
    const auto s = split_sink_uri(uri);
    EXPECT_EQ(s.libpq, uri);
    EXPECT_EQ(s.synchronous_commit, "");
  }
}

TEST(PostgresSinkUri, AValuePostgresDoesNotTakeIsAUsageErrorWithoutTheUri) {
  for (const char* uri :
       {"postgres://u:secret@h/db?synchronous_commit=", "postgres://u:secret@h/db?synchronous_commit=no",
        "postgres://u:secret@h/db?synchronous_commit=off%3B%20DROP",
        "postgres://u:secret@h/db?synchronous_commit=%zz"}) {
    try {
      split_sink_uri(uri);
      ADD_FAILURE() << uri;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("synchronous_commit takes off"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
    }
  }
}

TEST(PostgresSinkUri, TheConnectionTakesTheUriWithTheParameter) {
  // libpq alone would refuse it ("invalid URI query parameter"); where() names no password.
  const Connection c("postgres://u:secret@h:6/db?synchronous_commit=off");
  EXPECT_EQ(c.where(), "postgres h:6/db");
  EXPECT_THROW(Connection("postgres://h/db?no_such_parameter=1"), UsageError);
}
