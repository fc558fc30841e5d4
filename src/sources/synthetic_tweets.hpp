#pragma once
// An endless, seeded stream of tweets shaped like Twitter's v1.1 filtered stream, for load
// without an X account: Spanish and English posts (47% each, 6% pt/fr/und) about the lab's
// keywords, with hashtags, mentions, links, photos and emoji; 23.5% retweets (the original in
// retweeted_status), 9% of posts longer than 140 characters (extended_tweet).
//
// The same seed gives the same bytes on every run and platform: a SplitMix64 generator written
// out in the source and integer arithmetic decide, no std::*_distribution and no clock. The
// size of the messages (bytes per JSON line) is calibrated on the real corpus
// (deploy/local/corpus: median 1221 B, p90 5329 B): median ~1260 B, p90 ~5230 B. Most of
// the spread comes from retweets of photo posts, which carry the photo entities four times.

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
