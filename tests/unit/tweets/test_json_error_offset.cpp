// tweets::json_error_offset: where invalid JSON first goes wrong.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tweets/json_error_offset.hpp"

namespace {

using namespace streamlab::tweets;
using namespace std::literals;

TEST(JsonErrorOffset, FindsNothingInValidJson) {
  for (std::string_view ok : {"{}"sv, " [1, -2.5e+3, true, false, null, \"\\u00e9\\ud83d\\ude00\"] "sv,
                              "{\"a\":{\"b\":[{}]}}"sv, "\"ñ\""sv, "0"sv}) {
    EXPECT_FALSE(locate_json_error(ok).has_value()) << ok;
  }
}

TEST(JsonErrorOffset, PointsAtTheFirstBadByte) {
  EXPECT_EQ(locate_json_error(""), 0u);
  EXPECT_EQ(locate_json_error("   "), 3u);
  EXPECT_EQ(locate_json_error("{\"a\":[1,2"), 9u);
  EXPECT_EQ(locate_json_error("{\"a\":\"\\x\"}"), 7u);
  EXPECT_EQ(locate_json_error("{\"a\":\"\\u12G4\"}"), 10u);
  EXPECT_EQ(locate_json_error("[1.]"), 3u);
  EXPECT_EQ(locate_json_error("[-]"), 2u);
  EXPECT_EQ(locate_json_error("[1e]"), 3u);
  EXPECT_EQ(locate_json_error("[\"\xf4\x90\x80\x80\"]"), 2u);  // beyond U+10FFFF
  EXPECT_EQ(locate_json_error("[\"\xe0\x80\x80\"]"), 2u);      // overlong
  EXPECT_EQ(locate_json_error("[\"\xe2\x82"), 4u);             // cut inside a character
  EXPECT_EQ(locate_json_error("[\"\\udc00\"]"), 2u);           // low surrogate first
  // A high surrogate: the text ends too soon until a byte after it says otherwise.
  EXPECT_EQ(locate_json_error("\"\\ud83f"), 7u);
  EXPECT_EQ(locate_json_error("\"\\ud83f\\"), 8u);
  EXPECT_EQ(locate_json_error("\"\\ud83f\0"sv), 1u);  // a byte other than a backslash (a NUL, found by the fuzzer)
  EXPECT_EQ(locate_json_error("\"\\ud83f\\n\""), 1u);
  EXPECT_EQ(locate_json_error(std::string(3, '[') + "]]]", 2), 2u);  // depth
}

}  // namespace
