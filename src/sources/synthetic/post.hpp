#pragma once
// Post texts: composed once per post, then written in up to three views (the full text, the
// 140-character cut of an extended tweet, the "RT @x: " form of a retweet).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sources/synthetic/json_writer.hpp"
#include "sources/synthetic/random.hpp"
#include "sources/synthetic/users.hpp"
#include "sources/synthetic/vocabulary.hpp"

namespace streamlab::sources::synthetic {

inline std::uint32_t code_points(string_view s) {
  std::uint32_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

struct Span {
  std::uint32_t begin = 0;  // code points, as Twitter's indices count
  std::uint32_t end = 0;
};

struct Photo {
  Decimal id_text;
  std::array<char, 15> key{};
};

struct Post {
  std::string body;
  std::uint32_t length = 0;  // code points
  // After each token: where the text may be cut, in bytes and in code points.
  struct Break {
    std::uint32_t bytes;
    std::uint32_t cps;
  };
  std::vector<Break> breaks;
  struct Tag {
    string_view tag;
    Span at;
  };
  std::vector<Tag> hashtags;
  struct Mention {
    const User* user;
    Span at;
  };
  std::vector<Mention> mentions;
  struct Url {
    std::array<char, 10> code;
    const Link* link;
    Span at;
  };
  std::vector<Url> urls;
  std::vector<Photo> photos;  // all share one link, `media_code` at `media_at`
  std::array<char, 10> media_code{};
  Span media_at;

  // Post metadata.
  std::uint64_t id = 0;
  Decimal id_text;
  std::int64_t ms = 0;
  const User* author = nullptr;
  Lang lang = Lang::Es;
  string_view client;
  bool extended = false;               // longer than 140 code points
  bool ascii_only = false;             // texts written with \u escapes
  std::array<char, 10> status_code{};  // t.co link to the post, for the cut text
  std::uint32_t media_width = 0, media_height = 0;

  void clear() {
    body.clear();
    length = 0;
    breaks.clear();
    hashtags.clear();
    mentions.clear();
    urls.clear();
    photos.clear();
  }

  // Appends `token` after a separator; returns where it sits.
  Span add(string_view token, string_view separator) {
    if (!body.empty()) {
      body.append(separator);
      length += code_points(separator);
    }
    Span at{length, 0};
    body.append(token);
    length += code_points(token);
    at.end = length;
    breaks.push_back({static_cast<std::uint32_t>(body.size()), length});
    return at;
  }

  // The longest prefix, at a token boundary, of at most `max_cps` code points.
  Break cut(std::uint32_t max_cps) const {
    Break best{0, 0};
    for (const Break& b : breaks) {
      if (b.cps > max_cps) break;
      best = b;
    }
    return best;
  }
};

constexpr std::uint32_t kTcoLength = 23;  // "https://t.co/" + 10

// Composes `p`'s text and entities in `lang`: at least one keyword (or, of no words, a keyword
// hashtag), words up to a drawn length, mentions of `users`, hashtags, emoji, links and, with
// `photo`, photos. The caller sets the post's id (the photos' ids follow it), author, time and
// client. `scratch`: a reused buffer.
void compose(Post& p, Random& rng, const std::vector<User>& users, std::string& scratch, Lang lang, bool extended,
             bool photo);

}  // namespace streamlab::sources::synthetic
