// tweets::timestamps: Twitter's and ISO 8601 times read and written, and the years kept.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "tweets/timestamps.hpp"

namespace {

using namespace streamlab::tweets;

TEST(Timestamps, ParsesTwitterTime) {
  EXPECT_EQ(parse_twitter_time("Wed Oct 10 20:19:24 +0000 2018"), 1539202764000);
  EXPECT_EQ(parse_twitter_time("Wed Oct 10 20:19:24 +0200 2018"), 1539195564000);
  EXPECT_EQ(parse_twitter_time("Thu Jan 01 00:00:00 +0000 1970"), 0);
  EXPECT_EQ(parse_twitter_time("Wed Dec 31 23:59:59 +0000 1969"), -1000);
  for (std::string_view bad :
       {"", "Wed Oct 10 20:19:24 +0000 18", "Wed Xyz 10 20:19:24 +0000 2018", "Wed Oct 32 20:19:24 +0000 2018",
        "Wed Oct 10 24:19:24 +0000 2018", "Wed Oct 10 20:19:24 0000 2018x", "Wed Oct 10 20:19:24 +0060 2018",
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
  for (std::string_view bad : {"2022-01-01", "2022-01-01T12:00:00", "2022-01-01 12:00:00Z", "2022-13-01T12:00:00Z",
                               "2022-01-01T12:00:00.Z", "2022-01-01T12:00:00+0300", "2022-01-01T12:00:00ZZ"}) {
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

// Found by tests/fuzz (copy_text): near INT64_MIN the day arithmetic overflowed (UBSan), where
// any int64 is an instant to refuse or format.
TEST(Timestamps, TheExtremesAreRefusedWithoutOverflow) {
  std::string out;
  for (const std::int64_t ms : {INT64_MIN, INT64_MIN + 1, -62'167'219'200'001, INT64_MAX}) {
    EXPECT_FALSE(append_iso8601_utc(ms, out)) << ms;
    EXPECT_FALSE(append_twitter_time(ms, out)) << ms;
  }
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(append_iso8601_utc(-62'167'219'200'000, out));
  EXPECT_EQ(out, "0000-01-01T00:00:00Z");
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

}  // namespace
