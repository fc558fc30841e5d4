#pragma once
// The one parser for every message streamlab reads: tweets of every shape Twitter/X has
// served, the lab's counters, stream notices and keep-alives, anything else.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tweets/tweet.hpp"

namespace streamlab::tweets {

enum class MessageKind {
  Tweet,      // `tweet` is filled
  Counter,    // the lab's {"number": n}; `number` is filled
  Notice,     // stream notice: delete, limit, warning, disconnect, ... ; `notice` names it
  KeepAlive,  // blank or whitespace-only line
  Other,      // valid JSON that is none of the above
  Malformed,  // not valid JSON; `error` and `error_offset` say why and where
};

const char* to_string(MessageKind kind);

struct ParsedMessage {
  MessageKind kind = MessageKind::Other;
  Tweet tweet;
  std::int64_t number = 0;
  std::string notice;            // e.g. "delete", "limit", "warning"
  std::string error;             // for Malformed: what is wrong
  std::size_t error_offset = 0;  // for Malformed: byte offset in the input, best effort
  // For a Tweet or a Counter that reads well but holds a value no store keeps: why (a date
  // outside years 0001-9999, a counter beyond the 64-bit signed range). Empty otherwise. Such a
  // message goes to the dead letters with this reason instead of failing a write.
  std::string invalid;
};

// Not thread-safe: one parser per thread. Reuses its buffers across calls.
class MessageParser {
 public:
  MessageParser();
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // Never throws for bad input: malformed input yields MessageKind::Malformed.
  // `out` is overwritten (its string capacities are reused).
  void parse(std::string_view json, ParsedMessage& out);
  ParsedMessage parse(std::string_view json);
  // Only whether `json` is blank (KeepAlive), malformed (Malformed, with the error and its
  // offset) or well-formed (Other): what a producer of lines checks, without reading the tweet.
  void check(std::string_view json, ParsedMessage& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamlab::tweets
