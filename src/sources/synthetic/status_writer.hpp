#pragma once
// Writes posts as the v1.1 stream serves them: an original post (its text, or the 140-character
// cut of an extended one with the full text in extended_tweet), or a retweet ("RT @x: " and
// the original in retweeted_status), with their entities, into one reused string.

#include <cstdint>
#include <string>
#include <string_view>

#include "sources/synthetic/post.hpp"
#include "sources/synthetic/random.hpp"
#include "sources/synthetic/users.hpp"

namespace streamlab::sources::synthetic {

class StatusWriter {
 public:
  // `rng` draws the reaction counts of retweeted posts.
  explicit StatusWriter(Random& rng) : rng(rng) { out.reserve(16 * 1024); }

  // The message of post `p` (top level). The view stays valid until the next call.
  std::string_view original(const Post& p);
  // The message of `rt` retweeting `orig`; of `rt` only its metadata is used.
  std::string_view retweet(const Post& rt, const Post& orig);

 private:
  // A view of a post's entities: those ending within `limit` code points, moved by `shift`.
  struct View {
    std::uint32_t limit = UINT32_MAX;
    std::uint32_t shift = 0;
    const User* retweeted = nullptr;  // "RT @x:" mention at 3
    bool status_link = false;         // the "… https://t.co/x" of a cut extended text
    std::uint32_t status_link_at = 0;
  };

  void put_photo(const Post& p, const Photo& ph, const View& v, const Post* source);
  bool photos_visible(const Post& p, const View& v) const;
  void put_mention(const User& u, std::uint32_t begin, std::uint32_t end);
  void put_entities(const Post& p, const View& v, const Post* photo_source);
  void put_extended_entities(const Post& p, const View& v, const Post* photo_source);
  void put_head(const Post& p);
  void put_counts(bool fresh);
  void put_middle(const Post& p, bool truncated);
  void put_tail(const Post& p, bool top_level);
  // An original post (top level, or inside a retweet).
  void put_original(const Post& p, bool top_level);
  void put_retweet(const Post& rt, const Post& orig);

  Random& rng;
  std::string out;
  std::string scratch;
};

}  // namespace streamlab::sources::synthetic
