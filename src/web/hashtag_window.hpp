#pragma once
// Trending hashtags: how often each was used over the last `window` seconds, kept in one bucket
// per second so old uses fall out as time passes. Hashtags are counted case-insensitively
// (ASCII letters folded to lower case), as Twitter/X matches them.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace streamlab::web {

class HashtagWindow {
 public:
  explicit HashtagWindow(std::chrono::seconds window = std::chrono::seconds(60)) : window_(window.count()) {}

  // `now_s`: any monotonic count of seconds; it must not go backwards.
  void add(std::string_view hashtag, std::int64_t now_s);
  // The `n` most used in (now_s - window, now_s], most used first, ties by name.
  std::vector<std::pair<std::string, std::uint64_t>> top(std::size_t n, std::int64_t now_s);
  std::size_t distinct() const { return totals_.size(); }

 private:
  void expire(std::int64_t now_s);

  std::int64_t window_;
  std::deque<std::pair<std::int64_t, std::unordered_map<std::string, std::uint64_t>>> buckets_;
  std::unordered_map<std::string, std::uint64_t> totals_;
  std::string key_;
};

}  // namespace streamlab::web
