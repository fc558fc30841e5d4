// libFuzzer target: the one message parser (tweets/message_parser.cpp, simdjson, with the HTML
// entity decoder and the timestamp readers behind it). It never throws; a parser reused after
// another message gives what a fresh one gives (every field is reset); what it keeps is valid
// UTF-8; a malformed message's offset is the error locator's; only blank input is a keep-alive;
// a tweet has an id and a date that is empty or the kept form of its milliseconds.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "tweets/json_error_offset.hpp"
#include "tweets/message_parser.hpp"
#include "tweets/timestamps.hpp"

using namespace streamlab::tweets;
using streamlab::fuzz::check;

namespace {

// A message that sets every field, parsed before the fuzzed one into the reused result.
constexpr std::string_view kRich =
    R"({"data":{"id":"99","text":"RT &amp; #x @y","author_id":"5","lang":"es","created_at":"2022-01-01T09:00:00.000Z",)"
    R"("entities":{"hashtags":[{"tag":"x"}],"mentions":[{"username":"y"}]},)"
    R"("referenced_tweets":[{"type":"retweeted","id":"7"},{"type":"quoted","id":"8"}]},)"
    R"("includes":{"users":[{"id":"5","username":"someone"}]}})";

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

bool same(const ParsedMessage& a, const ParsedMessage& b) {
  const Tweet &x = a.tweet, &y = b.tweet;
  return a.kind == b.kind && a.number == b.number && a.notice == b.notice && a.error == b.error &&
         a.error_offset == b.error_offset && a.invalid == b.invalid && x.id == y.id && x.created_at == y.created_at &&
         x.created_at_ms == y.created_at_ms && x.author == y.author && x.lang == y.lang && x.text == y.text &&
         x.hashtags == y.hashtags && x.mentions == y.mentions && x.is_retweet == y.is_retweet &&
         x.is_quote == y.is_quote;
}

bool empty_tweet(const Tweet& t) {
  return t.id.empty() && t.created_at.empty() && t.created_at_ms == 0 && t.author.empty() && t.lang.empty() &&
         t.text.empty() && t.hashtags.empty() && t.mentions.empty() && !t.is_retweet && !t.is_quote;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  // Parsers keep their buffers between messages, as the consumer's does.
  static MessageParser fresh_parser, reused_parser;
  const ParsedMessage fresh = fresh_parser.parse(json);
  ParsedMessage reused;
  reused_parser.parse(kRich, reused);
  check(reused.kind == MessageKind::Tweet, "the rich message is not a tweet");
  reused_parser.parse(json, reused);
  check(same(fresh, reused), "a reused result differs from a fresh one: a field is not reset");

  const bool blank = json.find_first_not_of(" \t\r\n") == std::string_view::npos;
  check(blank == (fresh.kind == MessageKind::KeepAlive), "keep-alive is not exactly blank input");
  if (fresh.kind == MessageKind::Malformed) {
    check(!fresh.error.empty(), "malformed without a reason");
    check(fresh.error_offset == locate_json_error(json).value_or(0), "malformed at another offset than the locator's");
  }
  if (fresh.kind != MessageKind::Tweet) check(empty_tweet(fresh.tweet), "a tweet's fields set on another kind");
  if (fresh.kind != MessageKind::Counter) check(fresh.number == 0, "a number on another kind than a counter");
  if (fresh.kind == MessageKind::Notice) check(!fresh.notice.empty(), "a notice without a name");
  if (fresh.kind == MessageKind::Tweet) {
    const Tweet& t = fresh.tweet;
    check(!t.id.empty(), "a tweet without an id");
    bool utf8 = valid_utf8(t.id) && valid_utf8(t.author) && valid_utf8(t.lang) && valid_utf8(t.text);
    for (const auto& h : t.hashtags) utf8 = utf8 && valid_utf8(h);
    for (const auto& m : t.mentions) utf8 = utf8 && valid_utf8(m);
    check(utf8, "a tweet's field is not valid UTF-8");
    if (t.created_at.empty()) {
      check(t.created_at_ms == 0, "milliseconds without a date");
    } else {
      std::string kept;
      check(is_kept_time(t.created_at_ms) && append_iso8601_utc(t.created_at_ms, kept) && kept == t.created_at,
            "a date that is not the kept form of its milliseconds");
      check(fresh.invalid.empty(), "a kept date and a reason to refuse the tweet");
    }
  }
  if (!fresh.invalid.empty()) {
    check(fresh.kind == MessageKind::Tweet || fresh.kind == MessageKind::Counter, "invalid on another kind");
  }
  return 0;
}
