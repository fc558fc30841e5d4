#include "sources/synthetic_tweets.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tweets/timestamps.hpp"

namespace streamlab::sources {

namespace {

using std::string_view;

// ---------------------------------------------------------------------------------------------
// Vocabulary. The lab filtered the live stream by its keywords and by es/en, so every post
// carries at least one keyword; the rest of the words make the texts read plausibly and vary
// in length and in bytes per character (accents, ñ, emoji).

constexpr string_view kKeywordsEs[] = {"Chile", "Santiago", "Fútbol", "Música", "porque",
                                       "es",    "eso",      "hay",    "EEUU"};
constexpr string_view kKeywordsEn[] = {"sport", "sports", "why", "you",   "me",
                                       "yes",   "no",     "Chile", "Santiago"};

constexpr string_view kWordsEs[] = {
    "el",       "la",      "los",      "las",      "que",       "de",        "en",
    "y",        "a",       "un",       "una",      "por",       "con",       "para",
    "no",       "sí",      "más",      "muy",      "hoy",       "mañana",    "ayer",
    "todo",     "nada",    "siempre",  "nunca",    "también",   "aquí",      "ahora",
    "bien",     "mejor",   "gran",     "partido",  "gol",       "equipo",    "selección",
    "concierto", "canción", "ciudad",  "gente",    "vida",      "amor",      "día",
    "noche",    "semana",  "año",      "tiempo",   "país",      "mundo",     "casa",
    "trabajo",  "clase",   "metro",    "calor",    "frío",      "lluvia",    "Valparaíso",
    "Concepción", "estadio", "cancha", "jugó",     "ganó",      "perdió",    "está",
    "qué",      "cómo",    "dónde",    "vamos",    "\"golazo\"", "&amp;",    "&lt;3",
    "increíble", "feliz",  "nunca",    "mismo",    "otra",      "vez",       "fin",
};
constexpr string_view kWordsEn[] = {
    "the",     "a",       "to",       "and",      "of",        "in",       "is",
    "it",      "that",    "this",     "with",     "for",       "on",       "at",
    "game",    "team",    "music",    "song",     "concert",   "city",     "people",
    "life",    "love",    "day",      "night",    "week",      "year",     "time",
    "today",   "tomorrow", "great",   "new",      "best",      "good",     "really",
    "so",      "just",    "can't",    "don't",    "I'm",       "what",     "when",
    "where",   "how",     "football", "soccer",   "win",       "lost",     "match",
    "watch",   "live",    "tonight",  "weekend",  "friends",   "family",   "happy",
    "crazy",   "amazing", "\"epic\"", "&amp;",    "&lt;3",     "never",    "again",
};
constexpr string_view kWordsPt[] = {"que", "não", "muito", "hoje", "amanhã", "jogo",  "time",
                                    "música", "vida", "amor", "cidade", "você", "obrigado"};
constexpr string_view kWordsFr[] = {"le", "la", "les", "et", "pour", "avec", "très", "match",
                                    "musique", "ville", "aujourd'hui", "ça", "génial"};

constexpr string_view kHashtagsEs[] = {"Chile",  "Santiago",    "Fútbol",     "Música",
                                       "EEUU",   "LaRoja",      "CopaAmérica", "Valparaíso",
                                       "Lolla",  "FelizDomingo"};
constexpr string_view kHashtagsEn[] = {"sports", "sport",      "music",         "WorldCup", "NBA",
                                       "NowPlaying", "FridayFeeling", "Chile", "why",     "TBT"};

// For posts of no words (lang "und"): the keyword that made the filter match.
constexpr string_view kKeywordHashtags[] = {"Chile", "Santiago", "Fútbol", "Música",
                                            "EEUU",  "sport",    "sports", "why"};

constexpr string_view kEmoji[] = {"😂", "❤️", "😍", "⚽", "🎶", "🇨🇱", "🔥", "👏",
                                  "🙌", "😭", "🤔", "👍🏽", "🎸", "🏀", "😎", "✨", "🇺🇸"};

struct Link {
  string_view expanded;
  string_view display;
};
constexpr Link kLinks[] = {
    {"https://www.emol.com/noticias/Deportes/2019/05/01/945612/la-roja.html",
     "emol.com/noticias/Depor…"},
    {"https://www.latercera.com/el-deportivo/noticia/colo-colo-vs-u/645123/",
     "latercera.com/el-deportivo/…"},
    {"https://open.spotify.com/track/3n3Ppam7vgaVa1iaRUc9Lp", "open.spotify.com/track/3n3Ppam…"},
    {"https://www.youtube.com/watch?v=kJQP7kiw5Fk", "youtube.com/watch?v=kJQP7k…"},
    {"https://www.espn.com/soccer/report?gameId=541234", "espn.com/soccer/report…"},
    {"https://www.instagram.com/p/BwxQ1aBnE7c/", "instagram.com/p/BwxQ1aBnE7c/"},
    {"https://www.biobiochile.cl/noticias/nacional/region-metropolitana/2019/05/01/santiago.shtml",
     "biobiochile.cl/noticias/naci…"},
    {"https://www.bbc.com/sport/football/48112231", "bbc.com/sport/football/…"},
};

// Already JSON-escaped, as they are written.
constexpr string_view kClients[] = {
    R"(<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>)",
    R"(<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>)",
    R"(<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>)",
    R"(<a href=\"http://twitter.com\" rel=\"nofollow\">Twitter Web Client</a>)",
    R"(<a href=\"https://about.twitter.com/products/tweetdeck\" rel=\"nofollow\">TweetDeck</a>)",
};

constexpr string_view kFirstNames[] = {
    "María", "José",  "Camila",  "Javiera", "Catalina", "Valentina", "Matías",  "Benjamín",
    "Sebastián", "Francisca", "Ignacio", "Diego", "Sofía", "Tomás",   "Fernanda", "Cristóbal",
    "Emily", "James", "Olivia",  "Michael", "Sarah",    "David",     "Jessica", "Chris",
    "Ashley", "Ryan", "Megan",   "Josh",    "Lauren",   "Kevin",     "Hannah",  "Tyler"};
constexpr string_view kLastNames[] = {
    "González", "Muñoz", "Rojas",  "Díaz",     "Pérez",  "Soto",   "Contreras", "Silva",
    "Martínez", "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Smith", "Johnson",
    "Williams", "Brown", "Jones",  "Miller",   "Davis",  "Wilson", "Taylor",    "Clark"};
constexpr string_view kLocations[] = {
    "Santiago, Chile", "Valparaíso",  "Concepción, Chile", "Chile",  "Viña del Mar",
    "Temuco",          "Antofagasta", "Buenos Aires",      "Ñuñoa", "New York, NY",
    "London",          "Los Angeles, CA", "Texas, USA",    "Miami, FL", "Madrid, España"};

constexpr char kAlphanumeric[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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
constexpr std::uint32_t kAsciiEscapedPerMille = 40;     // texts written with \u escapes only

enum class Lang { Es, En, Pt, Fr, Und };

constexpr string_view lang_code(Lang lang) {
  switch (lang) {
    case Lang::Es: return "es";
    case Lang::En: return "en";
    case Lang::Pt: return "pt";
    case Lang::Fr: return "fr";
    case Lang::Und: return "und";
  }
  return "und";
}

std::uint32_t code_points(string_view s) {
  std::uint32_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Randomness: SplitMix64 (Steele, Lea & Flood 2014), a 64-bit counter put through a
// bijective mixer: fully specified by its few lines here, so the stream is the same on every
// platform (the std distributions are implementation-defined), and about three times cheaper
// per draw than std::mt19937_64, which matters at ~100 draws per message.

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t bits() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n), by the multiply-shift mapping; its bias (n / 2^64) is irrelevant here.
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits()) * n) >> 64);
  }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(std::uint32_t per_mille) { return below(1000) < per_mille; }

  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

  // Roughly log-uniform in [1, 10^max_digits): follower counts and the like span decades.
  std::uint64_t count(unsigned max_digits) {
    std::uint64_t limit = 10;
    for (unsigned d = below(max_digits); d > 0; --d) limit *= 10;
    return below(limit);
  }

  template <std::size_t N>
  void code(std::array<char, N>& out, const char* alphabet, std::uint64_t alphabet_size) {
    std::uint64_t x = bits();
    for (std::size_t i = 0; i < N; ++i) {
      if (i == 10) x = bits();  // 62^10 < 2^64: one draw covers ten symbols
      out[i] = alphabet[x % alphabet_size];
      x /= alphabet_size;
    }
  }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// JSON writing into one reused string.

void put_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_str_uint(std::string& out, std::uint64_t v) {
  out.push_back('"');
  put_uint(out, v);
  out.push_back('"');
}

// An id's decimal digits, rendered once: a post's id is written up to eight times.
struct Decimal {
  std::array<char, 20> digits{};
  std::uint8_t length = 0;

  void set(std::uint64_t v) {
    const char* end = std::to_chars(digits.data(), digits.data() + digits.size(), v).ptr;
    length = static_cast<std::uint8_t>(end - digits.data());
  }
  string_view view() const { return {digits.data(), length}; }
};

// `"id":123,"id_str":"123"`.
void put_id_pair(std::string& out, const Decimal& id) {
  out.append("\"id\":");
  out.append(id.view());
  out.append(",\"id_str\":\"");
  out.append(id.view());
  out.push_back('"');
}

void put_hex4(std::string& out, std::uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
}

// Escapes what JSON requires; with `ascii_only`, also every non-ASCII character (as \uXXXX,
// surrogate pairs beyond the BMP), the way some clients and older APIs serve text. The input
// is our own vocabulary, hence valid UTF-8.
// Per byte: 1 when JSON needs it escaped, 2 when only ASCII-only output does.
constexpr std::array<std::uint8_t, 256> kEscapeClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c) table[c] = 1;
  table['"'] = 1;
  table['\\'] = 1;
  for (std::size_t c = 0x80; c < 0x100; ++c) table[c] = 2;
  return table;
}();

void put_escaped(std::string& out, string_view s, bool ascii_only) {
  out.push_back('"');
  const std::uint8_t escape_mask = ascii_only ? 3 : 1;
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((kEscapeClass[c] & escape_mask) == 0) {
      ++i;
      continue;
    }
    out.append(s.substr(plain_from, i - plain_from));
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c == '\n') {
      out.append("\\n");
      ++i;
    } else if (c < 0x20) {
      put_hex4(out, c);
      ++i;
    } else {
      const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      std::uint32_t cp = c & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
      for (std::size_t k = 1; k < length; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        put_hex4(out, 0xD800 + (cp >> 10));
        put_hex4(out, 0xDC00 + (cp & 0x3FF));
      } else {
        put_hex4(out, cp);
      }
      i += length;
    }
    plain_from = i;
  }
  out.append(s.substr(plain_from));
  out.push_back('"');
}

void put_indices(std::string& out, std::uint32_t begin, std::uint32_t end) {
  out.append(",\"indices\":[");
  put_uint(out, begin);
  out.push_back(',');
  put_uint(out, end);
  out.append("]}");
}

// ---------------------------------------------------------------------------------------------
// Users: rendered once, at construction; a post then copies its author's JSON whole.

struct User {
  std::uint64_t id = 0;
  Decimal id_text;
  std::string screen_name;  // ASCII, no escaping needed
  std::string name;         // raw UTF-8
  std::string json;         // the complete user object
};

// Lower-case ASCII for a screen name: drops accents of the names above.
void append_folded(std::string& out, string_view name, std::size_t max) {
  for (std::size_t i = 0; i < name.size() && out.size() < max; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else if (c == 0xC3 && i + 1 < name.size()) {
      // á é í ó ú ñ (and capitals) are C3 xx in UTF-8.
      switch (static_cast<unsigned char>(name[++i])) {
        case 0xA1: case 0x81: out.push_back('a'); break;
        case 0xA9: case 0x89: out.push_back('e'); break;
        case 0xAD: case 0x8D: out.push_back('i'); break;
        case 0xB3: case 0x93: out.push_back('o'); break;
        case 0xBA: case 0x9A: out.push_back('u'); break;
        case 0xB1: case 0x91: out.push_back('n'); break;
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
  tweets::append_twitter_time(
      static_cast<std::int64_t>(rng.between(1'199'145'600'000ULL, 1'546'300'800'000ULL)), j);
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

// ---------------------------------------------------------------------------------------------
// Post texts: composed once per post, then written in up to three views (the full text, the
// 140-character cut of an extended tweet, the "RT @x: " form of a retweet).

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
  bool extended = false;    // longer than 140 code points
  bool ascii_only = false;  // texts written with \u escapes
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

}  // namespace

// ---------------------------------------------------------------------------------------------

struct SyntheticTweets::State {
  explicit State(std::uint64_t seed) : rng(seed) {
    users.reserve(kUsers);
    for (std::size_t i = 0; i < kUsers; ++i) users.push_back(make_user(rng, i < kPopularUsers));
    now_ms = kStartMs + static_cast<std::int64_t>(rng.below(3'600'000));
    out.reserve(16 * 1024);
  }

  Random rng;
  std::vector<User> users;
  std::int64_t now_ms = 0;
  std::string out;
  Post own;       // the message's post
  Post original;  // what it retweets
  std::string scratch;

  std::uint64_t snowflake(std::int64_t ms) {
    return (static_cast<std::uint64_t>(ms - kTwitterEpochMs) << 22) | (rng.below(1024) << 12) |
           rng.below(4096);
  }

  Lang pick_lang() {
    const std::uint64_t r = rng.below(1000);
    if (r < 470) return Lang::Es;
    if (r < 940) return Lang::En;
    if (r < 965) return Lang::Pt;
    if (r < 980) return Lang::Fr;
    return Lang::Und;
  }

  string_view word(Lang lang) {
    switch (lang) {
      case Lang::En: return rng.pick(kWordsEn);
      case Lang::Pt: return rng.pick(kWordsPt);
      case Lang::Fr: return rng.pick(kWordsFr);
      default: return rng.pick(kWordsEs);
    }
  }

  string_view separator() { return rng.chance(30) ? string_view("\n") : string_view(" "); }

  void compose(Post& p, Lang lang, bool extended, bool photo) {
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
    const std::uint32_t words_target = extended ? static_cast<std::uint32_t>(rng.between(150, 250))
                                                : static_cast<std::uint32_t>(rng.between(18, 95));
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
      const string_view tag = keyword_tag ? rng.pick(kKeywordHashtags)
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
          w = word(lang);
        }
        if (!fits(w)) break;
        p.add(w, separator());
        const std::uint64_t r = rng.below(1000);
        if (r < 40 && mention_count > 0) add_mention();
        else if (r < 80 && tag_count > 0) add_hashtag();
        else if (r < 110 && emoji_count > 0) add_emoji();
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

  // --- entities -------------------------------------------------------------------------------

  // A view of a post's entities: those ending within `limit` code points, moved by `shift`.
  struct View {
    std::uint32_t limit = UINT32_MAX;
    std::uint32_t shift = 0;
    const User* retweeted = nullptr;  // "RT @x:" mention at 3
    bool status_link = false;         // the "… https://t.co/x" of a cut extended text
    std::uint32_t status_link_at = 0;
  };

  void put_photo(const Post& p, const Photo& ph, const View& v, const Post* source) {
    std::string& o = out;
    o.push_back('{');
    put_id_pair(o, ph.id_text);
    o.append(",\"indices\":[");
    put_uint(o, p.media_at.begin + v.shift);
    o.push_back(',');
    put_uint(o, p.media_at.end + v.shift);
    o.append("],\"media_url\":\"http://pbs.twimg.com/media/");
    o.append(ph.key.data(), ph.key.size());
    o.append(".jpg\",\"media_url_https\":\"https://pbs.twimg.com/media/");
    o.append(ph.key.data(), ph.key.size());
    o.append(".jpg\",\"url\":\"https://t.co/");
    o.append(p.media_code.data(), p.media_code.size());
    o.append("\",\"display_url\":\"pic.twitter.com/");
    o.append(p.media_code.data(), p.media_code.size());
    o.append("\",\"expanded_url\":\"https://twitter.com/");
    o.append(p.author->screen_name);
    o.append("/status/");
    o.append(p.id_text.view());
    o.append("/photo/1\",\"type\":\"photo\",\"sizes\":{\"thumb\":{\"w\":150,\"h\":150,"
             "\"resize\":\"crop\"},\"small\":{\"w\":680,\"h\":");
    put_uint(o, p.media_height * 680 / p.media_width);
    o.append(",\"resize\":\"fit\"},\"medium\":{\"w\":1200,\"h\":");
    put_uint(o, p.media_height * 1200 / p.media_width);
    o.append(",\"resize\":\"fit\"},\"large\":{\"w\":");
    put_uint(o, p.media_width);
    o.append(",\"h\":");
    put_uint(o, p.media_height);
    o.append(",\"resize\":\"fit\"}}");
    if (source != nullptr) {
      // A retweet's copy of the photo says whose it is.
      o.append(",\"source_status_id\":");
      o.append(source->id_text.view());
      o.append(",\"source_status_id_str\":\"");
      o.append(source->id_text.view());
      o.append("\",\"source_user_id\":");
      o.append(source->author->id_text.view());
      o.append(",\"source_user_id_str\":\"");
      o.append(source->author->id_text.view());
      o.push_back('"');
    }
    o.push_back('}');
  }

  bool photos_visible(const Post& p, const View& v) const {
    return !p.photos.empty() && p.media_at.end <= v.limit;
  }

  void put_mention(const User& u, std::uint32_t begin, std::uint32_t end) {
    out.append("{\"screen_name\":\"");
    out.append(u.screen_name);
    out.append("\",\"name\":");
    put_escaped(out, u.name, false);
    out.push_back(',');
    put_id_pair(out, u.id_text);
    put_indices(out, begin, end);
  }

  void put_entities(const Post& p, const View& v, const Post* photo_source) {
    std::string& o = out;
    o.append("{\"hashtags\":[");
    bool first = true;
    for (const Post::Tag& t : p.hashtags) {
      if (t.at.end > v.limit) continue;
      if (!first) o.push_back(',');
      first = false;
      o.append("{\"text\":");
      put_escaped(o, t.tag, p.ascii_only);
      put_indices(o, t.at.begin + v.shift, t.at.end + v.shift);
    }
    o.append("],\"urls\":[");
    first = true;
    for (const Post::Url& u : p.urls) {
      if (u.at.end > v.limit) continue;
      if (!first) o.push_back(',');
      first = false;
      o.append("{\"url\":\"https://t.co/");
      o.append(u.code.data(), u.code.size());
      o.append("\",\"expanded_url\":\"");
      o.append(u.link->expanded);
      o.append("\",\"display_url\":");
      put_escaped(o, u.link->display, p.ascii_only);
      put_indices(o, u.at.begin + v.shift, u.at.end + v.shift);
    }
    if (v.status_link) {
      if (!first) o.push_back(',');
      o.append("{\"url\":\"https://t.co/");
      o.append(p.status_code.data(), p.status_code.size());
      o.append("\",\"expanded_url\":\"https://twitter.com/i/web/status/");
      o.append(p.id_text.view());
      o.append("\",\"display_url\":");
      put_escaped(o, "twitter.com/i/web/status/1…", p.ascii_only);
      put_indices(o, v.status_link_at, v.status_link_at + kTcoLength);
    }
    o.append("],\"user_mentions\":[");
    first = true;
    if (v.retweeted != nullptr) {
      put_mention(*v.retweeted, 3, 4 + static_cast<std::uint32_t>(v.retweeted->screen_name.size()));
      first = false;
    }
    for (const Post::Mention& m : p.mentions) {
      if (m.at.end > v.limit) continue;
      if (!first) o.push_back(',');
      first = false;
      put_mention(*m.user, m.at.begin + v.shift, m.at.end + v.shift);
    }
    o.append("],\"symbols\":[]");
    if (photos_visible(p, v)) {
      o.append(",\"media\":[");
      put_photo(p, p.photos.front(), v, photo_source);
      o.push_back(']');
    }
    o.push_back('}');
  }

  void put_extended_entities(const Post& p, const View& v, const Post* photo_source) {
    out.append("{\"media\":[");
    for (std::size_t i = 0; i < p.photos.size(); ++i) {
      if (i > 0) out.push_back(',');
      put_photo(p, p.photos[i], v, photo_source);
    }
    out.append("]}");
  }

  // --- statuses -------------------------------------------------------------------------------

  void put_head(const Post& p) {
    std::string& o = out;
    o.append("{\"created_at\":\"");
    tweets::append_twitter_time(p.ms, o);
    o.append("\",");
    put_id_pair(o, p.id_text);
  }

  void put_counts(bool fresh) {
    std::string& o = out;
    // Posts arrive on the stream the moment they are made: nobody has reacted yet.
    o.append(",\"retweet_count\":");
    put_uint(o, fresh ? 0 : rng.count(5));
    o.append(",\"favorite_count\":");
    put_uint(o, fresh ? 0 : rng.count(5));
  }

  void put_middle(const Post& p, bool truncated) {
    std::string& o = out;
    o.append(",\"source\":\"");
    o.append(p.client);
    o.append(truncated ? "\",\"truncated\":true" : "\",\"truncated\":false");
    o.append(",\"in_reply_to_status_id\":null,\"in_reply_to_user_id\":null,"
             "\"in_reply_to_screen_name\":null,\"user\":");
    o.append(p.author->json);
    o.append(",\"geo\":null,\"coordinates\":null,\"place\":null");
  }

  void put_tail(const Post& p, bool top_level) {
    std::string& o = out;
    o.append(",\"favorited\":false,\"retweeted\":false");
    if (!p.urls.empty() || !p.photos.empty()) o.append(",\"possibly_sensitive\":false");
    o.append(",\"lang\":\"");
    o.append(lang_code(p.lang));
    o.push_back('"');
    if (top_level) {
      o.append(",\"timestamp_ms\":");
      put_str_uint(o, static_cast<std::uint64_t>(p.ms));
    }
    o.push_back('}');
  }

  // An original post (top level, or inside a retweet).
  void put_original(const Post& p, bool top_level) {
    std::string& o = out;
    put_head(p);
    o.append(",\"text\":");
    View view;
    if (p.extended) {
      // What clients without extended support show: the first words, an ellipsis and a link.
      const Post::Break cut = p.cut(140 - 2 - kTcoLength);
      scratch.assign(p.body, 0, cut.bytes);
      scratch.append("… https://t.co/");
      scratch.append(p.status_code.data(), p.status_code.size());
      put_escaped(o, scratch, p.ascii_only);
      view.limit = cut.cps;
      view.status_link = true;
      view.status_link_at = cut.cps + 2;
    } else {
      put_escaped(o, p.body, p.ascii_only);
    }
    put_middle(p, p.extended);
    o.append(",\"is_quote_status\":false");
    if (p.extended) {
      o.append(",\"extended_tweet\":{\"full_text\":");
      put_escaped(o, p.body, p.ascii_only);
      o.append(",\"display_text_range\":[0,");
      put_uint(o, p.photos.empty() ? p.length : p.media_at.begin - 1);
      o.append("],\"entities\":");
      const View full;
      put_entities(p, full, nullptr);
      if (!p.photos.empty()) {
        o.append(",\"extended_entities\":");
        put_extended_entities(p, full, nullptr);
      }
      o.push_back('}');
    }
    put_counts(top_level);
    o.append(",\"entities\":");
    put_entities(p, view, nullptr);
    if (photos_visible(p, view)) {
      o.append(",\"extended_entities\":");
      put_extended_entities(p, view, nullptr);
    }
    put_tail(p, top_level);
  }

  void put_retweet(const Post& rt, const Post& orig) {
    std::string& o = out;
    put_head(rt);
    // "RT @name: " and as much of the original as fits in 140, cut with an ellipsis.
    const auto prefix = static_cast<std::uint32_t>(4 + orig.author->screen_name.size() + 2);
    View view;
    view.shift = prefix;
    view.retweeted = orig.author;
    scratch.assign("RT @");
    scratch.append(orig.author->screen_name);
    scratch.append(": ");
    if (prefix + orig.length <= 140) {
      scratch.append(orig.body);
    } else {
      const Post::Break cut = orig.cut(140 - prefix - 1);
      scratch.append(orig.body, 0, cut.bytes);
      scratch.append("…");
      view.limit = cut.cps;
    }
    o.append(",\"text\":");
    put_escaped(o, scratch, orig.ascii_only);
    put_middle(rt, false);
    o.append(",\"retweeted_status\":");
    put_original(orig, false);
    o.append(",\"is_quote_status\":false");
    put_counts(true);
    o.append(",\"entities\":");
    put_entities(orig, view, &orig);
    if (photos_visible(orig, view)) {
      o.append(",\"extended_entities\":");
      put_extended_entities(orig, view, &orig);
    }
    put_tail(rt, true);
  }

  void next_message() {
    out.clear();
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
      compose(original, pick_lang(), rng.chance(kExtendedPerMille),
              rng.chance(kRetweetedPhotoPerMille));
      own.lang = original.lang;
      own.ascii_only = original.ascii_only;
      own.clear();
      put_retweet(own, original);
    } else {
      compose(own, pick_lang(), rng.chance(kExtendedPerMille), rng.chance(kPhotoPerMille));
      put_original(own, true);
    }
  }
};

SyntheticTweets::SyntheticTweets(std::uint64_t seed) : state_(std::make_unique<State>(seed)) {}
SyntheticTweets::~SyntheticTweets() = default;

std::optional<std::string_view> SyntheticTweets::next() {
  state_->next_message();
  return std::string_view(state_->out);
}

}  // namespace streamlab::sources
