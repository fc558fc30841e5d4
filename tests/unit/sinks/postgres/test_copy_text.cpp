// PostgreSQL COPY text encoding: no byte of a message may end a field, a row or the stream.

#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "sinks/postgres/copy_text.hpp"

using namespace streamlab::sinks::postgres;

namespace {
std::string text(std::string_view v) {
  std::string out;
  append_copy_text(v, out);
  return out;
}
}  // namespace

TEST(CopyText, EscapesWhatCopyGivesMeaning) {
  EXPECT_EQ(text("plain ñandú 🎉"), "plain ñandú 🎉");
  EXPECT_EQ(text("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
  EXPECT_EQ(text("\\N"), "\\\\N");  // the two characters, not NULL
  EXPECT_EQ(text("it's \"quoted\""), "it's \"quoted\"");
}

TEST(CopyText, ArraysQuoteEveryElement) {
  EXPECT_EQ(array_literal({}), "{}");
  EXPECT_EQ(array_literal({"Chile", "a,b", "q\"uote", "back\\slash", "NULL"}),
            "{\"Chile\",\"a,b\",\"q\\\"uote\",\"back\\\\slash\",\"NULL\"}");
  std::string out;
  append_copy_text_array({"tab\there"}, out);
  EXPECT_EQ(out, "{\"tab\\there\"}");
}

TEST(CopyText, ByteaKeepsEveryByte) {
  std::string out;
  append_copy_bytea(std::string("\0\xff\n", 3), out);
  EXPECT_EQ(out, "\\\\x00ff0a");
}

TEST(CopyText, TimestampsInUtcWithMilliseconds) {
  std::string out;
  append_copy_timestamp_ms(1556713124123, out);
  EXPECT_EQ(out, "2019-05-01T12:18:44.123+00");
}

TEST(CopyText, TableNamesAreValidatedAndQuoted) {
  EXPECT_EQ(quoted_table_name("tweets"), "\"tweets\"");
  EXPECT_EQ(quoted_table_name("lab.Distribuidos_2"), "\"lab\".\"Distribuidos_2\"");
  for (const char* bad : {"", "1abc", "a b", "x\"; DROP TABLE t; --", "a.b.c", ".a", "a.", "tw\xc3\xa9"}) {
    EXPECT_THROW(quoted_table_name(bad), streamlab::core::UsageError) << bad;
  }
  EXPECT_THROW(quoted_table_name(std::string(51, 'x')), streamlab::core::UsageError);
  EXPECT_NO_THROW(quoted_table_name(std::string(50, 'x')));
}
