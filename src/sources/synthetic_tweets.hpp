#pragma once
// An endless, seeded stream of tweets shaped like Twitter's v1.1 filtered stream, for load
// without an X account: Spanish and English posts about the lab's keywords, with hashtags,
// mentions, links, photos and emoji; about a quarter retweets, some longer than 140
// characters (extended tweets).
//
// The same seed gives the same bytes on every run and platform: only std::mt19937_64 (fully
// specified by the standard) and integer arithmetic decide, no std::*_distribution and no
// clock. The size of the messages (bytes per JSON line) is calibrated on the real corpus
// (deploy/local/corpus): median and 90th percentile within a few percent of it.

#include <cstdint>
#include <memory>

#include "sources/source.hpp"

namespace streamlab::sources {

class SyntheticTweets final : public Source {
 public:
  explicit SyntheticTweets(std::uint64_t seed);
  ~SyntheticTweets() override;
  SyntheticTweets(const SyntheticTweets&) = delete;
  SyntheticTweets& operator=(const SyntheticTweets&) = delete;

  // Never nullopt. The view stays valid until the next call.
  std::optional<std::string_view> next() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace streamlab::sources
