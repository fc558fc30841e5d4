#include "commands/console_format.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace streamlab::commands {
namespace {

// One message, one line, and nothing the terminal would act on: line breaks and tabs become
// spaces; other control characters (C0, DEL, and C1 as UTF-8, which would let a tweet move the
// cursor, retitle the window or hide what follows) become U+FFFD.
void append_one_line(std::string_view text, std::string& out) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else if (c < 0x20 || c == 0x7F) {
      out.append(kReplacement);
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out.append(kReplacement);
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
}

}  // namespace

void ConsoleFormat::append(const kafka::Message& m, std::string& out) {
  const std::string_view payload = m.payload;
  if (style_ == Style::Raw) {  // no parsing: as fast as the pipe
    out.append(payload);
    out.push_back('\n');
    return;
  }
  parser_.parse(payload, parsed_);
  ++kinds_[tweets::to_string(parsed_.kind)];
  if (parsed_.kind == tweets::MessageKind::Malformed && malformed_++ == 0) {
    first_malformed_ = fmt::format("{} [{}] offset {}, byte {}: {}", m.topic, m.partition, m.offset,
                                   parsed_.error_offset, parsed_.error);
  }
  const tweets::Tweet& t = parsed_.tweet;
  if (style_ == Style::Text) {
    switch (parsed_.kind) {
      case tweets::MessageKind::Tweet:
        append_one_line(t.created_at, out);
        out += " @";
        append_one_line(t.author, out);
        out += " [";
        append_one_line(t.lang, out);
        out += t.is_retweet ? "] RT " : "] ";
        append_one_line(t.text, out);
        break;
      case tweets::MessageKind::Counter: fmt::format_to(std::back_inserter(out), "{}", parsed_.number); break;
      default: append_one_line(payload, out);
    }
    out.push_back('\n');
    return;
  }
  nlohmann::json j = {
      {"kind", tweets::to_string(parsed_.kind)}, {"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}};
  switch (parsed_.kind) {
    case tweets::MessageKind::Tweet:
      j["id"] = t.id;
      j["created_at"] = t.created_at;
      j["author"] = t.author;
      j["lang"] = t.lang;
      j["text"] = t.text;
      j["hashtags"] = t.hashtags;
      j["mentions"] = t.mentions;
      j["is_retweet"] = t.is_retweet;
      break;
    case tweets::MessageKind::Counter: j["number"] = parsed_.number; break;
    case tweets::MessageKind::Notice: j["notice"] = parsed_.notice; break;
    case tweets::MessageKind::Malformed:
      j["error"] = parsed_.error;
      j["error_offset"] = parsed_.error_offset;
      [[fallthrough]];
    default: j["raw"] = std::string(payload);
  }
  // Invalid UTF-8 in a payload is replaced rather than aborting the whole stream.
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back('\n');
}

}  // namespace streamlab::commands
