#include <gtest/gtest.h>

#include "core/percent_encoding.hpp"

using streamlab::core::percent_decode;

TEST(PercentDecode, DecodesEscapesAndKeepsTheRest) {
  EXPECT_EQ(percent_decode("p%40ss%26word"), "p@ss&word");
  EXPECT_EQ(percent_decode("/a%20b/%C3%A9.pem"), "/a b/\xC3\xA9.pem");
  EXPECT_EQ(percent_decode("%2f%2F"), "//");              // either case
  EXPECT_EQ(percent_decode("plain+text"), "plain+text");  // '+' is not a space in a URI's parts
  EXPECT_EQ(percent_decode(""), "");
}

TEST(PercentDecode, AnEscapeWithoutTwoHexDigitsIsRefused) {
  for (const char* bad : {"%", "%4", "%zz", "a%2", "%%41"}) EXPECT_FALSE(percent_decode(bad).has_value()) << bad;
}
