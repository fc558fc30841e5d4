#include "web/hashtag_window.hpp"

#include <algorithm>

namespace streamlab::web {

void HashtagWindow::expire(std::int64_t now_s) {
  while (!buckets_.empty() && buckets_.front().first <= now_s - window_) {
    for (const auto& [tag, count] : buckets_.front().second) {
      auto it = totals_.find(tag);
      if (it->second <= count) {
        totals_.erase(it);
      } else {
        it->second -= count;
      }
    }
    buckets_.pop_front();
  }
}

void HashtagWindow::add(std::string_view hashtag, std::int64_t now_s) {
  if (hashtag.empty()) return;
  key_.assign(hashtag);
  for (char& c : key_) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  expire(now_s);
  if (buckets_.empty() || buckets_.back().first < now_s) buckets_.emplace_back(now_s, decltype(totals_){});
  ++buckets_.back().second[key_];
  ++totals_[key_];
}

std::vector<std::pair<std::string, std::uint64_t>> HashtagWindow::top(std::size_t n, std::int64_t now_s) {
  expire(now_s);
  std::vector<std::pair<std::string, std::uint64_t>> all(totals_.begin(), totals_.end());
  const auto order = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const std::size_t k = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), order);
  all.resize(k);
  return all;
}

}  // namespace streamlab::web
