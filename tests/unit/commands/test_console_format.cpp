// consume --show: one line per message, and nothing in a message that a terminal would act on.
#include <gtest/gtest.h>

#include <string>

#include "commands/console_format.hpp"

using streamlab::commands::ConsoleFormat;
using streamlab::kafka::Message;

namespace {

std::string shown(ConsoleFormat::Style style, const std::string& payload) {
  ConsoleFormat f(style);
  std::string out;
  f.append(Message::copy("t", 0, 0, payload), out);
  return out;
}

}  // namespace

TEST(ConsoleFormat, TextLinesCarryNoControlCharacters) {
  // ESC ] 0 ; title BEL (retitle the window), ESC [ 2 J (clear the screen), a C1 CSI (U+009B),
  // DEL, a line break and a tab, in the text and in the author's name.
  const std::string tweet = R"({"id_str": "1", "created_at": "Wed May 01 12:18:44 +0000 2019", "lang": "en",)"
                            R"( "user": {"screen_name": "a\u001b[31mb"},)"
                            R"( "text": "x\u001b]0;owned\u0007y\u001b[2Jz\u009b1m\u007fq\nr\ts"})";
  EXPECT_EQ(shown(ConsoleFormat::Style::Text, tweet),
            "2019-05-01T12:18:44Z @a\xEF\xBF\xBD[31mb [en] "
            "x\xEF\xBF\xBD]0;owned\xEF\xBF\xBDy\xEF\xBF\xBD[2Jz\xEF\xBF\xBD"
            "1m\xEF\xBF\xBDq r s\n");
  // Not JSON at all: the payload as it is, made as harmless.
  EXPECT_EQ(shown(ConsoleFormat::Style::Text, "bell\x07 esc\x1b[0m \xC2\x9B ok \xC3\xA9"),
            "bell\xEF\xBF\xBD esc\xEF\xBF\xBD[0m \xEF\xBF\xBD ok \xC3\xA9\n");
}

TEST(ConsoleFormat, JsonEscapesAndRawKeepsTheBytes) {
  // JSON escapes control characters itself; raw is byte for byte, as documented (for pipes).
  EXPECT_NE(shown(ConsoleFormat::Style::Json, "a\x1b").find(R"("raw":"a\u001b")"), std::string::npos);
  EXPECT_EQ(shown(ConsoleFormat::Style::Raw, "a\x1b[0m"), "a\x1b[0m\n");
}
