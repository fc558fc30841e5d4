#include "sources/synthetic/users.hpp"

#include <array>
#include <cstddef>
#include <string_view>

#include "sources/synthetic/vocabulary.hpp"
#include "tweets/timestamps.hpp"

namespace streamlab::sources::synthetic {

namespace {

// Lower-case ASCII for a screen name: drops accents of the names above.
void append_folded(std::string& out, string_view name, std::size_t max) {
  for (std::size_t i = 0; i < name.size() && out.size() < max; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else if (c == 0xC3 && i + 1 < name.size()) {
      // á é í ó ú ñ (and capitals) are C3 xx in UTF-8.
      switch (static_cast<unsigned char>(name[++i])) {
        case 0xA1:
        case 0x81: out.push_back('a'); break;
        case 0xA9:
        case 0x89: out.push_back('e'); break;
        case 0xAD:
        case 0x8D: out.push_back('i'); break;
        case 0xB3:
        case 0x93: out.push_back('o'); break;
        case 0xBA:
        case 0x9A: out.push_back('u'); break;
        case 0xB1:
        case 0x91: out.push_back('n'); break;
        default: break;
      }
    }
  }
}

void append_words(std::string& out, Random& rng, Lang lang, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!out.empty()) out.push_back(' ');
    out.append(lang == Lang::En ? rng.pick(kWordsEn) : rng.pick(kWordsEs));
  }
}

}  // namespace

User make_user(Random& rng, bool popular) {
  User u;
  // Accounts from 2007-2012 have small sequential ids, newer ones snowflake ids.
  u.id = rng.chance(400) ? rng.between(10'000'000, 999'999'999)
                         : rng.between(1'000'000'000'000'000'000ULL, 1'120'000'000'000'000'000ULL);
  const string_view first = rng.pick(kFirstNames);
  const string_view last = rng.pick(kLastNames);
  u.name.append(first);
  u.name.push_back(' ');
  u.name.append(last);
  if (rng.chance(100)) {
    u.name.push_back(' ');
    u.name.append(rng.pick(kEmoji));
  }
  append_folded(u.screen_name, first, 8);
  if (rng.chance(500)) u.screen_name.push_back('_');
  append_folded(u.screen_name, last, 12);
  while (u.screen_name.size() < 15 && rng.chance(600)) {
    u.screen_name.push_back(static_cast<char>('0' + rng.below(10)));
  }

  const Lang lang = rng.chance(500) ? Lang::Es : Lang::En;
  std::string description;
  append_words(description, rng, lang, popular ? rng.between(10, 26) : rng.below(7));
  if (!description.empty() && rng.chance(300)) {
    description.append(rng.chance(500) ? " | " : "\n");
    description.append(rng.pick(kEmoji));
  }

  u.id_text.set(u.id);
  std::string& j = u.json;
  j.push_back('{');
  put_id_pair(j, u.id_text);
  j.append(",\"name\":");
  put_escaped(j, u.name, false);
  j.append(",\"screen_name\":\"");
  j.append(u.screen_name);
  j.append("\",\"location\":");
  if (rng.chance(700)) {
    put_escaped(j, rng.pick(kLocations), false);
  } else {
    j.append("null");
  }
  // Popular accounts link their site; everyone else mostly does not.
  j.append(",\"url\":");
  if (popular || rng.chance(100)) {
    std::array<char, 10> code{};
    rng.code(code, kAlphanumeric, 62);
    j.append("\"https://t.co/");
    j.append(code.data(), code.size());
    j.push_back('"');
  } else {
    j.append("null");
  }
  j.append(",\"description\":");
  if (description.empty()) {
    j.append("null");
  } else {
    put_escaped(j, description, false);
  }
  j.append(",\"verified\":");
  j.append(popular && rng.chance(300) ? "true" : "false");
  j.append(",\"followers_count\":");
  put_uint(j, popular ? rng.between(20'000, 3'000'000) : rng.count(5));
  j.append(",\"friends_count\":");
  put_uint(j, rng.count(4));
  j.append(",\"statuses_count\":");
  put_uint(j, rng.count(6));
  j.append(",\"created_at\":\"");
  tweets::append_twitter_time(static_cast<std::int64_t>(rng.between(1'199'145'600'000ULL, 1'546'300'800'000ULL)), j);
  j.append("\",\"profile_image_url_https\":\"https://pbs.twimg.com/profile_images/");
  put_uint(j, rng.between(100'000'000'000'000'000ULL, 1'120'000'000'000'000'000ULL));
  j.push_back('/');
  std::array<char, 8> image{};
  rng.code(image, kAlphanumeric, 62);
  j.append(image.data(), image.size());
  j.append("_normal.jpg\"");
  if (popular) {
    j.append(",\"profile_banner_url\":\"https://pbs.twimg.com/profile_banners/");
    j.append(u.id_text.view());
    j.push_back('/');
    put_uint(j, rng.between(1'400'000'000, 1'556'000'000));
    j.push_back('"');
  }
  j.push_back('}');
  return u;
}

}  // namespace streamlab::sources::synthetic
