// sources::LineSplitter: x-stream's streamed bytes cut into lines, keep-alives dropped.

#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "sources/x_stream_lines.hpp"

using namespace streamlab::sources;

TEST(XStreamLines, KeepAlivesAreDroppedAndCounted) {
  LineSplitter s;
  std::deque<std::string> out;
  s.feed("\r\n\r\n{\"data\":1}\r\n\r\n", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"data\":1}"}));
  EXPECT_EQ(s.keep_alives(), 3u);
  s.feed("\n \r\n", out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(s.keep_alives(), 5u);
}

TEST(XStreamLines, OneLineInManyChunks) {
  const std::string line = "{\"data\":{\"id\":\"1\",\"text\":\"¡Fútbol! 🇨🇱\"}}";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 64u}) {
    LineSplitter s;
    std::deque<std::string> out;
    const std::string wire = line + "\r\n";
    for (std::size_t i = 0; i < wire.size(); i += piece) {
      s.feed(std::string_view(wire).substr(i, piece), out);
      if (i + piece < wire.size()) {
        EXPECT_TRUE(out.empty()) << piece;
      }
    }
    EXPECT_EQ(out, (std::deque<std::string>{line})) << piece;
    EXPECT_EQ(s.pending(), 0u);
  }
}

TEST(XStreamLines, ManyLinesInOneChunkAndALineAcrossChunks) {
  LineSplitter s;
  std::deque<std::string> out;
  s.feed("{\"a\":1}\r\n{\"b\":2}\r\n\r\n{\"c\":", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(s.pending(), 5u);
  s.feed("3}\r", out);
  EXPECT_EQ(out.size(), 2u);
  s.feed("\n{\"d\":4}\r\n", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}"}));
}

TEST(XStreamLines, AnUnfinishedLineIsDroppedOnReset) {
  LineSplitter s;
  std::deque<std::string> out;
  s.feed("{\"a\":1}\r\n{\"half", out);
  EXPECT_EQ(s.reset(), 6u);
  s.feed("{\"b\":2}\r\n", out);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(XStreamLines, ALineOverTheCapIsDroppedAndCountedAndTheNextOneKept) {
  LineSplitter s;
  std::deque<std::string> out;
  const std::string kib(1024, 'x');
  // No line break for more than kMaxLine bytes, in 1 KiB reads: never more than the cap held.
  for (std::size_t fed = 0; fed <= LineSplitter::kMaxLine + kib.size(); fed += kib.size()) {
    s.feed(kib, out);
    ASSERT_LE(s.pending(), LineSplitter::kMaxLine);
  }
  EXPECT_EQ(s.oversized(), 1u);
  EXPECT_EQ(s.pending(), 0u);
  s.feed("still the long line\r\n{\"a\":1}\r\n", out);
  std::string over(LineSplitter::kMaxLine, 'y');  // one byte over the cap with its \r
  over.append("\r\n{\"b\":2}\r\n");
  s.feed(over, out);
  EXPECT_EQ(s.oversized(), 2u);
  EXPECT_EQ(out, (std::deque<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  const std::string at_cap(LineSplitter::kMaxLine - 1, 'z');
  std::string line = at_cap;  // kMaxLine bytes with its \r: kept
  line.append("\r\n");
  s.feed(line, out);
  EXPECT_EQ(s.oversized(), 2u);
  EXPECT_EQ(out.back(), at_cap);
}

TEST(XStreamLines, ASmallerCapWorksTheSame) {
  LineSplitter s(4);
  std::deque<std::string> out;
  s.feed("abc\r\nabcd\r\nabcd\n", out);  // 4 bytes with the \r: kept; 5: dropped
  s.feed("abcdef", out);
  EXPECT_EQ(s.pending(), 0u);
  s.feed("gh\nxy", out);
  EXPECT_EQ(out, (std::deque<std::string>{"abc", "abcd"}));
  EXPECT_EQ(s.oversized(), 2u);
  EXPECT_EQ(s.pending(), 2u);
}
