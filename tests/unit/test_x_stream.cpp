// x-stream's pure parts: the reconnect schedule (on a fake clock), the rule and its sync diff,
// and the cutting of the streamed bytes into lines.

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "sources/x_stream_backoff.hpp"
#include "sources/x_stream_lines.hpp"
#include "sources/x_stream_rules.hpp"

using namespace std::chrono_literals;
using streamlab::core::FakeClock;
using streamlab::core::Nanos;
using streamlab::core::UsageError;
using namespace streamlab::sources;

namespace {

std::vector<Nanos> failures(XStreamBackoff& b, FakeClock& clock, XStreamFailure kind, int n) {
  std::vector<Nanos> waits;
  for (int i = 0; i < n; ++i) {
    const Nanos w = b.failed(kind);
    waits.push_back(w);
    EXPECT_FALSE(w > 0ns && b.due()) << "attempt " << i << " is due before its wait";
    clock.sleep_until(b.next_attempt());
    EXPECT_TRUE(b.due());
  }
  return waits;
}

}  // namespace

TEST(XStreamBackoff, NetworkErrorsBackOffLinearlyBy250msUpTo16s) {
  FakeClock clock;
  XStreamBackoff b(clock);
  const auto waits = failures(b, clock, XStreamFailure::Network, 70);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(waits[i], 250ms * (i + 1)) << i;
  for (int i = 64; i < 70; ++i) EXPECT_EQ(waits[i], 16s) << i;
}

TEST(XStreamBackoff, HttpErrorsBackOffExponentiallyFrom5sUpTo320s) {
  FakeClock clock;
  XStreamBackoff b(clock);
  const auto waits = failures(b, clock, XStreamFailure::Http, 9);
  const std::vector<Nanos> expected = {5s, 10s, 20s, 40s, 80s, 160s, 320s, 320s, 320s};
  EXPECT_EQ(waits, expected);
}

TEST(XStreamBackoff, RateLimitsBackOffExponentiallyFromOneMinute) {
  FakeClock clock;
  XStreamBackoff b(clock);
  const auto waits = failures(b, clock, XStreamFailure::RateLimited, 6);
  const std::vector<Nanos> expected = {1min, 2min, 4min, 8min, 16min, 16min};
  EXPECT_EQ(waits, expected);
}

TEST(XStreamBackoff, RateLimitResetHeaderIsHonoured) {
  FakeClock clock;
  XStreamBackoff b(clock);
  // Sooner than the schedule's minute, and later than it: both wait exactly until the reset.
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, 2500ms), 2500ms);
  clock.advance(2499ms);
  EXPECT_FALSE(b.due());
  clock.advance(1ms);
  EXPECT_TRUE(b.due());
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, 7min), 7min);
  // A reset in the past says nothing: the schedule goes on (third 429: 4 minutes).
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, -3s), 4min);
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited, std::nullopt), 8min);
}

TEST(XStreamBackoff, RateLimitResetHeaderParsing) {
  const std::int64_t now_ms = 1'700'000'000'250;
  EXPECT_EQ(rate_limit_reset_in(" 1700000002\r\n", now_ms), Nanos(1750ms));
  EXPECT_EQ(rate_limit_reset_in("1700000000", now_ms), std::nullopt);  // already past
  EXPECT_EQ(rate_limit_reset_in("", now_ms), std::nullopt);
  EXPECT_EQ(rate_limit_reset_in("soon", now_ms), std::nullopt);
  EXPECT_EQ(rate_limit_reset_in("17e8", now_ms), std::nullopt);
}

TEST(XStreamBackoff, SuccessfulConnectionResetsEverySchedule) {
  FakeClock clock;
  XStreamBackoff b(clock);
  failures(b, clock, XStreamFailure::Http, 3);
  failures(b, clock, XStreamFailure::RateLimited, 2);
  failures(b, clock, XStreamFailure::Network, 5);
  b.connected();
  EXPECT_EQ(b.failed(XStreamFailure::Http), 5s);
  b.connected();
  EXPECT_EQ(b.failed(XStreamFailure::RateLimited), 1min);
  b.connected();
  clock.advance(XStreamBackoff::kEstablished);
  EXPECT_EQ(b.failed(XStreamFailure::Network), 0ns);  // an established connection dropped
  EXPECT_EQ(b.failed(XStreamFailure::Network), 250ms);
}

TEST(XStreamBackoff, EstablishedConnectionThatDropsReconnectsAtOnce) {
  FakeClock clock;
  XStreamBackoff b(clock);
  failures(b, clock, XStreamFailure::Network, 4);
  b.connected();
  clock.advance(XStreamBackoff::kEstablished);
  EXPECT_EQ(b.failed(XStreamFailure::Network), 0ns);
  EXPECT_TRUE(b.due());
  // That reconnect failing starts the linear schedule from its first step.
  EXPECT_EQ(b.failed(XStreamFailure::Network), 250ms);
  EXPECT_EQ(b.failed(XStreamFailure::Network), 500ms);
}

TEST(XStreamBackoff, ServerThatAcceptsAndDropsAtOnceIsBackedOff) {
  FakeClock clock;
  XStreamBackoff b(clock);
  std::vector<Nanos> waits;
  for (int i = 0; i < 4; ++i) {
    b.connected();
    clock.advance(1s);
    waits.push_back(b.failed(XStreamFailure::Network));
    clock.sleep_until(b.next_attempt());
  }
  // Connections that do not last count as failed attempts: the linear schedule goes on.
  EXPECT_EQ(waits, (std::vector<Nanos>{250ms, 500ms, 750ms, 1s}));
}

TEST(XStreamRules, BuildsOneRuleFromTrackAndLanguages) {
  const XRule r = build_rule({"Chile", "Santiago", "Fútbol"}, {"es", "en"});
  EXPECT_EQ(r.value, "(Chile OR Santiago OR Fútbol) (lang:es OR lang:en)");
  EXPECT_EQ(r.tag, "streamlab");
  EXPECT_EQ(build_rule({"sport"}, {"en"}).value, "sport lang:en");
  EXPECT_EQ(build_rule({"sport"}, {}).value, "sport");
  EXPECT_EQ(build_rule({"copa america", "OR"}, {"es"}).value, "(\"copa america\" OR \"OR\") lang:es");
}

TEST(XStreamRules, SplitsCommaListsAndRefusesEmptyItems) {
  EXPECT_EQ(split_list("Chile, Santiago ,sport", "--track"), (std::vector<std::string>{"Chile", "Santiago", "sport"}));
  for (const char* bad : {"", "a,,b", "a,", ",a", " , "}) {
    try {
      split_list(bad, "--track");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--track"), std::string::npos) << e.what();
    }
  }
}

TEST(XStreamRules, RefusesBadWordsLanguagesAndOverlongRules) {
  EXPECT_THROW(build_rule({}, {"es"}), UsageError);
  for (const char* word : {"say \"hi\"", "(x", "-minus", "lang:"}) {
    EXPECT_THROW(build_rule({word}, {"es"}), UsageError) << word;
  }
  for (const char* lang : {"e", "spanish", "ES", "e1", "es-CL"}) {
    try {
      build_rule({"x"}, {lang});
      ADD_FAILURE() << "accepted --lang " << lang;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(lang), std::string::npos) << e.what();
    }
  }
  const std::vector<std::string> many(200, "word");  // 200 * "word OR " > 1024
  try {
    build_rule(many, {"es"});
    ADD_FAILURE() << "accepted an overlong rule";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("1024"), std::string::npos) << e.what();
  }
  const std::vector<std::string> fits(100, "word");  // 2 + 100*4 + 99*4 + 10 = 808
  EXPECT_LE(build_rule(fits, {"es"}).value.size(), kMaxRuleLength);
}

TEST(XStreamRules, DiffAddsMissingDeletesStaleAndLeavesOthersAlone) {
  const XRule want{"", "(a OR b) lang:es", "streamlab"};
  const std::vector<XRule> existing = {
      {"1", "old rule", "streamlab"},     // stale: deleted
      {"2", "cats", "someone-else"},      // foreign: left alone
      {"3", "dogs", ""},                  // untagged: left alone
      {"4", "older rule", "streamlab"},   // stale: deleted
  };
  const RuleDiff d = diff_rules({want}, existing);
  ASSERT_EQ(d.add.size(), 1u);
  EXPECT_EQ(d.add[0].value, want.value);
  EXPECT_EQ(d.add[0].tag, "streamlab");
  EXPECT_EQ(d.delete_ids, (std::vector<std::string>{"1", "4"}));
}

TEST(XStreamRules, DiffKeepsAWantedRuleAlreadyThere) {
  const XRule want{"", "x lang:en", "streamlab"};
  RuleDiff d = diff_rules({want}, {{"9", "x lang:en", "streamlab"}});
  EXPECT_TRUE(d.add.empty());
  EXPECT_TRUE(d.delete_ids.empty());
  // X refuses a duplicate value whatever its tag: someone else's identical rule serves us too.
  d = diff_rules({want}, {{"8", "x lang:en", "theirs"}});
  EXPECT_TRUE(d.add.empty());
  EXPECT_TRUE(d.delete_ids.empty());
  d = diff_rules({want, want}, {});
  EXPECT_EQ(d.add.size(), 1u);
}

TEST(XStreamLines, KeepAlivesAreDroppedAndCounted) {
  LineSplitter s;
  std::deque<std::string> out;
  s.feed("\r\n\r\n{\"data\":1}\r\n\r\n", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"data\":1}"}));
  EXPECT_EQ(s.keep_alives(), 3u);
  s.feed("\n \r\n", out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(s.keep_alives(), 5u);
}

TEST(XStreamLines, OneLineInManyChunks) {
  const std::string line = "{\"data\":{\"id\":\"1\",\"text\":\"¡Fútbol! 🇨🇱\"}}";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 64u}) {
    LineSplitter s;
    std::deque<std::string> out;
    const std::string wire = line + "\r\n";
    for (std::size_t i = 0; i < wire.size(); i += piece) {
      s.feed(std::string_view(wire).substr(i, piece), out);
      if (i + piece < wire.size()) {
        EXPECT_TRUE(out.empty()) << piece;
      }
    }
    EXPECT_EQ(out, (std::deque<std::string>{line})) << piece;
    EXPECT_EQ(s.pending(), 0u);
  }
}

TEST(XStreamLines, ManyLinesInOneChunkAndALineAcrossChunks) {
  LineSplitter s;
  std::deque<std::string> out;
  s.feed("{\"a\":1}\r\n{\"b\":2}\r\n\r\n{\"c\":", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(s.pending(), 5u);
  s.feed("3}\r", out);
  EXPECT_EQ(out.size(), 2u);
  s.feed("\n{\"d\":4}\r\n", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}"}));
}

TEST(XStreamLines, AnUnfinishedLineIsDroppedOnReset) {
  LineSplitter s;
  std::deque<std::string> out;
  s.feed("{\"a\":1}\r\n{\"half", out);
  EXPECT_EQ(s.reset(), 6u);
  s.feed("{\"b\":2}\r\n", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}
