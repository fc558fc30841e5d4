#pragma once
// How `consume --show` presents a message: one readable line (tweet: time, @author, lang,
// full text; counter: the number; anything else: raw), one JSON object with the parsed fields,
// or the payload byte for byte (raw: for piping and replay checks, like kcat -C).

#include <cstdint>
#include <map>
#include <string>

#include "kafka/message.hpp"
#include "tweets/message_parser.hpp"

namespace streamlab::commands {

class ConsoleFormat {
 public:
  enum class Style { Text, Json, Raw };
  explicit ConsoleFormat(Style style) : style_(style) {}

  // Appends the message's line (with '\n') to `out`.
  void append(const kafka::Message& m, std::string& out);

  const std::map<std::string, std::uint64_t>& kind_counts() const { return kinds_; }
  std::uint64_t malformed() const { return malformed_; }
  const std::string& first_malformed() const { return first_malformed_; }

 private:
  Style style_;
  tweets::MessageParser parser_;
  tweets::ParsedMessage parsed_;
  std::map<std::string, std::uint64_t> kinds_;
  std::uint64_t malformed_ = 0;
  std::string first_malformed_;
};

}  // namespace streamlab::commands
