#include "sources/synthetic_tweets.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sources/synthetic/post.hpp"
#include "sources/synthetic/random.hpp"
#include "sources/synthetic/status_writer.hpp"
#include "sources/synthetic/users.hpp"
#include "sources/synthetic/vocabulary.hpp"

// The generator: the pool of users, the clock, and per message the mix (retweet or not, the
// language, extended, photos). The parts live in sources/synthetic/: the vocabulary, the
// random numbers, the users, the composition of a post's text and the JSON it is written as.

namespace streamlab::sources {

namespace {

using namespace synthetic;

// Twitter's snowflake ids count milliseconds from this instant.
constexpr std::int64_t kTwitterEpochMs = 1288834974657;
// The first post: 2019-05-01T12:00:00Z, the lab's season.
constexpr std::int64_t kStartMs = 1556712000000;
constexpr std::size_t kUsers = 1500;
// The first users of the pool are the accounts that get retweeted: more followers, richer
// profiles, photos.
constexpr std::size_t kPopularUsers = 150;

// The mix, in per mille. Calibrated against data/corpus/tweets.jsonl (see the header).
constexpr std::uint32_t kRetweetPerMille = 235;
constexpr std::uint32_t kExtendedPerMille = 90;
constexpr std::uint32_t kPhotoPerMille = 40;            // own posts
constexpr std::uint32_t kRetweetedPhotoPerMille = 800;  // posts that get retweeted

}  // namespace

struct SyntheticTweets::State {
  explicit State(std::uint64_t seed) : rng(seed), writer(rng) {
    users.reserve(kUsers);
    for (std::size_t i = 0; i < kUsers; ++i) users.push_back(make_user(rng, i < kPopularUsers));
    now_ms = kStartMs + static_cast<std::int64_t>(rng.below(3'600'000));
  }

  synthetic::Random rng;
  synthetic::StatusWriter writer;
  std::vector<synthetic::User> users;
  std::int64_t now_ms = 0;
  synthetic::Post own;       // the message's post
  synthetic::Post original;  // what it retweets
  std::string scratch;

  std::uint64_t snowflake(std::int64_t ms) {
    return (static_cast<std::uint64_t>(ms - kTwitterEpochMs) << 22) | (rng.below(1024) << 12) | rng.below(4096);
  }

  synthetic::Lang pick_lang() {
    const std::uint64_t r = rng.below(1000);
    if (r < 470) return Lang::Es;
    if (r < 940) return Lang::En;
    if (r < 965) return Lang::Pt;
    if (r < 980) return Lang::Fr;
    return Lang::Und;
  }

  void compose(synthetic::Post& p, synthetic::Lang lang, bool extended, bool photo) {
    synthetic::compose(p, rng, users, scratch, lang, extended, photo);
  }

  std::string_view next_message() {
    // ~19 ms apart on average: about the 53 posts/s the lab saw on its live filter.
    now_ms += 1 + static_cast<std::int64_t>(rng.below(37));
    own.ms = now_ms;
    own.id = snowflake(now_ms);
    own.id_text.set(own.id);
    own.author = &users[kPopularUsers + rng.below(kUsers - kPopularUsers)];
    own.client = rng.pick(kClients);

    if (rng.chance(kRetweetPerMille)) {
      original.ms = now_ms - static_cast<std::int64_t>(rng.between(30'000, 2 * 86'400'000));
      original.id = snowflake(original.ms);
      original.id_text.set(original.id);
      original.author = &users[rng.below(kPopularUsers)];
      original.client = rng.pick(kClients);
      compose(original, pick_lang(), rng.chance(kExtendedPerMille), rng.chance(kRetweetedPhotoPerMille));
      own.lang = original.lang;
      own.ascii_only = original.ascii_only;
      own.clear();
      return writer.retweet(own, original);
    }
    compose(own, pick_lang(), rng.chance(kExtendedPerMille), rng.chance(kPhotoPerMille));
    return writer.original(own);
  }
};

SyntheticTweets::SyntheticTweets(std::uint64_t seed) : state_(std::make_unique<State>(seed)) {}
SyntheticTweets::~SyntheticTweets() = default;

std::optional<std::string_view> SyntheticTweets::next() { return state_->next_message(); }

}  // namespace streamlab::sources
