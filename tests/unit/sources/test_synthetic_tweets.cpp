#include "sources/synthetic_tweets.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "tweets/message_parser.hpp"
#include "unit/support/tweet_reference.hpp"

namespace {

using streamlab::sources::SyntheticTweets;
using streamlab::test::json;
using streamlab::tweets::MessageKind;
using streamlab::tweets::MessageParser;
using streamlab::tweets::ParsedMessage;

std::vector<std::string> take(std::uint64_t seed, std::size_t count) {
  SyntheticTweets source(seed);
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto message = source.next();
    if (!message) break;
    out.emplace_back(*message);
  }
  return out;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// The lab's filter words, matched as whole words (or hashtags) regardless of ASCII case.
bool has_keyword(const std::string& text) {
  static const std::set<std::string> kKeywords = {"chile", "santiago", "fútbol", "música", "porque", "es", "eso", "hay",
                                                  "eeuu",  "sport",    "sports", "why",    "you",    "me", "yes", "no"};
  std::string word;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const auto c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    if (c >= 0x80 || std::isalnum(c)) {
      word += static_cast<char>(std::tolower(c));
    } else {
      if (kKeywords.count(word) > 0) return true;
      word.clear();
    }
  }
  return false;
}

TEST(SyntheticTweets, SameSeedSameMessages) {
  const auto a = take(42, 1000);
  const auto b = take(42, 1000);
  ASSERT_EQ(a.size(), 1000u);
  EXPECT_EQ(a, b);
  const auto c = take(43, 1000);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ += a[i] != c[i] ? 1 : 0;
  EXPECT_EQ(differ, a.size());
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), a.size());
}

TEST(SyntheticTweets, EveryMessageIsATweetTheParserReadsAsWritten) {
  SyntheticTweets source(7);
  MessageParser parser;
  ParsedMessage m;
  std::uint64_t previous_id = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string message(*source.next());
    SCOPED_TRACE(message);
    const json j = json::parse(message, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    parser.parse(message, m);
    ASSERT_EQ(m.kind, MessageKind::Tweet) << m.error;
    ASSERT_FALSE(m.tweet.text.empty());
    ASSERT_FALSE(m.tweet.id.empty());

    EXPECT_EQ(m.tweet.id, j["id_str"].get<std::string>());
    EXPECT_EQ(std::to_string(j["id"].get<std::uint64_t>()), m.tweet.id);
    const std::uint64_t id = std::stoull(m.tweet.id);
    EXPECT_GT(id, previous_id);
    previous_id = id;
    EXPECT_EQ(m.tweet.author, j["user"]["screen_name"].get<std::string>());
    EXPECT_EQ(m.tweet.text, streamlab::test::reference_full_text(j));
    EXPECT_EQ(m.tweet.hashtags, streamlab::test::reference_entities(j, "hashtags", "text"));
    EXPECT_EQ(m.tweet.mentions, streamlab::test::reference_entities(j, "user_mentions", "screen_name"));
    EXPECT_EQ(m.tweet.is_retweet, j.contains("retweeted_status"));
    EXPECT_FALSE(m.tweet.lang.empty());
    const std::int64_t timestamp = std::stoll(j["timestamp_ms"].get<std::string>());
    EXPECT_EQ(m.tweet.created_at_ms, timestamp / 1000 * 1000);
    EXPECT_TRUE(has_keyword(m.tweet.text)) << m.tweet.text;

    // The 140/280 limits as Twitter counted them, in characters.
    const std::string text = j["text"].get<std::string>();
    EXPECT_LE(code_points(text), 140u);
    const json& content = streamlab::test::reference_content_status(j);
    if (content["truncated"].get<bool>()) {
      const std::string full = content["extended_tweet"]["full_text"].get<std::string>();
      EXPECT_GT(code_points(full), 140u);
      EXPECT_LE(code_points(full), 280u);
    } else {
      EXPECT_LE(code_points(content["text"].get<std::string>()), 140u);
    }
    if (m.tweet.is_retweet) {
      const std::string prefix = "RT @" + content["user"]["screen_name"].get<std::string>() + ": ";
      EXPECT_EQ(text.rfind(prefix, 0), 0u);
    }
  }
}

TEST(SyntheticTweets, MixIsAsDesigned) {
  SyntheticTweets source(2019);
  MessageParser parser;
  ParsedMessage m;
  constexpr int kCount = 20000;
  int retweets = 0, extended = 0, es = 0, en = 0, others = 0, photos = 0, non_ascii = 0, escaped_unicode = 0,
      newlines = 0, entities = 0;
  for (int i = 0; i < kCount; ++i) {
    const std::string_view message = *source.next();
    parser.parse(message, m);
    ASSERT_EQ(m.kind, MessageKind::Tweet);
    retweets += m.tweet.is_retweet;
    // Extended: the post (or the post retweeted) carries its text in extended_tweet.
    extended += message.find("\"extended_tweet\"") != std::string_view::npos;
    es += m.tweet.lang == "es";
    en += m.tweet.lang == "en";
    others += m.tweet.lang != "es" && m.tweet.lang != "en";
    photos += message.find("\"type\":\"photo\"") != std::string_view::npos;
    non_ascii += std::any_of(m.tweet.text.begin(), m.tweet.text.end(),
                             [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    escaped_unicode += message.find("\\ud83") != std::string_view::npos;
    newlines += m.tweet.text.find('\n') != std::string::npos;
    entities += !m.tweet.hashtags.empty() || !m.tweet.mentions.empty();
  }
  auto share = [](int n) { return static_cast<double>(n) / kCount; };
  EXPECT_NEAR(share(retweets), 0.235, 0.03);
  EXPECT_NEAR(share(extended), 0.09, 0.03);
  EXPECT_NEAR(share(es), 0.47, 0.03);
  EXPECT_NEAR(share(en), 0.47, 0.03);
  EXPECT_NEAR(share(others), 0.06, 0.02);
  EXPECT_GT(share(photos), 0.10);
  EXPECT_GT(share(non_ascii), 0.5);
  EXPECT_GT(share(escaped_unicode), 0.005);
  EXPECT_GT(share(newlines), 0.05);
  EXPECT_GT(share(entities), 0.3);
}

TEST(SyntheticTweets, SizesFollowTheRealCorpus) {
  const auto corpus = streamlab::test::read_corpus();
  if (!corpus) GTEST_SKIP() << streamlab::test::kMissingCorpus;
  std::vector<std::size_t> real, synthetic;
  for (const std::string& line : *corpus) real.push_back(line.size());
  SyntheticTweets source(1);
  for (int i = 0; i < 20000; ++i) synthetic.push_back(source.next()->size());

  using streamlab::test::quantile;
  const double real_median = static_cast<double>(quantile(real, 0.5));
  const double real_p90 = static_cast<double>(quantile(real, 0.9));
  const double median = static_cast<double>(quantile(synthetic, 0.5));
  const double p90 = static_cast<double>(quantile(synthetic, 0.9));
  RecordProperty("corpus_median", std::to_string(real_median));
  RecordProperty("synthetic_median", std::to_string(median));
  EXPECT_NEAR(median / real_median, 1.0, 0.2) << median << " vs corpus " << real_median;
  EXPECT_NEAR(p90 / real_p90, 1.0, 0.2) << p90 << " vs corpus " << real_p90;
}

}  // namespace
