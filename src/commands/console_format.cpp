#include "commands/console_format.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace streamlab::commands {
namespace {

// One message, one line: line breaks inside a text would split it.
void append_one_line(std::string_view text, std::string& out) {
  for (char c : text) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
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
        fmt::format_to(std::back_inserter(out), "{} @{} [{}] {}", t.created_at, t.author, t.lang,
                       t.is_retweet ? "RT " : "");
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
