// PostgreSQL COPY binary encoding, byte for byte against the documented format (the COPY
// command's "Binary Format", and each type's send function: int8send, textsend, array_send,
// jsonb_send, timestamptz_send): the expected bytes below are written out by hand from it, and
// agree with what the server's send functions return (SELECT encode(array_send(...), 'hex')).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sinks/postgres/copy_binary.hpp"
#include "tweets/timestamps.hpp"

using namespace streamlab::sinks::postgres;
using streamlab::sinks::RawColumn;
using streamlab::sinks::Row;

namespace {

std::string hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// Expected bytes as hex, spaces between fields for the reader.
std::string bytes(std::string spaced) {
  std::erase(spaced, ' ');
  return spaced;
}

template <typename F>
std::string encoded(F&& f) {
  std::string out;
  f(out);
  return hex(out);
}

Row row(std::int64_t offset, std::int64_t timestamp_ms, std::string_view payload = "{}") {
  Row r;
  r.message = streamlab::kafka::Message::copy("t", 2, offset, payload, timestamp_ms);
  return r;
}

constexpr const char* kNull = "ffffffff ";

}  // namespace

TEST(CopyBinary, HeaderAndTrailer) {
  // "PGCOPY\n\377\r\n\0", int32 flags 0, int32 header extension length 0; the trailer is int16 -1.
  EXPECT_EQ(encoded(append_copy_binary_header), bytes("50 47 43 4f 50 59 0a ff 0d 0a 00  00000000  00000000"));
  EXPECT_EQ(encoded(append_copy_binary_trailer), "ffff");
  EXPECT_EQ(encoded([](std::string& o) { append_binary_tuple(14, o); }), "000e");
}

TEST(CopyBinary, ScalarsAreLengthThenNetworkOrder) {
  EXPECT_EQ(encoded(append_binary_null), "ffffffff");
  EXPECT_EQ(encoded([](std::string& o) { append_binary_bool(true, o); }), bytes("00000001 01"));
  EXPECT_EQ(encoded([](std::string& o) { append_binary_bool(false, o); }), bytes("00000001 00"));
  EXPECT_EQ(encoded([](std::string& o) { append_binary_int4(0x01020304, o); }), bytes("00000004 01020304"));
  EXPECT_EQ(encoded([](std::string& o) { append_binary_int4(-2, o); }), bytes("00000004 fffffffe"));
  EXPECT_EQ(encoded([](std::string& o) { append_binary_int8(42, o); }), bytes("00000008 000000000000002a"));
  EXPECT_EQ(encoded([](std::string& o) { append_binary_int8(INT64_MAX, o); }), bytes("00000008 7fffffffffffffff"));
  EXPECT_EQ(encoded([](std::string& o) { append_binary_int8(INT64_MIN, o); }), bytes("00000008 8000000000000000"));
}

TEST(CopyBinary, TextIsItsBytesUnescaped) {
  EXPECT_EQ(encoded([](std::string& o) { append_binary_text("", o); }), "00000000");  // empty, not NULL
  EXPECT_EQ(encoded([](std::string& o) { append_binary_text("ñ\t\\N\n", o); }), bytes("00000006 c3b1 09 5c4e 0a"));
  // jsonb: version 1 before the text; json is its text.
  EXPECT_EQ(encoded([](std::string& o) { append_binary_jsonb("{}", o); }), bytes("00000003 01 7b7d"));
}

TEST(CopyBinary, TextArraysCarryTheirHeader) {
  // ndim 1, no NULLs, element type text (OID 25); dimension size 2, lower bound 1; elements.
  EXPECT_EQ(encoded([](std::string& o) {
              append_binary_text_array({"a", "bc"}, o);
            }),
            bytes("0000001f  00000001 00000000 00000019  00000002 00000001  00000001 61  00000002 6263"));
  // No elements: zero dimensions, as '{}' reads.
  EXPECT_EQ(encoded([](std::string& o) { append_binary_text_array({}, o); }),
            bytes("0000000c  00000000 00000000 00000019"));
  // What array syntax gives meaning to is plain bytes here; an empty element is not NULL.
  EXPECT_EQ(encoded([](std::string& o) {
              append_binary_text_array({"NULL", "{\"", ""}, o);
            }),
            bytes("00000026  00000001 00000000 00000019  00000003 00000001  00000004 4e554c4c  00000002 7b22  "
                  "00000000"));
}

TEST(CopyBinary, TimestampsAreMicrosecondsFrom2000) {
  const auto ts = [](std::int64_t ms) { return encoded([&](std::string& o) { append_binary_timestamp_ms(ms, o); }); };
  EXPECT_EQ(ts(kPostgresEpochMs), bytes("00000008 0000000000000000"));
  EXPECT_EQ(ts(kPostgresEpochMs - 1), bytes("00000008 fffffffffffffc18"));             // -1000 µs
  EXPECT_EQ(ts(0), bytes("00000008 fffca2fec4c82000"));                                // 1970-01-01
  EXPECT_EQ(ts(-14'182'940'000), bytes("00000008 fffc96188bae6100"));                  // 1969-07-20T20:17:40Z
  EXPECT_EQ(ts(1'556'713'124'123), bytes("00000008 00022ad1498ff178"));                // 2019-05-01T12:18:44.123Z
  EXPECT_EQ(ts(streamlab::tweets::kFirstKeptMs), bytes("00000008 ff1fe2ffc59c6000"));  // 0001-01-01
  EXPECT_EQ(ts(streamlab::tweets::kLastKeptMs), bytes("00000008 0380e70b913b7c18"));   // 9999-12-31T23:59:59.999Z
  EXPECT_EQ(ts(streamlab::tweets::kFirstKeptMs - 1), "ffffffff");
  EXPECT_EQ(ts(streamlab::tweets::kLastKeptMs + 1), "ffffffff");
}

TEST(CopyBinary, ACounterRow) {
  Row r = row(7, 1'556'713'124'123);
  r.parsed.kind = streamlab::tweets::MessageKind::Counter;
  r.parsed.number = -5;
  std::string out;
  append_binary_row(r, RawColumn::None, out);
  std::string expected =
      "000e  00000001 74  00000004 00000002  00000008 0000000000000007  00000007 636f756e746572  "
      "00000008 fffffffffffffffb  ";
  for (int i = 0; i < 8; ++i) expected += kNull;  // id .. is_retweet
  expected += "00000008 00022ad1498ff178";
  EXPECT_EQ(hex(out), bytes(expected));
}

TEST(CopyBinary, ATweetRowWithRawJsonb) {
  Row r = row(1, -1, R"({"x":1})");  // no Kafka timestamp: NULL
  r.parsed.kind = streamlab::tweets::MessageKind::Tweet;
  auto& t = r.parsed.tweet;
  t.id = "9";
  t.created_at = "1969-12-31T23:59:58Z";
  t.created_at_ms = -1'500;  // created_at keeps the whole second: 23:59:58, as its text says
  t.author = "ana";
  t.lang = "es";
  t.text = "¡hola!";
  t.hashtags = {"Chile"};
  t.is_retweet = true;
  std::string out;
  append_binary_row(r, RawColumn::Jsonb, out);
  const std::string expected =
      "000f  00000001 74  00000004 00000002  00000008 0000000000000001  00000005 7477656574  ffffffff  "
      "00000001 39  00000008 fffca2fec4a99b80  00000003 616e61  00000002 6573  00000007 c2a1686f6c6121  "
      "0000001d 00000001 00000000 00000019 00000001 00000001 00000005 4368696c65  "
      "0000000c 00000000 00000000 00000019  00000001 01  ffffffff  00000008 01 7b2278223a317d";
  EXPECT_EQ(hex(out), bytes(expected));
  // -946684802000000 µs: 1969-12-31T23:59:58Z.
  EXPECT_EQ(-946'684'802'000'000, static_cast<std::int64_t>(0xfffca2fec4a99b80));
}

TEST(CopyBinary, ATweetWithoutDateAndRawJson) {
  Row r = row(0, 1);
  r.parsed.kind = streamlab::tweets::MessageKind::Tweet;  // every text empty, no date
  std::string out;
  append_binary_row(r, RawColumn::Json, out);
  EXPECT_EQ(hex(out), bytes("000f  00000001 74  00000004 00000002  00000008 0000000000000000  00000005 7477656574  "
                            "ffffffff  00000000  ffffffff  00000000  00000000  00000000  "
                            "0000000c 00000000 00000000 00000019  0000000c 00000000 00000000 00000019  00000001 00  "
                            "00000008 fffca2fec4c823e8  00000002 7b7d"));
}

TEST(CopyBinary, BinaryRowsNeedTheSinksColumnTypes) {
  std::vector<std::pair<std::string, std::uint32_t>> columns = {{"topic", kTextOid},
                                                                {"partition", kInt4Oid},
                                                                {"offset", kInt8Oid},
                                                                {"kind", kTextOid},
                                                                {"number", kInt8Oid},
                                                                {"id", kTextOid},
                                                                {"created_at", kTimestamptzOid},
                                                                {"author", kTextOid},
                                                                {"lang", kTextOid},
                                                                {"text", kVarcharOid},  // varchar(n) reads text's form
                                                                {"hashtags", kTextArrayOid},
                                                                {"mentions", kTextArrayOid},
                                                                {"is_retweet", kBoolOid},
                                                                {"kafka_timestamp", kTimestamptzOid}};
  EXPECT_TRUE(binary_rows_for(columns, false).usable);
  BinaryRows no_raw = binary_rows_for(columns, true);
  EXPECT_FALSE(no_raw.usable);
  EXPECT_EQ(no_raw.why_not, "it has no column raw");

  columns.emplace_back("raw", kJsonOid);
  EXPECT_EQ(binary_rows_for(columns, true).raw, RawColumn::Json);
  EXPECT_EQ(binary_rows_for(columns, false).raw, RawColumn::None);  // not written
  columns.back().second = kJsonbOid;
  EXPECT_EQ(binary_rows_for(columns, true).raw, RawColumn::Jsonb);

  columns[10].second = 1015;  // varchar[]: array_recv wants the element type the data names
  const BinaryRows other = binary_rows_for(columns, true);
  EXPECT_FALSE(other.usable);
  EXPECT_EQ(other.why_not, "its column hashtags is of another type (OID 1015)");
  columns[10].second = kTextArrayOid;
  columns[4].second = 1700;  // numeric
  EXPECT_FALSE(binary_rows_for(columns, true).usable);
}
