#include "tweets/message_parser.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

#include "unit/support/tweet_reference.hpp"

namespace {

using streamlab::tweets::MessageKind;
using streamlab::tweets::MessageParser;
using streamlab::tweets::ParsedMessage;
using namespace std::literals;

// glibc's strptime understands %z and leaves the offset in tm_gmtoff: a second opinion on
// the parser's hand-written date arithmetic.
std::int64_t reference_epoch_ms(const std::string& twitter_time) {
  tm t{};
  const char* end = strptime(twitter_time.c_str(), "%a %b %d %H:%M:%S %z %Y", &t);
  if (end == nullptr || *end != '\0') return -1;
  const long offset = t.tm_gmtoff;
  return (static_cast<std::int64_t>(timegm(&t)) - offset) * 1000;
}

ParsedMessage parse(std::string_view json) {
  MessageParser parser;
  return parser.parse(json);
}

// ---------------------------------------------------------------------------------------------
// The real corpus, checked line by line against an independent reading.

TEST(MessageParserCorpus, EveryTweetMatchesAnIndependentReading) {
  const auto lines = streamlab::test::read_corpus();
  if (!lines) GTEST_SKIP() << streamlab::test::kMissingCorpus;

  MessageParser parser;
  ParsedMessage m;
  std::size_t tweets = 0, notices = 0, retweets = 0, with_entities = 0;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const std::string& line = (*lines)[i];
    SCOPED_TRACE("corpus line " + std::to_string(i + 1));
    const auto j = streamlab::test::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    parser.parse(line, m);
    if (streamlab::test::reference_is_notice(j)) {
      ++notices;
      EXPECT_EQ(m.kind, MessageKind::Notice);
      continue;
    }
    ASSERT_EQ(m.kind, MessageKind::Tweet) << m.error;
    ++tweets;
    EXPECT_EQ(m.tweet.id, streamlab::test::reference_id(j));
    EXPECT_EQ(m.tweet.author, j["user"]["screen_name"].get<std::string>());
    EXPECT_EQ(m.tweet.text, streamlab::test::reference_full_text(j));
    EXPECT_EQ(m.tweet.hashtags, streamlab::test::reference_entities(j, "hashtags", "text"));
    EXPECT_EQ(m.tweet.mentions, streamlab::test::reference_entities(j, "user_mentions", "screen_name"));
    EXPECT_EQ(m.tweet.lang, j.value("lang", ""));
    const bool retweet = j.contains("retweeted_status");
    EXPECT_EQ(m.tweet.is_retweet, retweet);
    retweets += retweet ? 1 : 0;
    with_entities += m.tweet.hashtags.size() + m.tweet.mentions.size() > 0 ? 1 : 0;

    const std::int64_t expected_ms = reference_epoch_ms(j["created_at"].get<std::string>());
    ASSERT_GT(expected_ms, 0);
    EXPECT_EQ(m.tweet.created_at_ms, expected_ms);
    ASSERT_EQ(m.tweet.created_at.size(), 20u);
    EXPECT_EQ(m.tweet.created_at.back(), 'Z');
  }
  // 430 stream tweets + 100 search results, less whatever notices the stream holds.
  EXPECT_EQ(lines->size(), 530u);
  EXPECT_EQ(tweets, 530u - notices);
  // The comparison above must have covered the interesting shapes, not just plain text.
  EXPECT_GT(retweets, 50u);
  EXPECT_GT(with_entities, 10u);
}

TEST(MessageParserCorpus, EntitiesAreDecodedInCorpusTexts) {
  const auto lines = streamlab::test::read_corpus();
  if (!lines) GTEST_SKIP() << streamlab::test::kMissingCorpus;
  MessageParser parser;
  std::size_t escaped = 0;
  for (const std::string& line : *lines) {
    if (line.find("&lt;") == std::string::npos && line.find("&amp;") == std::string::npos) continue;
    const ParsedMessage m = parser.parse(line);
    ASSERT_EQ(m.kind, MessageKind::Tweet);
    EXPECT_EQ(m.tweet.text.find("&lt;"), std::string::npos) << m.tweet.text;
    ++escaped;
  }
  EXPECT_GT(escaped, 5u);
}

// ---------------------------------------------------------------------------------------------
// v1.1 shapes.

constexpr std::string_view kExtendedTweet = R"json({
  "created_at": "Wed Oct 10 20:19:24 +0000 2018",
  "id": 1050118621198921728, "id_str": "1050118621198921728",
  "text": "Gran partido de la Roja hoy en el Estadio Nacional, con todo el público cantando y la #Copa a la vista; después una… https://t.co/AbCdEfGhIj",
  "truncated": true,
  "user": {"id": 123, "id_str": "123", "name": "Camila", "screen_name": "cami_rojas"},
  "extended_tweet": {
    "full_text": "Gran partido de la Roja hoy en el Estadio Nacional, con todo el público cantando y la #Copa a la vista; después una cena con @amigo1 &amp; @amiga2 en Santiago. Mañana más #Fútbol",
    "display_text_range": [0, 178],
    "entities": {"hashtags": [{"text": "Copa", "indices": [85, 90]}, {"text": "Fútbol", "indices": [171, 178]}],
                 "user_mentions": [{"screen_name": "amigo1", "indices": [125, 132]}, {"screen_name": "amiga2", "indices": [139, 146]}],
                 "urls": [], "symbols": []}
  },
  "entities": {"hashtags": [{"text": "Copa", "indices": [85, 90]}], "user_mentions": [], "urls": [], "symbols": []},
  "lang": "es"
})json";

TEST(MessageParserV1, TruncatedTweetTakesExtendedTextAndEntities) {
  const ParsedMessage m = parse(kExtendedTweet);
  ASSERT_EQ(m.kind, MessageKind::Tweet) << m.error;
  EXPECT_EQ(m.tweet.id, "1050118621198921728");
  EXPECT_EQ(m.tweet.author, "cami_rojas");
  EXPECT_EQ(m.tweet.lang, "es");
  EXPECT_EQ(m.tweet.created_at, "2018-10-10T20:19:24Z");
  EXPECT_EQ(m.tweet.created_at_ms, 1539202764000);
  EXPECT_EQ(m.tweet.text,
            "Gran partido de la Roja hoy en el Estadio Nacional, con todo el público cantando y la "
            "#Copa a la vista; después una cena con @amigo1 & @amiga2 en Santiago. Mañana más #Fútbol");
  EXPECT_EQ(m.tweet.hashtags, (std::vector<std::string>{"Copa", "Fútbol"}));
  EXPECT_EQ(m.tweet.mentions, (std::vector<std::string>{"amigo1", "amiga2"}));
  EXPECT_FALSE(m.tweet.is_retweet);
  EXPECT_FALSE(m.tweet.is_quote);
}

TEST(MessageParserV1, TruncatedWithoutExtendedTweetKeepsText) {
  // 2009-era stream tweets say truncated=true with no extended_tweet: the text is all there is.
  const ParsedMessage m = parse(
      R"({"text":"I would kill 4 food. Even nasty  ...","created_at":"Mon May 25 01:58:35 +0000 2009","truncated":true,"user":{"screen_name":"someone"},"id":1908233702})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_EQ(m.tweet.text, "I would kill 4 food. Even nasty  ...");
  EXPECT_EQ(m.tweet.id, "1908233702");  // no id_str: from the number
  EXPECT_EQ(m.tweet.created_at_ms, 1243216715000);
  EXPECT_EQ(m.tweet.lang, "");
}

TEST(MessageParserV1, ExtendedRestModeUsesFullText) {
  const ParsedMessage m = parse(
      R"({"created_at":"Wed Oct 10 20:19:24 +0000 2018","id_str":"42","full_text":"why &lt;3 sports, more than 140 characters would fit here","display_text_range":[0,55],"entities":{"hashtags":[{"text":"sports","indices":[1,2]}],"user_mentions":[]},"user":{"screen_name":"x"}})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_EQ(m.tweet.text, "why <3 sports, more than 140 characters would fit here");
  EXPECT_EQ(m.tweet.hashtags, std::vector<std::string>{"sports"});
}

TEST(MessageParserV1, RetweetOfExtendedTweetTakesTheOriginalsFullText) {
  std::string original(kExtendedTweet);
  const std::string retweet =
      R"({"created_at":"Thu Oct 11 08:00:00 +0200 2018","id":2,"id_str":"2000000000000000002",)"
      R"("text":"RT @cami_rojas: Gran partido de la Roja hoy en el Estadio Nacional, con todo el público cantando y la #Copa a la…",)"
      R"("truncated":false,"user":{"screen_name":"retuiteador"},"lang":"und",)"
      R"("entities":{"hashtags":[{"text":"Copa"}],"user_mentions":[{"screen_name":"cami_rojas"}]},)"
      R"("retweeted_status":)" +
      original + "}";
  const ParsedMessage m = parse(retweet);
  ASSERT_EQ(m.kind, MessageKind::Tweet) << m.error;
  EXPECT_TRUE(m.tweet.is_retweet);
  // The retweet's own identity...
  EXPECT_EQ(m.tweet.id, "2000000000000000002");
  EXPECT_EQ(m.tweet.author, "retuiteador");
  EXPECT_EQ(m.tweet.lang, "und");
  EXPECT_EQ(m.tweet.created_at, "2018-10-11T06:00:00Z");  // +0200 honoured
  // ...with the original's complete content.
  EXPECT_EQ(m.tweet.text, parse(kExtendedTweet).tweet.text);
  EXPECT_EQ(m.tweet.hashtags, (std::vector<std::string>{"Copa", "Fútbol"}));
  EXPECT_EQ(m.tweet.mentions, (std::vector<std::string>{"amigo1", "amiga2"}));
}

TEST(MessageParserV1, QuoteTweetKeepsItsOwnText) {
  const ParsedMessage m =
      parse(R"({"id_str":"5","text":"Eso es verdad","user":{"screen_name":"a"},"is_quote_status":true,)"
            R"("quoted_status":{"id_str":"4","text":"Chile campeón","user":{"screen_name":"b"}}})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_TRUE(m.tweet.is_quote);
  EXPECT_FALSE(m.tweet.is_retweet);
  EXPECT_EQ(m.tweet.text, "Eso es verdad");
  EXPECT_EQ(m.tweet.author, "a");

  // The flag alone (the quoted tweet may be withheld or deleted) is enough.
  const ParsedMessage flag_only =
      parse(R"({"id_str":"6","text":"hay que ver","user":{"screen_name":"a"},"is_quote_status":true})");
  EXPECT_TRUE(flag_only.tweet.is_quote);
  const ParsedMessage not_quote =
      parse(R"({"id_str":"7","text":"no","user":{"screen_name":"a"},"is_quote_status":false})");
  EXPECT_FALSE(not_quote.tweet.is_quote);
}

TEST(MessageParserV1, HtmlEntitiesInTextAreDecoded) {
  const ParsedMessage m = parse(
      R"({"id_str":"1","user":{"screen_name":"a"},"text":"Tom &amp; Jerry &lt;3 &gt; &quot;x&quot; &#39;y&#39; &apos;z&apos; &#128512; &#x1F600; &bogus; &#0; &amp;lt; &"})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_EQ(m.tweet.text, "Tom & Jerry <3 > \"x\" 'y' 'z' 😀 😀 &bogus; &#0; &lt; &");
}

TEST(MessageParserV1, CreatedAtOffsetsAreHonoured) {
  auto at = [](const char* created_at) {
    return parse("{\"id_str\":\"1\",\"text\":\"t\",\"created_at\":\""s + created_at + "\"}").tweet;
  };
  EXPECT_EQ(at("Wed Oct 10 20:19:24 +0200 2018").created_at_ms, 1539195564000);
  EXPECT_EQ(at("Wed May 01 20:19:24 -0330 2019").created_at, "2019-05-01T23:49:24Z");
  EXPECT_EQ(at("Wed May 01 20:19:24 -0330 2019").created_at_ms, 1556754564000);
  EXPECT_EQ(at("Mon Feb 29 00:00:00 +0000 2016").created_at, "2016-02-29T00:00:00Z");
  // Unreadable dates leave both fields empty; the tweet is still a tweet.
  const auto bad = at("yesterday");
  EXPECT_EQ(bad.created_at, "");
  EXPECT_EQ(bad.created_at_ms, 0);
  EXPECT_EQ(at("Tue Feb 29 00:00:00 +0000 2019").created_at, "");  // no such day
}

TEST(MessageParserV1, IdFromNumberWhenIdStrIsMissing) {
  EXPECT_EQ(parse(R"({"id":18446744073709551615,"text":"x"})").tweet.id, "18446744073709551615");
  EXPECT_EQ(parse(R"({"id":7,"text":"x"})").tweet.id, "7");
  // A float id cannot be trusted to be the id, and a text without an id is not a tweet.
  EXPECT_EQ(parse(R"({"id":1.5e18,"text":"x"})").kind, MessageKind::Other);
  EXPECT_EQ(parse(R"({"text":"x","user":{"screen_name":"a"}})").kind, MessageKind::Other);
}

// ---------------------------------------------------------------------------------------------
// X API v2.

TEST(MessageParserV2, TweetWithIncludes) {
  const ParsedMessage m = parse(R"json({
    "data": {"id": "1476834958377181186", "text": "Feliz año &amp; #Chile con @amigo",
             "author_id": "99", "created_at": "2022-01-01T12:00:00.123Z", "lang": "es",
             "entities": {"hashtags": [{"start": 17, "end": 23, "tag": "Chile"}],
                          "mentions": [{"start": 28, "end": 34, "username": "amigo", "id": "7"}]}},
    "includes": {"users": [{"id": "7", "username": "amigo"}, {"id": "99", "username": "autora"}]},
    "matching_rules": [{"id": "1", "tag": "chile"}]
  })json");
  ASSERT_EQ(m.kind, MessageKind::Tweet) << m.error;
  EXPECT_EQ(m.tweet.id, "1476834958377181186");
  EXPECT_EQ(m.tweet.author, "autora");
  EXPECT_EQ(m.tweet.text, "Feliz año & #Chile con @amigo");
  EXPECT_EQ(m.tweet.lang, "es");
  EXPECT_EQ(m.tweet.created_at, "2022-01-01T12:00:00Z");
  EXPECT_EQ(m.tweet.created_at_ms, 1641038400123);
  EXPECT_EQ(m.tweet.hashtags, std::vector<std::string>{"Chile"});
  EXPECT_EQ(m.tweet.mentions, std::vector<std::string>{"amigo"});
  EXPECT_FALSE(m.tweet.is_retweet);
}

TEST(MessageParserV2, AuthorUnknownWithoutIncludes) {
  const ParsedMessage m =
      parse(R"({"data":{"id":"1","text":"hola","author_id":"5","created_at":"2022-01-01T09:00:00-03:00"}})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_EQ(m.tweet.author, "");
  EXPECT_EQ(m.tweet.created_at, "2022-01-01T12:00:00Z");
}

TEST(MessageParserV2, RetweetTakesTheIncludedOriginal) {
  const ParsedMessage m = parse(R"json({
    "data": {"id": "20", "text": "RT @autora: Un texto largo que se corta…", "author_id": "1",
             "referenced_tweets": [{"type": "retweeted", "id": "10"}],
             "entities": {"mentions": [{"username": "autora"}]}},
    "includes": {"users": [{"id": "1", "username": "fan"}, {"id": "2", "username": "autora"}],
                 "tweets": [{"id": "9", "text": "otro"},
                            {"id": "10", "text": "Un texto largo que se corta en el RT &gt; completo aquí",
                             "author_id": "2", "entities": {"hashtags": [{"tag": "EEUU"}]}}]}
  })json");
  ASSERT_EQ(m.kind, MessageKind::Tweet) << m.error;
  EXPECT_TRUE(m.tweet.is_retweet);
  EXPECT_EQ(m.tweet.id, "20");
  EXPECT_EQ(m.tweet.author, "fan");
  EXPECT_EQ(m.tweet.text, "Un texto largo que se corta en el RT > completo aquí");
  EXPECT_EQ(m.tweet.hashtags, std::vector<std::string>{"EEUU"});
  EXPECT_TRUE(m.tweet.mentions.empty());
}

TEST(MessageParserV2, RetweetWithoutIncludedOriginalKeepsItsOwnText) {
  const ParsedMessage m =
      parse(R"({"data":{"id":"20","text":"RT @a: corto","referenced_tweets":[{"type":"retweeted","id":"10"}]}})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_TRUE(m.tweet.is_retweet);
  EXPECT_EQ(m.tweet.text, "RT @a: corto");
}

TEST(MessageParserV2, NoteTweetBeatsText) {
  const ParsedMessage m = parse(R"json({
    "data": {"id": "3", "text": "El comienzo de un post largo… https://t.co/x",
             "note_tweet": {"text": "El comienzo de un post largo que sigue y sigue #Música",
                            "entities": {"hashtags": [{"tag": "Música"}]}},
             "entities": {"urls": [{"url": "https://t.co/x"}]}}
  })json");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_EQ(m.tweet.text, "El comienzo de un post largo que sigue y sigue #Música");
  EXPECT_EQ(m.tweet.hashtags, std::vector<std::string>{"Música"});
}

TEST(MessageParserV2, QuoteAndReply) {
  const ParsedMessage m = parse(
      R"({"data":{"id":"4","text":"mira esto","referenced_tweets":[{"type":"replied_to","id":"1"},{"type":"quoted","id":"2"}]}})");
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_TRUE(m.tweet.is_quote);
  EXPECT_FALSE(m.tweet.is_retweet);
  EXPECT_EQ(m.tweet.text, "mira esto");
}

TEST(MessageParserV2, ErrorsWithoutDataAreANotice) {
  const ParsedMessage m = parse(
      R"({"errors":[{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","type":"https://api.twitter.com/2/problems/streaming-connection"}]})");
  EXPECT_EQ(m.kind, MessageKind::Notice);
  EXPECT_EQ(m.notice, "error");
  // Partial errors next to data do not hide the tweet.
  const ParsedMessage with_data = parse(R"({"data":{"id":"1","text":"hola"},"errors":[{"title":"Not Found Error"}]})");
  EXPECT_EQ(with_data.kind, MessageKind::Tweet);
  // data that is not a tweet object is nothing we know.
  EXPECT_EQ(parse(R"({"data":[{"id":"1","text":"a"}]})").kind, MessageKind::Other);
  EXPECT_EQ(parse(R"({"data":{"id":"1"}})").kind, MessageKind::Other);
}

// ---------------------------------------------------------------------------------------------
// Everything that is not a tweet.

TEST(MessageParserOther, StreamNotices) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"}}})", "delete"},
      {R"({"scrub_geo":{"user_id":14090452,"up_to_status_id":23260136625}})", "scrub_geo"},
      {R"({"limit":{"track":1234,"timestamp_ms":"1556712000000"}})", "limit"},
      {R"({"status_withheld":{"id":1,"user_id":2,"withheld_in_countries":["DE"]}})", "status_withheld"},
      {R"({"user_withheld":{"id":2,"withheld_in_countries":["DE"]}})", "user_withheld"},
      {R"({"disconnect":{"code":4,"stream_name":"x","reason":"duplicate"}})", "disconnect"},
      {R"({"warning":{"code":"FALLING_BEHIND","message":"...","percent_full":60}})", "warning"},
      {R"({"event":"favorite","source":{},"target":{},"target_object":{"id_str":"1","text":"t"}})", "event"},
      {R"({"friends":[1,2,3]})", "friends"},
  };
  MessageParser parser;
  for (const auto& [json, name] : cases) {
    const ParsedMessage m = parser.parse(json);
    EXPECT_EQ(m.kind, MessageKind::Notice) << json;
    EXPECT_EQ(m.notice, name);
  }
}

TEST(MessageParserOther, KeepAlive) {
  for (std::string_view blank : {""sv, "\r\n"sv, "\n"sv, "   \t \r\n"sv}) {
    EXPECT_EQ(parse(blank).kind, MessageKind::KeepAlive) << "[" << blank << "]";
  }
}

TEST(MessageParserOther, Counter) {
  const ParsedMessage m = parse(R"({"number": 5})");
  EXPECT_EQ(m.kind, MessageKind::Counter);
  EXPECT_EQ(m.number, 5);
  EXPECT_EQ(parse(R"({"number":-3})").number, -3);
  EXPECT_EQ(parse(" {\"number\": 9223372036854775807}\n").number, INT64_MAX);
  EXPECT_EQ(parse(R"({"number": -9223372036854775808})").number, INT64_MIN);
  EXPECT_EQ(parse(R"({"number": -0})").number, 0);
  EXPECT_TRUE(parse(R"({"number": 5})").invalid.empty());
  for (std::string_view not_counter : {R"({"number": 1.5})"sv, R"({"number": 1e3})"sv, R"({"number": "5"})"sv,
                                       R"({"number": 5, "x": 1})"sv, R"({"number": null})"sv}) {
    const ParsedMessage o = parse(not_counter);
    EXPECT_EQ(o.kind, MessageKind::Other) << not_counter;
    EXPECT_EQ(o.number, 0);
    EXPECT_TRUE(o.invalid.empty());
  }
}

TEST(MessageParserOther, CounterBeyondInt64IsInvalidWithItsReason) {
  // A counter, so the dead letter says what is wrong with it, not "neither a tweet nor a counter".
  for (auto [json, number] : {std::pair{R"({"number": 9223372036854775808})"sv, "9223372036854775808"sv},
                              std::pair{R"({"number": 18446744073709551615})"sv, "18446744073709551615"sv}}) {
    const ParsedMessage m = parse(json);
    EXPECT_EQ(m.kind, MessageKind::Counter) << json;
    EXPECT_EQ(m.number, 0);
    EXPECT_NE(m.invalid.find(number), std::string::npos) << m.invalid;
    EXPECT_NE(m.invalid.find("64-bit"), std::string::npos) << m.invalid;
  }
  // Beyond 64 bits, or below INT64_MIN, or beyond a double: simdjson refuses the number.
  for (std::string_view json :
       {R"({"number": 18446744073709551616})"sv, R"({"number": -9223372036854775809})"sv, R"({"number": 1e400})"sv}) {
    EXPECT_EQ(parse(json).kind, MessageKind::Malformed) << json;
  }
}

TEST(MessageParserOther, DatesOutsideYears1To9999MakeTheTweetInvalid) {
  const auto v2 = [](const char* created_at) {
    return parse(R"({"data":{"id":"1","text":"x","created_at":")"s + created_at + "\"}}");
  };
  const auto v1 = [](const char* created_at) {
    return parse(R"({"id_str":"1","text":"x","created_at":")"s + created_at + "\"}");
  };
  for (const ParsedMessage& m :
       {v2("0000-06-01T00:00:00Z"), v1("Sat Jan 01 00:30:00 +0100 0001"), v1("Fri Dec 31 23:30:00 -0100 9999"),
        v2("9999-12-31T23:59:59-00:01"), v2("0001-01-01T00:00:00+00:01")}) {
    EXPECT_EQ(m.kind, MessageKind::Tweet);
    EXPECT_NE(m.invalid.find("outside years 0001-9999"), std::string::npos) << m.invalid;
    EXPECT_EQ(m.tweet.created_at, "");  // never the out-of-range form
    EXPECT_EQ(m.tweet.created_at_ms, 0);
  }
  EXPECT_NE(v2("0000-06-01T00:00:00Z").invalid.find("\"0000-06-01T00:00:00Z\""), std::string::npos);
  // The edges are kept.
  const ParsedMessage first = v2("0001-01-01T00:00:00Z");
  EXPECT_TRUE(first.invalid.empty()) << first.invalid;
  EXPECT_EQ(first.tweet.created_at, "0001-01-01T00:00:00Z");
  EXPECT_EQ(first.tweet.created_at_ms, -62'135'596'800'000);
  const ParsedMessage last = v1("Fri Dec 31 23:59:59 +0000 9999");
  EXPECT_TRUE(last.invalid.empty()) << last.invalid;
  EXPECT_EQ(last.tweet.created_at, "9999-12-31T23:59:59Z");
  // Dates that do not read (no Feb 30, no year -1 or 10000 in four digits) stay what they were:
  // the tweet is kept without a date.
  for (const ParsedMessage& m : {v2("2019-02-30T00:00:00Z"), v2("-001-01-01T00:00:00Z"), v2("10000-01-01T00:00:00Z"),
                                 v1("Sat Feb 30 00:00:00 +0000 2019"), v2("yesterday")}) {
    EXPECT_EQ(m.kind, MessageKind::Tweet);
    EXPECT_TRUE(m.invalid.empty()) << m.invalid;
    EXPECT_EQ(m.tweet.created_at, "");
  }
  // A reused output loses the reason.
  MessageParser parser;
  ParsedMessage m;
  parser.parse(R"({"data":{"id":"1","text":"x","created_at":"0000-06-01T00:00:00Z"}})", m);
  ASSERT_FALSE(m.invalid.empty());
  parser.parse(R"({"number": 1})", m);
  EXPECT_TRUE(m.invalid.empty());
}

TEST(MessageParserOther, ValidJsonThatIsNothingKnown) {
  for (std::string_view other : {"{}"sv, "[]"sv, R"("text")"sv, "42"sv, "null"sv, "true"sv,
                                 R"({"foo":{"text":"x","id":1}})"sv, R"([{"number":1}])"sv}) {
    EXPECT_EQ(parse(other).kind, MessageKind::Other) << other;
  }
}

TEST(MessageParserOther, KindNames) {
  EXPECT_STREQ(to_string(MessageKind::Tweet), "tweet");
  EXPECT_STREQ(to_string(MessageKind::Counter), "counter");
  EXPECT_STREQ(to_string(MessageKind::Notice), "notice");
  EXPECT_STREQ(to_string(MessageKind::KeepAlive), "keep-alive");
  EXPECT_STREQ(to_string(MessageKind::Other), "other");
  EXPECT_STREQ(to_string(MessageKind::Malformed), "malformed");
}

TEST(MessageParserOther, ReusedOutputIsFullyOverwritten) {
  MessageParser parser;
  ParsedMessage m;
  parser.parse(kExtendedTweet, m);
  ASSERT_EQ(m.kind, MessageKind::Tweet);
  parser.parse(R"({"number": 1})", m);
  EXPECT_EQ(m.kind, MessageKind::Counter);
  EXPECT_TRUE(m.tweet.text.empty());
  EXPECT_TRUE(m.tweet.id.empty());
  EXPECT_TRUE(m.tweet.hashtags.empty());
  EXPECT_EQ(m.tweet.created_at_ms, 0);
  parser.parse("{", m);
  EXPECT_EQ(m.kind, MessageKind::Malformed);
  EXPECT_EQ(m.number, 0);
  parser.parse(R"({"id_str":"1","text":"plain"})", m);
  EXPECT_EQ(m.kind, MessageKind::Tweet);
  EXPECT_TRUE(m.error.empty());
  EXPECT_EQ(m.error_offset, 0u);
  EXPECT_FALSE(m.tweet.is_retweet);
  EXPECT_EQ(m.tweet.author, "");
}

// ---------------------------------------------------------------------------------------------
// Malformed input: a readable error, a useful offset, and never a throw or a crash.

TEST(MessageParserMalformed, TruncatedInputPointsAtItsEnd) {
  const std::string whole(kExtendedTweet);
  for (std::size_t cut : {1ul, 10ul, 100ul, whole.size() / 2, whole.size() - 2}) {
    const std::string prefix = whole.substr(0, cut);
    const ParsedMessage m = parse(prefix);
    ASSERT_EQ(m.kind, MessageKind::Malformed) << prefix;
    EXPECT_FALSE(m.error.empty());
    EXPECT_EQ(m.error_offset, prefix.size()) << prefix;
  }
}

TEST(MessageParserMalformed, ErrorsPointAtTheBadByte) {
  struct Case {
    std::string json;
    std::size_t offset;
  };
  const Case cases[] = {
      {"{\"a\":\0}"s, 5},                     // NUL where a value goes
      {"{\"text\":\"a\0b\",\"id\":1}"s, 10},  // NUL inside a string
      {"{\"text\":\"\xff\",\"id\":1}", 9},    // not UTF-8
      {"{\"text\":\"\xc3\x28\"}", 9},         // broken two-byte sequence
      {"{\"text\":\"\xed\xa0\x80\"}", 9},     // an encoded surrogate
      {"{\"text\":\"\\ud800\"}", 9},          // a lone escaped surrogate
      {"{} x", 3},                            // two values
      {"{\"a\" 1}", 5},                       // missing colon
      {"[1,]", 3},                            // trailing comma
      {"{\"a\":tru}", 8},
      {"{'a':1}", 1},
      {"{\"a\":01}", 6},
      {"\xef\xbb\xbf{}", 0},  // a byte-order mark is not JSON
  };
  for (const Case& c : cases) {
    const ParsedMessage m = parse(c.json);
    EXPECT_EQ(m.kind, MessageKind::Malformed) << c.json;
    EXPECT_FALSE(m.error.empty()) << c.json;
    EXPECT_EQ(m.error_offset, c.offset) << c.json;
  }
}

TEST(MessageParserMalformed, DeepNesting) {
  // Within simdjson's depth limit: valid, and nothing we know.
  const std::string ok = std::string(500, '[') + std::string(500, ']');
  EXPECT_EQ(parse(ok).kind, MessageKind::Other);
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 2000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(2000, '}');
    return s;
  }();
  const ParsedMessage too_deep_objects = parse(deep_objects);
  EXPECT_EQ(too_deep_objects.kind, MessageKind::Malformed);
  // Far beyond it, and unclosed: no stack overflow anywhere.
  const std::string hostile(1'000'000, '[');
  const ParsedMessage m = parse(hostile);
  EXPECT_EQ(m.kind, MessageKind::Malformed);
  EXPECT_FALSE(m.error.empty());
}

TEST(MessageParserMalformed, NoInputMakesItThrow) {
  // Every prefix and many single-byte corruptions of a real tweet, and pseudo-random bytes:
  // any kind is acceptable, an exception or a sanitizer report is not.
  const std::string base(kExtendedTweet);
  MessageParser parser;
  ParsedMessage m;
  std::size_t malformed = 0;
  for (std::size_t cut = 0; cut <= base.size(); ++cut) {
    EXPECT_NO_THROW(parser.parse(std::string_view(base).substr(0, cut), m));
    malformed += m.kind == MessageKind::Malformed ? 1 : 0;
  }
  std::uint64_t x = 0x2545F4914F6CDD1DULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::string mutated;
  for (int i = 0; i < 3000; ++i) {
    mutated = base;
    for (int k = 0; k < 1 + static_cast<int>(next() % 3); ++k) {
      mutated[next() % mutated.size()] = static_cast<char>(next() & 0xFF);
    }
    EXPECT_NO_THROW(parser.parse(mutated, m));
    if (m.kind == MessageKind::Malformed) {
      EXPECT_LE(m.error_offset, mutated.size());
    }
  }
  std::string noise;
  for (int i = 0; i < 500; ++i) {
    noise.resize(next() % 300);
    for (char& c : noise) c = static_cast<char>(next() & 0xFF);
    EXPECT_NO_THROW(parser.parse(noise, m));
  }
  EXPECT_GT(malformed, base.size() / 2);
}

// check(): what parse() says of blank and malformed input, and nothing of a good document.
TEST(MessageParserCheck, SortsBlankMalformedAndWellFormedAsParseDoes) {
  MessageParser parser;
  ParsedMessage checked, parsed;
  for (const std::string_view line :
       {std::string_view("  "), std::string_view("{\"data\": {\"id\": \"1\", \"text\": \"hi\""),
        std::string_view("{\"number\": 7}"), std::string_view("[1, 2,]"),
        std::string_view("{\"data\": {\"id\": \"1\", \"text\": \"hi\"}}")}) {
    parser.check(line, checked);
    parser.parse(line, parsed);
    if (parsed.kind == MessageKind::KeepAlive || parsed.kind == MessageKind::Malformed) {
      EXPECT_EQ(checked.kind, parsed.kind) << line;
      EXPECT_EQ(checked.error, parsed.error) << line;
      EXPECT_EQ(checked.error_offset, parsed.error_offset) << line;
    } else {
      EXPECT_EQ(checked.kind, MessageKind::Other) << line;
      EXPECT_TRUE(checked.tweet.text.empty()) << "check reads nothing of the document";
    }
  }
}

}  // namespace
