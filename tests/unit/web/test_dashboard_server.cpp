// web::dashboard_server's parts that need no socket: the --web listen address and --web-token.
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

TEST(Dashboard, WebTokenRules) {
  EXPECT_NO_THROW(web::check_web_token(""));  // none
  EXPECT_NO_THROW(web::check_web_token("abcdefghijklmnop"));
  EXPECT_NO_THROW(web::check_web_token("A0-._~+/=A0-._~+/="));
  EXPECT_THROW(web::check_web_token("short"), core::UsageError);
  EXPECT_THROW(web::check_web_token("abcdefghijklmnop;"), core::UsageError);  // would end the cookie
  EXPECT_THROW(web::check_web_token("abcdefghijklmnop q"), core::UsageError);
}

TEST(Dashboard, TheTokenARequestPresents) {
  EXPECT_EQ(web::presented_token("Bearer T1", "T2", "streamlab_token=T3"), "T1");
  EXPECT_EQ(web::presented_token("Basic xyz", "T2", "streamlab_token=T3"), "T2");
  EXPECT_EQ(web::presented_token("", "", "a=1; streamlab_token=T3; b=2"), "T3");
  EXPECT_EQ(web::presented_token("", "", "streamlab_token=T3"), "T3");
  EXPECT_EQ(web::presented_token("", "", "my_streamlab_token=T4; other=1"), "");
  EXPECT_EQ(web::presented_token("", "", ""), "");
}

TEST(Dashboard, SameTokenOnlyWhenEqual) {
  EXPECT_TRUE(web::same_token("abcdefghijklmnop", "abcdefghijklmnop"));
  EXPECT_FALSE(web::same_token("abcdefghijklmnop", "abcdefghijklmnoq"));
  EXPECT_FALSE(web::same_token("abcdefghijklmnop", "abcdefghijklmno"));
  EXPECT_FALSE(web::same_token("abcdefghijklmnop", "abcdefghijklmnopq"));
  EXPECT_FALSE(web::same_token("abcdefghijklmnop", ""));
}

TEST(Dashboard, LoopbackHosts) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) EXPECT_TRUE(web::is_loopback_host(h)) << h;
  for (const char* h : {"0.0.0.0", "::", "192.168.1.2", "example.org"}) EXPECT_FALSE(web::is_loopback_host(h)) << h;
}
