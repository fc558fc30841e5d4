// ignite::messages without a server, byte for byte: the handshake, request framing and the
// response header, the conditional writes, SQL pages, binary type metadata.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ignite/codec.hpp"
#include "ignite/errors.hpp"
#include "ignite/messages.hpp"
#include "ignite/value.hpp"
#include "unit/ignite/binary_samples.hpp"

using namespace streamlab::ignite;
using streamlab::testing::Bytes;
using streamlab::testing::row_type;

TEST(IgniteMessages, HandshakeRequestLayout) {
  const Bytes b = encode_handshake(kProtocol1_7, std::nullopt, std::nullopt);
  // length, handshake code 1, version 1.7.0, client code 2, features as byte[] {0x04}
  EXPECT_EQ(b, (Bytes{14, 0, 0, 0, 1, 1, 0, 7, 0, 0, 0, 2, 12, 1, 0, 0, 0, 4}));
  const Bytes with_user = encode_handshake(kProtocol1_7, std::string("ignite"), std::string("pw"));
  EXPECT_EQ(with_user.size(), b.size() + 5 + 6 + 5 + 2);
  const Bytes old = encode_handshake(kProtocol1_2, std::nullopt, std::nullopt);
  EXPECT_EQ(old, (Bytes{8, 0, 0, 0, 1, 1, 0, 2, 0, 0, 0, 2}));
}

TEST(IgniteMessages, HandshakeResponses) {
  // Accepted (1.7): success, features byte[], node id UUID.
  Bytes ok = {1, 12, 2, 0, 0, 0, 0xFF, 0x0F, 10};
  for (int i = 0; i < 16; ++i) ok.push_back(static_cast<std::uint8_t>(i));
  const HandshakeResponse a = decode_handshake(ok, kProtocol1_7);
  EXPECT_TRUE(a.accepted);
  EXPECT_EQ(a.features, (Bytes{0xFF, 0x0F}));
  ASSERT_TRUE(a.node_id.has_value());
  // Refused, as a starting node answers (bytes seen from Ignite 2.17).
  const Bytes refused = {0,   1,   0,   7,   0,   0,   0,   9,   22,  0,   0,   0,   'N', 'o', 'd', 'e', ' ', 'i', 'n',
                         ' ', 'r', 'e', 'c', 'o', 'v', 'e', 'r', 'y', ' ', 'm', 'o', 'd', 'e', '.', 11,  0,   0,   0};
  const HandshakeResponse r = decode_handshake(refused, kProtocol1_7);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.server_version, kProtocol1_7);
  EXPECT_EQ(r.error, "Node in recovery mode.");
  EXPECT_EQ(r.status, 11);
  EXPECT_THROW(decode_handshake(Bytes{}, kProtocol1_7), ProtocolError);
  EXPECT_THROW(decode_handshake(Bytes{0, 1}, kProtocol1_7), ProtocolError);
  EXPECT_THROW(decode_handshake(Bytes{1, 12, 9, 0, 0, 0}, kProtocol1_7), ProtocolError);
}

TEST(IgniteMessages, RequestFramingAndResponseHeader) {
  Request req(op::kCacheGetSize, 0x0102030405060708);
  req.body().i32(5);
  const Bytes b = req.finish();
  EXPECT_EQ(b, (Bytes{14, 0, 0, 0, 0xFC, 0x03, 8, 7, 6, 5, 4, 3, 2, 1, 5, 0, 0, 0}));

  // 1.4+: request id, flags (error + topology changed), topology version, status, message.
  Writer w;
  w.i64(42);
  w.i16(response_flags::kError | response_flags::kAffinityTopologyChanged);
  w.i64(3), w.i32(1);
  w.i32(status::kCacheDoesNotExist);
  w.string("Cache does not exist");
  Reader r(w.buffer());
  const ResponseHeader h = read_response_header(r, kProtocol1_7);
  EXPECT_EQ(h.request_id, 42);
  EXPECT_EQ(h.status, status::kCacheDoesNotExist);
  EXPECT_EQ(h.error, "Cache does not exist");
  EXPECT_TRUE(r.at_end());

  // Before 1.4: request id, then the status.
  Writer old;
  old.i64(7), old.i32(0);
  Reader ro(old.buffer());
  EXPECT_EQ(read_response_header(ro, kProtocol1_2).status, 0);
}

TEST(IgniteMessages, ConditionalWritesLayout) {
  const Value key(std::int32_t{1}), expected(std::int32_t{2}), value(std::int32_t{3});
  Request put(op::kCachePutIfAbsent, 9);
  write_put_if_absent(put.body(), 0x01020304, std::nullopt, key, value);
  // length, op 1002, request id, cache id, flags 0, key int 1, value int 3
  EXPECT_EQ(put.finish(), (Bytes{25, 0, 0, 0, 0xEA, 0x03, 9, 0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 1, 0,  //
                                 3,  1, 0, 0, 0,    3,    3, 0, 0, 0}));
  Request replace(op::kCacheReplaceIfEquals, 9);
  write_replace_if_equals(replace.body(), 0x01020304, std::nullopt, key, expected, value);
  // op 1010; key, the value compared, the new value
  EXPECT_EQ(replace.finish(), (Bytes{30, 0, 0, 0, 0xF2, 0x03, 9, 0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 1, 0,  //
                                     3,  1, 0, 0, 0,    3,    2, 0, 0, 0, 3, 3, 0, 0, 0}));
  // In a transaction: flag 0x02 and the transaction id after the cache id.
  Writer tx;
  write_replace_if_equals(tx, 5, 77, key, expected, value);
  EXPECT_EQ(Bytes(tx.buffer().begin(), tx.buffer().begin() + 10), (Bytes{5, 0, 0, 0, 2, 77, 0, 0, 0, 3}));
  // Complex objects are written whole, as put writes them (registered types, same bytes).
  const auto type = std::make_shared<BinaryType>(
      "streamlab.OffsetRow", std::vector<std::pair<std::string, TypeCode>>{{"NEXT_OFFSET", TypeCode::kLong}});
  const Value row = BinaryObject{type, {Value(std::int64_t{42})}};
  Writer object, alone;
  write_put_if_absent(object, 5, std::nullopt, key, row);
  alone.value(row);
  EXPECT_EQ(Bytes(object.buffer().begin() + 10, object.buffer().end()), alone.buffer());

  // The answer: one bool, whether it wrote.
  for (const auto& [byte, written] : {std::pair{std::uint8_t{1}, true}, std::pair{std::uint8_t{0}, false}}) {
    const Bytes answer = {byte};
    Reader r(answer);
    EXPECT_EQ(read_written_flag(r), written);
    EXPECT_TRUE(r.at_end());
  }
  const Bytes nothing;
  Reader empty(nothing);
  EXPECT_THROW(read_written_flag(empty), ProtocolError);
}

TEST(IgniteMessages, SqlPages) {
  Writer w;
  w.i64(99);  // cursor
  w.i32(2);   // columns
  w.string("ID"), w.string("TEXT");
  w.i32(2);  // rows
  w.value(Value(std::int64_t{1})), w.value(Value("uno"));
  w.value(Value(std::int64_t{2})), w.value(Value("dos"));
  w.boolean(true);
  Reader r(w.buffer());
  const SqlPage p = read_sql_first_page(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(p.cursor_id, 99);
  EXPECT_EQ(p.columns, (std::vector<std::string>{"ID", "TEXT"}));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[1][1], Value("dos"));
  EXPECT_TRUE(p.more);

  // 2^31-1 rows of 2 columns announced in a few bytes.
  Writer lie;
  lie.i32(0x7FFFFFFF);
  lie.boolean(false);
  Reader rl(lie.buffer());
  EXPECT_THROW(read_sql_next_page(rl, 2), ProtocolError);
  // Rows without columns.
  Writer none;
  none.i64(1), none.i32(0), none.i32(5), none.boolean(false);
  Reader rn(none.buffer());
  EXPECT_THROW(read_sql_first_page(rn), ProtocolError);
}

TEST(IgniteMessages, TypeMetadataRoundTripsAndLaysOutSchemas) {
  const auto type = row_type();
  Writer w;
  w.boolean(true);
  write_type_metadata(w, metadata_of(*type));
  Reader r(w.buffer());
  const auto m = read_type_metadata_response(r);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(m->type_name, "streamlab.Row");
  ASSERT_EQ(m->fields.size(), type->fields().size());
  EXPECT_EQ(m->fields[2].name, "KAFKA_OFFSET");
  EXPECT_EQ(m->fields[2].type, TypeCode::kLong);
  const auto laid_out = type_for_schema(*m, type->schema_id());
  ASSERT_NE(laid_out, nullptr);
  EXPECT_EQ(laid_out->id(), type->id());
  EXPECT_EQ(laid_out->fields()[3].name, "TEXT");
  EXPECT_EQ(type_for_schema(*m, 12345), nullptr);
  const Bytes unknown = {0};
  Reader absent(unknown);
  EXPECT_FALSE(read_type_metadata_response(absent).has_value());
}
