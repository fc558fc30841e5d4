// bench::service_clients' pure parts: ports from addresses, and passwords kept out of the
// command lines of psql and redis-cli (in their environment instead).

#include <gtest/gtest.h>

#include "bench/service_clients.hpp"

using namespace streamlab::bench;

TEST(BenchServices, Ports) {
  EXPECT_EQ(port_of("127.0.0.1:19092", 9092), 19092);
  EXPECT_EQ(port_of("postgresql://u:pw@127.0.0.1:15432/db", 5432), 15432);
  EXPECT_EQ(port_of("redis://127.0.0.1/0", 6379), 6379);
}

TEST(BenchServices, PasswordsGoInTheToolsEnvironment) {
  ToolCall p = psql("postgresql://u:s%40cret@h:1/db?sslmode=disable", {"-c", "SELECT 1"});
  EXPECT_EQ(p.first, (std::vector<std::string>{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                                               "postgresql://u@h:1/db?sslmode=disable", "-c", "SELECT 1"}));
  EXPECT_EQ(p.second, (Environment{{"PGPASSWORD", "s@cret"}}));
  p = psql("postgres://h/db?password=pw&application_name=x", {});
  EXPECT_EQ(p.first.back(), "postgres://h/db?application_name=x");
  EXPECT_EQ(p.second, (Environment{{"PGPASSWORD", "pw"}}));
  p = psql("postgres://u@h/db", {});
  EXPECT_EQ(p.first.back(), "postgres://u@h/db");
  EXPECT_TRUE(p.second.empty());

  const ToolCall r = redis_cli("redis://:pw@h:2/3");
  EXPECT_EQ(r.first, (std::vector<std::string>{"redis-cli", "-h", "h", "-p", "2", "-n", "3"}));
  EXPECT_EQ(r.second, (Environment{{"REDISCLI_AUTH", "pw"}}));
}
