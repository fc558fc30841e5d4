// bench::service_clients' pure parts: ports from addresses, and passwords left out of them.

#include <gtest/gtest.h>

#include "bench/service_clients.hpp"

using namespace streamlab::bench;

TEST(BenchServices, PortsAndRedaction) {
  EXPECT_EQ(port_of("127.0.0.1:19092", 9092), 19092);
  EXPECT_EQ(port_of("postgresql://u:pw@127.0.0.1:15432/db", 5432), 15432);
  EXPECT_EQ(port_of("redis://127.0.0.1/0", 6379), 6379);
  EXPECT_EQ(redact_uri("postgresql://u:secret@h:1/db"), "postgresql://u@h:1/db");
  EXPECT_EQ(redact_uri("redis://h:1/0"), "redis://h:1/0");
}
