#include "sources/synthetic/status_writer.hpp"

#include <cstddef>

#include "sources/synthetic/json_writer.hpp"
#include "sources/synthetic/vocabulary.hpp"
#include "tweets/timestamps.hpp"

namespace streamlab::sources::synthetic {

std::string_view StatusWriter::original(const Post& p) {
  out.clear();
  put_original(p, true);
  return out;
}

std::string_view StatusWriter::retweet(const Post& rt, const Post& orig) {
  out.clear();
  put_retweet(rt, orig);
  return out;
}

// --- entities -----------------------------------------------------------------------------------

void StatusWriter::put_photo(const Post& p, const Photo& ph, const View& v, const Post* source) {
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
  o.append(
      "/photo/1\",\"type\":\"photo\",\"sizes\":{\"thumb\":{\"w\":150,\"h\":150,"
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

bool StatusWriter::photos_visible(const Post& p, const View& v) const {
  return !p.photos.empty() && p.media_at.end <= v.limit;
}

void StatusWriter::put_mention(const User& u, std::uint32_t begin, std::uint32_t end) {
  out.append("{\"screen_name\":\"");
  out.append(u.screen_name);
  out.append("\",\"name\":");
  put_escaped(out, u.name, false);
  out.push_back(',');
  put_id_pair(out, u.id_text);
  put_indices(out, begin, end);
}

void StatusWriter::put_entities(const Post& p, const View& v, const Post* photo_source) {
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

void StatusWriter::put_extended_entities(const Post& p, const View& v, const Post* photo_source) {
  out.append("{\"media\":[");
  for (std::size_t i = 0; i < p.photos.size(); ++i) {
    if (i > 0) out.push_back(',');
    put_photo(p, p.photos[i], v, photo_source);
  }
  out.append("]}");
}

// --- statuses ---------------------------------------------------------------------------------

void StatusWriter::put_head(const Post& p) {
  std::string& o = out;
  o.append("{\"created_at\":\"");
  tweets::append_twitter_time(p.ms, o);
  o.append("\",");
  put_id_pair(o, p.id_text);
}

void StatusWriter::put_counts(bool fresh) {
  std::string& o = out;
  // Posts arrive on the stream the moment they are made: nobody has reacted yet.
  o.append(",\"retweet_count\":");
  put_uint(o, fresh ? 0 : rng.count(5));
  o.append(",\"favorite_count\":");
  put_uint(o, fresh ? 0 : rng.count(5));
}

void StatusWriter::put_middle(const Post& p, bool truncated) {
  std::string& o = out;
  o.append(",\"source\":\"");
  o.append(p.client);
  o.append(truncated ? "\",\"truncated\":true" : "\",\"truncated\":false");
  o.append(
      ",\"in_reply_to_status_id\":null,\"in_reply_to_user_id\":null,"
      "\"in_reply_to_screen_name\":null,\"user\":");
  o.append(p.author->json);
  o.append(",\"geo\":null,\"coordinates\":null,\"place\":null");
}

void StatusWriter::put_tail(const Post& p, bool top_level) {
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
void StatusWriter::put_original(const Post& p, bool top_level) {
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

void StatusWriter::put_retweet(const Post& rt, const Post& orig) {
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

}  // namespace streamlab::sources::synthetic
