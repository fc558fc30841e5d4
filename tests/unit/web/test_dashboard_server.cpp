// web::dashboard_server's parts that need no socket: the --web listen address.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "web/dashboard_server.hpp"

using namespace streamlab;

TEST(Dashboard, ListenAddress) {
  EXPECT_EQ(web::parse_listen_address("127.0.0.1:8080"), (std::pair<std::string, std::uint16_t>{"127.0.0.1", 8080}));
  EXPECT_EQ(web::parse_listen_address("[::1]:0"), (std::pair<std::string, std::uint16_t>{"::1", 0}));
  EXPECT_THROW(web::parse_listen_address("8080"), core::UsageError);
  EXPECT_THROW(web::parse_listen_address(":8080"), core::UsageError);
  EXPECT_THROW(web::parse_listen_address("localhost:70000"), core::UsageError);
  EXPECT_THROW(web::parse_listen_address("localhost:x"), core::UsageError);
}
