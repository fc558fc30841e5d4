// The pieces under the message parser: entity decoding, timestamps, error offsets.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tweets/html_entities.hpp"
#include "tweets/json_error_offset.hpp"
#include "tweets/timestamps.hpp"

namespace {

using namespace streamlab::tweets;
using namespace std::literals;

TEST(HtmlEntities, DecodesTwittersEscapes) {
  EXPECT_EQ(decode_html_entities("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &apos;f&apos;"),
            "a & b <c> \"d\" 'e' 'f'");
  EXPECT_EQ(decode_html_entities("plain text, no ampersand"), "plain text, no ampersand");
  EXPECT_EQ(decode_html_entities(""), "");
}

TEST(HtmlEntities, DecodesNumericEntitiesToUtf8) {
  EXPECT_EQ(decode_html_entities("&#65;&#xe9;&#XE9;&#8364;&#x1F1E8;&#x1F1F1;"), "Aéé€🇨🇱");
  EXPECT_EQ(decode_html_entities("&#1114111;"), "\xF4\x8F\xBF\xBF");
}

TEST(HtmlEntities, LeavesAnythingElseAlone) {
  for (std::string_view kept :
       {"&"sv, "&amp"sv, "& amp;"sv, "&nbsp;"sv, "&#;"sv, "&#x;"sv, "&#0;"sv, "&#xD800;"sv,
        "&#1114112;"sv, "&#x110000;"sv, "&#12345678;"sv, "&#x1234567;"sv, "&#-1;"sv, "AT&T"sv,
        "&#65"sv, "&&&"sv}) {
    EXPECT_EQ(decode_html_entities(kept), kept);
  }
  // One pass only: what an entity produces is not decoded again.
  EXPECT_EQ(decode_html_entities("&amp;lt; &amp;amp;"), "&lt; &amp;");
  EXPECT_EQ(decode_html_entities("&&amp;"), "&&");
}

TEST(HtmlEntities, AppendsToExistingText) {
  std::string out = "x:";
  append_html_decoded("&lt;y", out);
  EXPECT_EQ(out, "x:<y");
}

TEST(Timestamps, ParsesTwitterTime) {
  EXPECT_EQ(parse_twitter_time("Wed Oct 10 20:19:24 +0000 2018"), 1539202764000);
  EXPECT_EQ(parse_twitter_time("Wed Oct 10 20:19:24 +0200 2018"), 1539195564000);
  EXPECT_EQ(parse_twitter_time("Thu Jan 01 00:00:00 +0000 1970"), 0);
  EXPECT_EQ(parse_twitter_time("Wed Dec 31 23:59:59 +0000 1969"), -1000);
  for (std::string_view bad :
       {"", "Wed Oct 10 20:19:24 +0000 18", "Wed Xyz 10 20:19:24 +0000 2018",
        "Wed Oct 32 20:19:24 +0000 2018", "Wed Oct 10 24:19:24 +0000 2018",
        "Wed Oct 10 20:19:24 0000 2018x", "Wed Oct 10 20:19:24 +0060 2018",
        "Wed Oct 1a 20:19:24 +0000 2018"}) {
    EXPECT_FALSE(parse_twitter_time(bad).has_value()) << bad;
  }
}

TEST(Timestamps, ParsesIso8601) {
  EXPECT_EQ(parse_iso8601_time("2022-01-01T12:00:00.000Z"), 1641038400000);
  EXPECT_EQ(parse_iso8601_time("2022-01-01T12:00:00Z"), 1641038400000);
  EXPECT_EQ(parse_iso8601_time("2022-01-01T12:00:00.123456Z"), 1641038400123);
  EXPECT_EQ(parse_iso8601_time("2022-01-01T12:00:00.5Z"), 1641038400500);
  EXPECT_EQ(parse_iso8601_time("2022-01-01T09:00:00-03:00"), 1641038400000);
  for (std::string_view bad : {"2022-01-01", "2022-01-01T12:00:00", "2022-01-01 12:00:00Z",
                               "2022-13-01T12:00:00Z", "2022-01-01T12:00:00.Z",
                               "2022-01-01T12:00:00+0300", "2022-01-01T12:00:00ZZ"}) {
    EXPECT_FALSE(parse_iso8601_time(bad).has_value()) << bad;
  }
}

TEST(Timestamps, FormatsRoundTrip) {
  std::string iso, twitter;
  ASSERT_TRUE(append_iso8601_utc(1539202764999, iso));
  EXPECT_EQ(iso, "2018-10-10T20:19:24Z");  // whole seconds
  ASSERT_TRUE(append_twitter_time(1539202764000, twitter));
  EXPECT_EQ(twitter, "Wed Oct 10 20:19:24 +0000 2018");
  // Every day over four centuries, both ways, including the leap days and -1 ms.
  for (std::int64_t day = -146097; day < 146097; day += 13) {
    const std::int64_t ms = day * 86'400'000 + 45'296'000;  // 12:34:56
    std::string t, i;
    ASSERT_TRUE(append_twitter_time(ms, t));
    EXPECT_EQ(parse_twitter_time(t), ms) << t;
    ASSERT_TRUE(append_iso8601_utc(ms, i));
    EXPECT_EQ(parse_iso8601_time(i), ms) << i;
  }
  std::string out;
  EXPECT_TRUE(append_iso8601_utc(-1, out));
  EXPECT_EQ(out, "1969-12-31T23:59:59Z");
  out.clear();
  EXPECT_FALSE(append_iso8601_utc(400'000'000'000'000, out));  // year > 9999
  EXPECT_TRUE(out.empty());
}

TEST(Timestamps, KeptRangeIsYears0001To9999) {
  std::string first, last;
  ASSERT_TRUE(append_iso8601_utc(kFirstKeptMs, first));
  ASSERT_TRUE(append_iso8601_utc(kLastKeptMs, last));
  EXPECT_EQ(first, "0001-01-01T00:00:00Z");
  EXPECT_EQ(last, "9999-12-31T23:59:59Z");
  EXPECT_EQ(parse_iso8601_time("0001-01-01T00:00:00Z"), kFirstKeptMs);
  EXPECT_EQ(parse_iso8601_time("9999-12-31T23:59:59.999Z"), kLastKeptMs);
  EXPECT_TRUE(is_kept_time(kFirstKeptMs));
  EXPECT_TRUE(is_kept_time(kLastKeptMs));
  EXPECT_TRUE(is_kept_time(0));
  EXPECT_FALSE(is_kept_time(kFirstKeptMs - 1));  // 0000-12-31T23:59:59.999Z
  EXPECT_FALSE(is_kept_time(kLastKeptMs + 1));   // 10000-01-01
  EXPECT_FALSE(is_kept_time(INT64_MIN));
  EXPECT_FALSE(is_kept_time(INT64_MAX));
  // Year 0 reads (ISO 8601's 1 BC), but is outside; so is a v1.1 date an offset pushes there.
  EXPECT_FALSE(is_kept_time(*parse_iso8601_time("0000-06-01T00:00:00Z")));
  EXPECT_FALSE(is_kept_time(*parse_twitter_time("Sat Jan 01 00:30:00 +0100 0001")));
  EXPECT_FALSE(is_kept_time(*parse_twitter_time("Fri Dec 31 23:30:00 -0100 9999")));
  EXPECT_FALSE(is_kept_time(*parse_iso8601_time("0001-01-01T00:00:00+99:59")));
  EXPECT_TRUE(is_kept_time(*parse_twitter_time("Mon Jan 01 00:30:00 +0000 0001")));
}

TEST(JsonErrorOffset, FindsNothingInValidJson) {
  for (std::string_view ok :
       {"{}"sv, " [1, -2.5e+3, true, false, null, \"\\u00e9\\ud83d\\ude00\"] "sv,
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
  EXPECT_EQ(locate_json_error("[\"\xe2\x82"), 4u);              // cut inside a character
  EXPECT_EQ(locate_json_error("[\"\\udc00\"]"), 2u);             // low surrogate first
  EXPECT_EQ(locate_json_error(std::string(3, '[') + "]]]", 2), 2u);  // depth
}

}  // namespace
