#include "sources/synthetic/post.hpp"

#include <algorithm>
#include <cstddef>

namespace streamlab::sources::synthetic {

namespace {

constexpr std::uint32_t kAsciiEscapedPerMille = 40;  // texts written with \u escapes only

string_view word(Random& rng, Lang lang) {
  switch (lang) {
    case Lang::En: return rng.pick(kWordsEn);
    case Lang::Pt: return rng.pick(kWordsPt);
    case Lang::Fr: return rng.pick(kWordsFr);
    default: return rng.pick(kWordsEs);
  }
}

string_view separator(Random& rng) { return rng.chance(30) ? string_view("\n") : string_view(" "); }

}  // namespace

void compose(Post& p, Random& rng, const std::vector<User>& users, std::string& scratch, Lang lang, bool extended,
             bool photo) {
  p.clear();
  p.lang = lang;
  const std::uint32_t url_count = rng.chance(200) ? 1 : 0;
  auto some = [&](std::uint32_t per_mille, std::uint64_t most) {
    return rng.chance(per_mille) ? 1 + static_cast<std::uint32_t>(rng.below(most)) : 0;
  };
  std::uint32_t mention_count = some(250, 2);
  std::uint32_t tag_count = some(350, 3);
  std::uint32_t emoji_count = some(450, 3);
  // Links go last and always fit; the rest must leave them room.
  const std::uint32_t links = url_count + (photo ? 1 : 0);
  const std::uint32_t limit = (extended ? 280 : 140) - links * (kTcoLength + 1);
  const std::uint32_t words_target =
      extended ? static_cast<std::uint32_t>(rng.between(150, 250)) : static_cast<std::uint32_t>(rng.between(18, 95));
  const bool words = lang != Lang::Und;
  const std::uint32_t keyword_slot = static_cast<std::uint32_t>(rng.below(4));

  auto fits = [&](string_view token) { return p.length + 1 + code_points(token) <= limit; };
  auto add_mention = [&] {
    const User& u = users[rng.below(users.size())];
    scratch.assign("@");
    scratch.append(u.screen_name);
    if (fits(scratch)) p.mentions.push_back({&u, p.add(scratch, " ")});
    --mention_count;
  };
  bool keyword_tag = false;
  auto add_hashtag = [&] {
    const string_view tag = keyword_tag        ? rng.pick(kKeywordHashtags)
                            : lang == Lang::En ? rng.pick(kHashtagsEn)
                                               : rng.pick(kHashtagsEs);
    keyword_tag = false;
    scratch.assign("#");
    scratch.append(tag);
    if (fits(scratch)) p.hashtags.push_back({tag, p.add(scratch, " ")});
    --tag_count;
  };
  auto add_emoji = [&] {
    const string_view e = rng.pick(kEmoji);
    if (fits(e)) p.add(e, " ");
    --emoji_count;
  };

  // Replies and conversations start with the names they address.
  if (mention_count > 0 && rng.chance(500)) {
    while (mention_count > 0) add_mention();
  }
  if (words) {
    for (std::uint32_t i = 0; p.length < words_target || i <= keyword_slot; ++i) {
      string_view w;
      if (i == keyword_slot) {
        w = lang == Lang::En ? rng.pick(kKeywordsEn) : rng.pick(kKeywordsEs);
      } else {
        w = word(rng, lang);
      }
      if (!fits(w)) break;
      p.add(w, separator(rng));
      const std::uint64_t r = rng.below(1000);
      if (r < 40 && mention_count > 0)
        add_mention();
      else if (r < 80 && tag_count > 0)
        add_hashtag();
      else if (r < 110 && emoji_count > 0)
        add_emoji();
    }
  } else {
    // A post of no words still matched a keyword: as a hashtag.
    tag_count = std::max<std::uint32_t>(tag_count, 1);
    keyword_tag = true;
  }
  while (mention_count > 0) add_mention();
  while (tag_count > 0) add_hashtag();
  while (emoji_count > 0) add_emoji();
  for (std::uint32_t i = 0; i < url_count; ++i) {
    Post::Url url{};
    rng.code(url.code, kAlphanumeric, 62);
    url.link = &rng.pick(kLinks);
    scratch.assign("https://t.co/");
    scratch.append(url.code.data(), url.code.size());
    url.at = p.add(scratch, " ");
    p.urls.push_back(url);
  }
  if (photo) {
    rng.code(p.media_code, kAlphanumeric, 62);
    scratch.assign("https://t.co/");
    scratch.append(p.media_code.data(), p.media_code.size());
    p.media_at = p.add(scratch, " ");
    const std::size_t count = rng.chance(700) ? 1 : 2 + rng.below(3);
    const std::uint64_t first_id = p.id + 1 + rng.below(1u << 20);
    for (std::size_t i = 0; i < count; ++i) {
      Photo ph;
      ph.id_text.set(first_id + i * (1 + rng.below(4096)));
      rng.code(ph.key, kBase64Url, 64);
      p.photos.push_back(ph);
    }
    p.media_width = rng.chance(500) ? 1200 : 2048;
    p.media_height = static_cast<std::uint32_t>(rng.between(600, 1536));
  }
  p.extended = p.length > 140;
  p.ascii_only = rng.chance(kAsciiEscapedPerMille);
  rng.code(p.status_code, kAlphanumeric, 62);
}

}  // namespace streamlab::sources::synthetic
