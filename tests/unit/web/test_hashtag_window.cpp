// web::HashtagWindow: the dashboard's trending hashtags over a sliding window.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "web/hashtag_window.hpp"

using namespace streamlab;

TEST(HashtagWindow, CountsCaseInsensitivelyAndRanks) {
  web::HashtagWindow w(std::chrono::seconds(60));
  for (int i = 0; i < 3; ++i) w.add("Chile", 100);
  w.add("chile", 101);
  w.add("sports", 101);
  w.add("sports", 102);
  w.add("Música", 102);
  w.add("", 102);  // ignored
  const auto top = w.top(2, 102);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], (std::pair<std::string, std::uint64_t>{"chile", 4}));
  EXPECT_EQ(top[1], (std::pair<std::string, std::uint64_t>{"sports", 2}));
  EXPECT_EQ(w.top(10, 102).size(), 3u);
}

TEST(HashtagWindow, OldUsesFallOut) {
  web::HashtagWindow w(std::chrono::seconds(60));
  w.add("old", 0);
  w.add("old", 0);
  w.add("new", 30);
  EXPECT_EQ(w.top(10, 59).front(), (std::pair<std::string, std::uint64_t>{"old", 2}));
  // At 60 the uses of second 0 are 60 s old: out of (0, 60].
  auto top = w.top(10, 60);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top.front().first, "new");
  EXPECT_TRUE(w.top(10, 90).empty());
  EXPECT_EQ(w.distinct(), 0u);
  w.add("again", 1000);
  EXPECT_EQ(w.top(10, 1000).size(), 1u);
}
