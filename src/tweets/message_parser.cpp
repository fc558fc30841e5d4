#include "tweets/message_parser.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "tweets/html_entities.hpp"
#include "tweets/json_error_offset.hpp"
#include "tweets/timestamps.hpp"

namespace streamlab::tweets {

namespace dom = simdjson::dom;

const char* to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::Tweet: return "tweet";
    case MessageKind::Counter: return "counter";
    case MessageKind::Notice: return "notice";
    case MessageKind::KeepAlive: return "keep-alive";
    case MessageKind::Other: return "other";
    case MessageKind::Malformed: return "malformed";
  }
  return "other";
}

namespace {

// Retweets are never nested by Twitter; the bound only protects against hostile input.
constexpr int kMaxRetweetDepth = 4;

// The fields of a v1.1 status (and the top-level keys of any message) that the parser reads,
// gathered in one pass over the object instead of one linear lookup per field.
struct StatusFields {
  std::optional<dom::element> id, id_str, text, full_text, extended_tweet, retweeted_status, quoted_status,
      is_quote_status, user, created_at, lang, entities;
  // Top level only.
  std::optional<dom::element> data, includes, errors, number;
  std::string_view notice;  // the first stream-notice key met ("delete", "limit", ...)
  std::size_t key_count = 0;
};

void note_notice(StatusFields& f, std::string_view name) {
  if (f.notice.empty()) f.notice = name;
}

void scan_fields(dom::object object, StatusFields& f) {
  for (dom::key_value_pair field : object) {
    ++f.key_count;
    const std::string_view key = field.key;
    const dom::element value = field.value;
    // Dispatch on length first: most keys of a tweet are then compared against nothing.
    switch (key.size()) {
      case 2:
        if (key == "id") f.id = value;
        break;
      case 4:
        if (key == "text")
          f.text = value;
        else if (key == "user")
          f.user = value;
        else if (key == "lang")
          f.lang = value;
        else if (key == "data")
          f.data = value;
        break;
      case 5:
        if (key == "limit" || key == "event") note_notice(f, key);
        break;
      case 6:
        if (key == "id_str")
          f.id_str = value;
        else if (key == "number")
          f.number = value;
        else if (key == "errors")
          f.errors = value;
        else if (key == "delete")
          note_notice(f, key);
        break;
      case 7:
        if (key == "warning" || key == "friends") note_notice(f, key);
        break;
      case 8:
        if (key == "entities")
          f.entities = value;
        else if (key == "includes")
          f.includes = value;
        break;
      case 9:
        if (key == "full_text")
          f.full_text = value;
        else if (key == "scrub_geo")
          note_notice(f, key);
        break;
      case 10:
        if (key == "created_at")
          f.created_at = value;
        else if (key == "disconnect")
          note_notice(f, key);
        break;
      case 11:
        // With stringify_friend_ids the friends list arrives under this name.
        if (key == "friends_str") note_notice(f, "friends");
        break;
      case 13:
        if (key == "quoted_status")
          f.quoted_status = value;
        else if (key == "user_withheld")
          note_notice(f, key);
        break;
      case 14:
        if (key == "extended_tweet") f.extended_tweet = value;
        break;
      case 15:
        if (key == "is_quote_status")
          f.is_quote_status = value;
        else if (key == "status_withheld")
          note_notice(f, key);
        break;
      case 16:
        if (key == "retweeted_status") f.retweeted_status = value;
        break;
      default: break;
    }
  }
}

std::optional<std::string_view> string_of(const std::optional<dom::element>& e) {
  std::string_view s;
  if (e && e->get_string().get(s) == simdjson::SUCCESS) return s;
  return std::nullopt;
}

std::optional<std::string_view> string_at(dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get_string().get(s) == simdjson::SUCCESS) return s;
  return std::nullopt;
}

std::optional<dom::object> object_of(const std::optional<dom::element>& e) {
  dom::object o;
  if (e && e->get_object().get(o) == simdjson::SUCCESS) return o;
  return std::nullopt;
}

bool is_true(const std::optional<dom::element>& e) {
  bool b = false;
  return e && e->get_bool().get(b) == simdjson::SUCCESS && b;
}

// An id as a decimal string, whether served as a string or as a JSON integer.
bool assign_id(const std::optional<dom::element>& e, std::string& out) {
  if (!e) return false;
  if (std::optional<std::string_view> s = string_of(e)) {
    if (s->empty()) return false;
    out.assign(*s);
    return true;
  }
  char buf[24];
  std::to_chars_result r{};
  std::int64_t i = 0;
  std::uint64_t u = 0;
  if (e->get_int64().get(i) == simdjson::SUCCESS) {
    r = std::to_chars(buf, buf + sizeof buf, i);
  } else if (e->get_uint64().get(u) == simdjson::SUCCESS) {
    r = std::to_chars(buf, buf + sizeof buf, u);
  } else {
    return false;  // a float or anything else is not an id we can trust
  }
  out.assign(buf, r.ptr);
  return true;
}

// Appends the `field` string of each object in `container[array_key]`.
void collect(dom::element container, std::string_view array_key, std::string_view field,
             std::vector<std::string>& out) {
  dom::array array;
  if (container[array_key].get_array().get(array) != simdjson::SUCCESS) return;
  for (dom::element item : array) {
    std::string_view s;
    if (item[field].get_string().get(s) != simdjson::SUCCESS) continue;
    out.emplace_back(s);
  }
}

void set_text(std::string_view raw, Tweet& t) {
  t.text.clear();
  append_html_decoded(raw, t.text);
}

// An unreadable date leaves created_at empty (the tweet is kept without it); one that reads
// but lies outside the years every store takes makes the message invalid, since storing it
// would fail the whole batch (PostgreSQL refuses year 0) or silently drop the date.
void set_created_at(std::string_view text, std::optional<std::int64_t> ms, Tweet& t, std::string& invalid) {
  if (!ms) return;
  if (!is_kept_time(*ms)) {
    // `text` parsed, so it is the short ASCII form that was checked character by character.
    invalid = fmt::format("created_at \"{}\" is outside years 0001-9999 (UTC)", text);
    return;
  }
  append_iso8601_utc(*ms, t.created_at);
  t.created_at_ms = *ms;
}

// The full text and entities of a v1.1 status: a retweet's are its original's; a tweet
// longer than 140 characters keeps them in extended_tweet; REST's extended mode in full_text.
// False when the status holds no text at all.
bool fill_v1_content(const StatusFields& f, Tweet& t, int depth) {
  if (depth < kMaxRetweetDepth) {
    if (std::optional<dom::object> original = object_of(f.retweeted_status)) {
      StatusFields inner;
      scan_fields(*original, inner);
      if (fill_v1_content(inner, t, depth + 1)) return true;
    }
  }
  // Twitter only sends extended_tweet with truncated=true; when a producer forgets the flag
  // the extended text is still the complete one, so its presence decides.
  if (f.extended_tweet && f.extended_tweet->is_object()) {
    const dom::element ext = *f.extended_tweet;
    if (std::optional<std::string_view> full = string_at(ext, "full_text")) {
      set_text(*full, t);
      dom::element entities;
      if (ext["entities"].get(entities) == simdjson::SUCCESS) {
        collect(entities, "hashtags", "text", t.hashtags);
        collect(entities, "user_mentions", "screen_name", t.mentions);
      }
      return true;
    }
  }
  std::optional<std::string_view> text = string_of(f.full_text);
  if (!text) text = string_of(f.text);
  if (!text) return false;
  set_text(*text, t);
  if (f.entities) {
    collect(*f.entities, "hashtags", "text", t.hashtags);
    collect(*f.entities, "user_mentions", "screen_name", t.mentions);
  }
  return true;
}

bool parse_v1_tweet(const StatusFields& f, Tweet& t, std::string& invalid) {
  if (!string_of(f.text) && !string_of(f.full_text)) return false;
  if (!assign_id(f.id_str, t.id) && !assign_id(f.id, t.id)) return false;
  if (f.user) {
    if (std::optional<std::string_view> name = string_at(*f.user, "screen_name")) {
      t.author.assign(*name);
    }
  }
  if (std::optional<std::string_view> lang = string_of(f.lang)) t.lang.assign(*lang);
  if (std::optional<std::string_view> created = string_of(f.created_at)) {
    set_created_at(*created, parse_twitter_time(*created), t, invalid);
  }
  t.is_retweet = object_of(f.retweeted_status).has_value();
  t.is_quote = object_of(f.quoted_status).has_value() || is_true(f.is_quote_status);
  return fill_v1_content(f, t, 0);
}

// Looks up `id` in includes[`list`]: X API v2 sends each referenced user and tweet once there.
std::optional<dom::element> find_included(std::optional<dom::object> includes, std::string_view list,
                                          std::string_view id) {
  if (!includes || id.empty()) return std::nullopt;
  dom::array items;
  if ((*includes)[list].get_array().get(items) != simdjson::SUCCESS) return std::nullopt;
  for (dom::element item : items) {
    std::optional<std::string_view> item_id = string_at(item, "id");
    if (item_id && *item_id == id) return item;
  }
  return std::nullopt;
}

// Text and entities of a v2 tweet object: a long post's complete text is in note_tweet.
// False when the object holds no text.
bool fill_v2_content(dom::element tweet, Tweet& t) {
  std::optional<std::string_view> text;
  dom::element entities;
  bool have_entities = false;
  dom::element note;
  if (tweet["note_tweet"].get(note) == simdjson::SUCCESS) {
    text = string_at(note, "text");
    have_entities = text && note["entities"].get(entities) == simdjson::SUCCESS;
  }
  if (!text) text = string_at(tweet, "text");
  if (!text) return false;
  if (!have_entities) have_entities = tweet["entities"].get(entities) == simdjson::SUCCESS;
  set_text(*text, t);
  if (have_entities) {
    collect(entities, "hashtags", "tag", t.hashtags);
    collect(entities, "mentions", "username", t.mentions);
  }
  return true;
}

bool parse_v2_tweet(dom::element data, std::optional<dom::object> includes, Tweet& t, std::string& invalid) {
  std::optional<dom::element> id;
  if (data["id"].get(id.emplace()) != simdjson::SUCCESS) return false;
  if (!string_at(data, "text") || !assign_id(id, t.id)) return false;

  if (std::optional<std::string_view> author_id = string_at(data, "author_id")) {
    if (std::optional<dom::element> user = find_included(includes, "users", *author_id)) {
      if (std::optional<std::string_view> name = string_at(*user, "username")) {
        t.author.assign(*name);
      }
    }
  }
  if (std::optional<std::string_view> lang = string_at(data, "lang")) t.lang.assign(*lang);
  if (std::optional<std::string_view> created = string_at(data, "created_at")) {
    set_created_at(*created, parse_iso8601_time(*created), t, invalid);
  }

  std::string_view retweeted_id;
  dom::array references;
  if (data["referenced_tweets"].get_array().get(references) == simdjson::SUCCESS) {
    for (dom::element ref : references) {
      const std::optional<std::string_view> type = string_at(ref, "type");
      if (!type) continue;
      if (*type == "retweeted") {
        t.is_retweet = true;
        retweeted_id = string_at(ref, "id").value_or(std::string_view{});
      } else if (*type == "quoted") {
        t.is_quote = true;
      }
    }
  }
  // A retweet's own text is the cut "RT @x: ..." form; the original, when included, is whole.
  const std::optional<dom::element> original = find_included(includes, "tweets", retweeted_id);
  if (original && fill_v2_content(*original, t)) return true;
  return fill_v2_content(data, t);
}

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

void reset(ParsedMessage& out) {
  out.kind = MessageKind::Other;
  Tweet& t = out.tweet;
  t.id.clear();
  t.created_at.clear();
  t.created_at_ms = 0;
  t.author.clear();
  t.lang.clear();
  t.text.clear();
  t.hashtags.clear();
  t.mentions.clear();
  t.is_retweet = false;
  t.is_quote = false;
  out.number = 0;
  out.notice.clear();
  out.error.clear();
  out.error_offset = 0;
  out.invalid.clear();
}

}  // namespace

struct MessageParser::Impl {
  // Keeps its tape and string buffers, and its padded copy of the input, between messages:
  // after the first few messages parsing allocates nothing.
  dom::parser json;
};

MessageParser::MessageParser() : impl_(std::make_unique<Impl>()) {}
MessageParser::~MessageParser() = default;

ParsedMessage MessageParser::parse(std::string_view json) {
  ParsedMessage out;
  parse(json, out);
  return out;
}

namespace {

// Blank, malformed (the error noted in `out`) or a document: the first step of parse and check.
std::optional<dom::element> document(dom::parser& parser, std::string_view json, ParsedMessage& out) {
  reset(out);
  if (is_blank(json)) {
    out.kind = MessageKind::KeepAlive;
    return std::nullopt;
  }
  dom::element root;
  if (const simdjson::error_code error = parser.parse(json.data(), json.size()).get(root)) {
    out.kind = MessageKind::Malformed;
    out.error = simdjson::error_message(error);
    out.error_offset = locate_json_error(json).value_or(0);
    return std::nullopt;
  }
  return root;
}

}  // namespace

void MessageParser::check(std::string_view json, ParsedMessage& out) { document(impl_->json, json, out); }

void MessageParser::parse(std::string_view json, ParsedMessage& out) {
  const std::optional<dom::element> found = document(impl_->json, json, out);
  if (!found) return;
  const dom::element root = *found;
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return;  // Other

  StatusFields f;
  scan_fields(object, f);
  if (!f.notice.empty()) {
    out.kind = MessageKind::Notice;
    out.notice.assign(f.notice);
    return;
  }
  if (f.number && f.key_count == 1) {
    std::uint64_t beyond = 0;
    if (f.number->get_int64().get(out.number) == simdjson::SUCCESS) {
      out.kind = MessageKind::Counter;
    } else if (f.number->get_uint64().get(beyond) == simdjson::SUCCESS) {
      // An integer counter, but no store's 64-bit signed column holds it. (Integers beyond
      // 64 bits, either sign, already fail to parse: simdjson reads them as malformed numbers.)
      out.kind = MessageKind::Counter;
      out.number = 0;
      out.invalid = fmt::format("counter number {} is outside the 64-bit signed integer range", beyond);
    } else {
      out.number = 0;  // a float, a string, ...: not a counter
    }
    return;
  }
  if (f.data) {
    if (f.data->is_object() && parse_v2_tweet(*f.data, object_of(f.includes), out.tweet, out.invalid)) {
      out.kind = MessageKind::Tweet;
    } else {
      reset(out);
    }
    return;
  }
  if (f.errors) {
    out.kind = MessageKind::Notice;
    out.notice = "error";
    return;
  }
  if (parse_v1_tweet(f, out.tweet, out.invalid)) {
    out.kind = MessageKind::Tweet;
  } else {
    reset(out);
  }
}

}  // namespace streamlab::tweets
