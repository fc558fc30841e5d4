// The Ignite binary format without a server: hashes, value round trips, the exact layout of
// complex objects, protocol messages, the sink address, and that malformed or truncated bytes
// are a ProtocolError (never a crash: these tests also run under ASan/UBSan).

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "fuzz/ignite_decoders.hpp"
#include "ignite/codec.hpp"
#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"
#include "ignite/messages.hpp"
#include "ignite/uri.hpp"
#include "ignite/value.hpp"

using namespace streamlab::ignite;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Knows the types a test registers, as a client knows those it registered with the cluster.
class TestResolver : public TypeResolver {
 public:
  void add(const std::shared_ptr<const BinaryType>& t) { types_[{t->id(), t->schema_id()}] = t; }
  std::shared_ptr<const BinaryType> find_type(std::int32_t type_id, std::int32_t schema_id, bool) override {
    const auto it = types_.find({type_id, schema_id});
    return it == types_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::pair<std::int32_t, std::int32_t>, std::shared_ptr<const BinaryType>> types_;
};

std::shared_ptr<const BinaryType> smoke_key_type() {
  return std::make_shared<BinaryType>("streamlab.SmokeKey",
                                      std::vector<std::pair<std::string, TypeCode>>{
                                          {"TOPIC", TypeCode::kString}, {"PART", TypeCode::kInt}, {"OFFS", TypeCode::kLong}});
}

std::shared_ptr<const BinaryType> row_type() {
  return std::make_shared<BinaryType>("streamlab.Row", std::vector<std::pair<std::string, TypeCode>>{
                                                           {"TOPIC", TypeCode::kString},
                                                           {"KAFKA_PARTITION", TypeCode::kInt},
                                                           {"KAFKA_OFFSET", TypeCode::kLong},
                                                           {"TEXT", TypeCode::kString},
                                                           {"CREATED", TypeCode::kTimestamp},
                                                           {"SCORE", TypeCode::kDouble},
                                                           {"RETWEET", TypeCode::kBool},
                                                           {"PAYLOAD", TypeCode::kByteArray}});
}

Value row(const std::shared_ptr<const BinaryType>& type, std::string text, std::int64_t offset) {
  return BinaryObject{type,
                      {Value("tweets"), Value(std::int32_t{2}), Value(offset), Value(std::move(text)),
                       Value(Timestamp{1'700'000'000'123, 456'000}), Value(0.25), Value(true),
                       Value(std::vector<std::uint8_t>{0, 1, 0xFF})}};
}

Value round_trip(const Value& v, TypeResolver* resolver = nullptr) { return decode(encode(v), resolver); }

// Every sample value, one of each alternative and then some.
std::vector<Value> samples() {
  std::vector<Value> v;
  v.emplace_back();
  v.emplace_back(true);
  v.emplace_back(false);
  v.emplace_back(std::int8_t{-128});
  v.emplace_back(std::int16_t{-32768});
  v.emplace_back(std::int32_t{std::numeric_limits<std::int32_t>::min()});
  v.emplace_back(std::int32_t{42});
  v.emplace_back(std::int64_t{std::numeric_limits<std::int64_t>::max()});
  v.emplace_back(1.5f);
  v.emplace_back(-2.0e300);
  v.emplace_back(Char{u'ñ'});
  v.emplace_back(std::string());
  v.emplace_back("Fútbol en Santiago, ¿porque? 💥⚽ 日本語");
  v.emplace_back(Uuid{0x0123456789ABCDEFull, 0xFEDCBA9876543210ull});
  v.emplace_back(Date{-86'400'000});
  v.emplace_back(Timestamp{1'700'000'000'000, 999'999});
  v.emplace_back(Time{3'600'000});
  v.emplace_back(Decimal{2, {0x80, 0x01, 0x02}});
  v.emplace_back(EnumValue{123, 4, false});
  v.emplace_back(EnumValue{123, 5, true});
  v.emplace_back(std::vector<std::uint8_t>{0, 1, 2, 0xFF});
  v.emplace_back(std::vector<std::int16_t>{1, -1});
  v.emplace_back(std::vector<std::int32_t>{1, -1, 1 << 30});
  v.emplace_back(std::vector<std::int64_t>{1, -1, 1LL << 40});
  v.emplace_back(std::vector<float>{0.5f});
  v.emplace_back(std::vector<double>{0.25, -1e10});
  v.emplace_back(std::vector<char16_t>{u'a', 0xD83D});
  v.emplace_back(std::vector<bool>{true, false, true});
  v.emplace_back(ValueArray{TypeCode::kString, -1, {Value("a"), Value(), Value("ß")}});
  v.emplace_back(ValueArray{TypeCode::kUuid, -1, {Value(Uuid{1, 2}), Value()}});
  v.emplace_back(ValueArray{TypeCode::kDate, -1, {Value(Date{5})}});
  v.emplace_back(ValueArray{TypeCode::kTimestamp, -1, {Value(Timestamp{5, 6})}});
  v.emplace_back(ValueArray{TypeCode::kTime, -1, {Value(Time{7})}});
  v.emplace_back(ValueArray{TypeCode::kDecimal, -1, {Value(Decimal{0, {1}})}});
  v.emplace_back(ValueArray{TypeCode::kEnum, 77, {Value(EnumValue{77, 1, false}), Value()}});
  v.emplace_back(ValueArray{TypeCode::kComplexObject, -1, {Value(std::int32_t{1}), Value("x"), Value()}});
  v.emplace_back(Collection{collection_kind::kArrayList, {Value(std::int64_t{1}), Value("two")}});
  v.emplace_back(Map{map_kind::kLinkedHashMap, {MapEntry{Value("k"), Value(std::int32_t{1})}}});
  return v;
}

void expect_protocol_error(const Bytes& data, TypeResolver* resolver = nullptr) {
  EXPECT_THROW(decode(data, resolver), ProtocolError) << "bytes: " << data.size();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hashes: values computed with Ignite 2.17's own BinaryBasicIdMapper and String.hashCode.

TEST(IgniteHashing, JavaStringHashOfCacheNames) {
  EXPECT_EQ(java_hash(""), 0);
  EXPECT_EQ(java_hash("a"), 97);
  EXPECT_EQ(java_hash("hello"), 99162322);
  EXPECT_EQ(java_hash("Hello"), 69609650);
  EXPECT_EQ(java_hash("my-cache"), -1910710239);
  EXPECT_EQ(java_hash("SQL_PUBLIC_T"), -1578586257);
  // Non-ASCII: hashed over UTF-16 code units, the emoji as a surrogate pair.
  EXPECT_EQ(java_hash("caché💥"), 542102158);
}

TEST(IgniteHashing, LowerCaseNameIdsOfTypesAndFields) {
  EXPECT_EQ(name_id("hello"), 99162322);
  EXPECT_EQ(name_id("Hello"), 99162322);
  EXPECT_EQ(name_id("topic"), 110546223);
  EXPECT_EQ(name_id("TOPIC"), 110546223);
  EXPECT_EQ(name_id("PARTITION"), -1799810326);
  EXPECT_EQ(name_id("KAFKA_OFFSET"), -1329679412);
  EXPECT_EQ(name_id("streamlab.Row"), -1256393095);
  EXPECT_EQ(name_id("STREAMLAB.ROW"), -1256393095);
  EXPECT_EQ(name_id("java.lang.String"), 2111392325);
  EXPECT_EQ(name_id("SQL_PUBLIC_PERSON_1234"), -905471961);
  EXPECT_EQ(name_id("ñandú"), 225567348);
  EXPECT_EQ(name_id("ÀÉ"), 7177);
  EXPECT_EQ(name_id("streamlab.SmokeKey"), -1450673839);
}

TEST(IgniteHashing, SchemaIdAndDataHash) {
  EXPECT_EQ(schema_id({}), 0);
  const std::int32_t ids[] = {name_id("TOPIC"), name_id("PART"), name_id("OFFS")};
  EXPECT_EQ(schema_id(ids), 724503203);  // as the server wrote it for this key
  EXPECT_EQ(data_hash({}), 1);
  const std::uint8_t bytes[] = {1, 2, 0xFF};
  EXPECT_EQ(data_hash(bytes), ((31 * 1 + 1) * 31 + 2) * 31 - 1);
}

// ---------------------------------------------------------------------------------------------
// Complex objects

// The key Ignite 2.17 itself built for `INSERT INTO smoke_t (topic, part, offs, ...) VALUES
// ('t', 0, 5, ...)` with key_type=streamlab.SmokeKey, as read back with SELECT _key: the bytes
// written here must be identical, or a put_all and an INSERT of the same row would be two keys.
TEST(IgniteBinaryObject, KeyIsByteIdenticalToTheServersOwn) {
  const Bytes server = {0x67, 0x01, 0x2b, 0x00, 0x51, 0x79, 0x88, 0xa9, 0x49, 0xff, 0x70, 0xb4, 0x2f, 0x00, 0x00, 0x00,
                        0xa3, 0x0a, 0x2f, 0x2b, 0x2c, 0x00, 0x00, 0x00, 0x09, 0x01, 0x00, 0x00, 0x00, 0x74, 0x03, 0x00,
                        0x00, 0x00, 0x00, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x1e, 0x23};
  const BinaryObject key{smoke_key_type(), {Value("t"), Value(std::int32_t{0}), Value(std::int64_t{5})}};
  EXPECT_EQ(encode(key), server);

  TestResolver resolver;
  resolver.add(smoke_key_type());
  const Value back = decode(server, &resolver);
  ASSERT_TRUE(back.is<BinaryObject>());
  EXPECT_EQ(back, Value(key));
  EXPECT_EQ(*back.as<BinaryObject>().field("topic"), Value("t"));
  EXPECT_EQ(*back.as<BinaryObject>().field("OFFS"), Value(std::int64_t{5}));
  EXPECT_EQ(back.as<BinaryObject>().field("missing"), nullptr);
}

TEST(IgniteBinaryObject, HeaderFieldsAndOffsets) {
  const auto type = row_type();
  const Value v = row(type, "hola", 7);
  const Bytes b = encode(v);
  Reader r(b);
  EXPECT_EQ(r.u8(), 103);
  EXPECT_EQ(r.u8(), 1);  // version
  const std::uint16_t flags = r.u16();
  EXPECT_EQ(flags, object_flags::kUserType | object_flags::kHasSchema | object_flags::kOffsetOneByte |
                       object_flags::kCompactFooter);
  EXPECT_EQ(r.i32(), name_id("streamlab.Row"));
  const std::int32_t hash = r.i32();
  const std::int32_t length = r.i32();
  EXPECT_EQ(static_cast<std::size_t>(length), b.size());
  EXPECT_EQ(r.i32(), type->schema_id());
  const std::int32_t schema_offset = r.i32();
  // The footer: one byte per field, each the offset of a field's type code.
  ASSERT_EQ(b.size() - static_cast<std::size_t>(schema_offset), type->fields().size());
  EXPECT_EQ(b[static_cast<std::size_t>(schema_offset)], kObjectHeaderSize);
  EXPECT_EQ(b[kObjectHeaderSize], static_cast<std::uint8_t>(TypeCode::kString));
  // Hash: over the field data only.
  EXPECT_EQ(hash, data_hash(std::span(b).subspan(kObjectHeaderSize, static_cast<std::size_t>(schema_offset) - kObjectHeaderSize)));
}

TEST(IgniteBinaryObject, OffsetWidthGrowsWithTheObject) {
  const auto type = row_type();
  for (const auto& [size, flag] : {std::pair<std::size_t, std::uint16_t>{100, object_flags::kOffsetOneByte},
                                   {1000, object_flags::kOffsetTwoBytes},
                                   {70000, 0}}) {
    const Value v = row(type, std::string(size, 'x'), 1);
    const Bytes b = encode(v);
    const std::uint16_t flags = static_cast<std::uint16_t>(b[2] | b[3] << 8);
    EXPECT_EQ(flags & (object_flags::kOffsetOneByte | object_flags::kOffsetTwoBytes), flag) << size;
    TestResolver resolver;
    resolver.add(type);
    EXPECT_EQ(decode(b, &resolver), v) << size;
  }
}

TEST(IgniteBinaryObject, FullFooterIsReadableWithoutMetadata) {
  const Value v = row(row_type(), "sin metadatos", 3);
  Writer w;
  w.set_full_footers(true);
  w.value(v);
  const Value back = decode(w.buffer());  // no resolver
  ASSERT_TRUE(back.is<BinaryObject>());
  EXPECT_TRUE(back.as<BinaryObject>().type->name().empty());  // known by ids only
  EXPECT_EQ(back, v);
  EXPECT_EQ(*back.as<BinaryObject>().field("text"), Value("sin metadatos"));
}

TEST(IgniteBinaryObject, CompactFooterNeedsItsSchema) {
  const Bytes b = encode(row(row_type(), "x", 1));
  expect_protocol_error(b);  // no resolver, no schema: cannot tell the fields apart
  TestResolver resolver;
  resolver.add(row_type());
  EXPECT_NO_THROW(decode(b, &resolver));
}

TEST(IgniteBinaryObject, NestedObjectsNullFieldsAndEmptyObjects) {
  const auto inner = std::make_shared<BinaryType>("t.Inner", std::vector<std::pair<std::string, TypeCode>>{
                                                                 {"N", TypeCode::kInt}});
  const auto outer = std::make_shared<BinaryType>("t.Outer", std::vector<std::pair<std::string, TypeCode>>{
                                                                 {"IN", TypeCode::kComplexObject},
                                                                 {"S", TypeCode::kString}});
  const auto empty = std::make_shared<BinaryType>("t.Empty", std::vector<std::pair<std::string, TypeCode>>{});
  TestResolver resolver;
  resolver.add(inner);
  resolver.add(outer);
  const Value v = BinaryObject{outer, {Value(BinaryObject{inner, {Value(std::int32_t{9})}}), Value()}};
  EXPECT_EQ(round_trip(v, &resolver), v);
  const Value e = BinaryObject{empty, {}};
  EXPECT_EQ(round_trip(e, &resolver), e);
}

TEST(IgniteBinaryObject, ValuesMustMatchTheirType) {
  const auto type = smoke_key_type();
  EXPECT_THROW(encode(BinaryObject{type, {Value("t"), Value(std::int64_t{0}), Value(std::int64_t{5})}}),
               std::invalid_argument);                                              // int declared
  EXPECT_THROW(encode(BinaryObject{type, {Value("t")}}), std::invalid_argument);  // too few values
  EXPECT_THROW(BinaryType("x", {{"A", TypeCode::kInt}, {"a", TypeCode::kInt}}), std::invalid_argument);
  EXPECT_THROW(BinaryType("", {}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST(IgniteCodec, EveryValueTypeRoundTrips) {
  for (const Value& v : samples()) {
    SCOPED_TRACE(to_string(v));
    EXPECT_EQ(round_trip(v), v);
  }
}

TEST(IgniteCodec, PrimitiveLayoutIsLittleEndianWithTypeCode) {
  EXPECT_EQ(encode(Value(std::int32_t{0x01020304})), (Bytes{3, 4, 3, 2, 1}));
  EXPECT_EQ(encode(Value(std::int64_t{-2})), (Bytes{4, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(encode(Value("ñ")), (Bytes{9, 2, 0, 0, 0, 0xC3, 0xB1}));
  EXPECT_EQ(encode(Value()), (Bytes{101}));
  EXPECT_EQ(encode(Value(Uuid{1, 2})), (Bytes{10, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(encode(Value(Timestamp{1, 2})), (Bytes{33, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}));
}

TEST(IgniteCodec, WrappedDataAndHandlesAreRead) {
  // Wrapped data (27) as the server sends objects: length, bytes, offset of the root.
  const Bytes inner = encode(Value(std::int32_t{7}));
  Bytes wrapped = {27, static_cast<std::uint8_t>(inner.size()), 0, 0, 0};
  wrapped.insert(wrapped.end(), inner.begin(), inner.end());
  wrapped.insert(wrapped.end(), {0, 0, 0, 0});
  EXPECT_EQ(decode(wrapped), Value(std::int32_t{7}));

  // A collection whose second item is a handle back to the first.
  Bytes c = {24, 2, 0, 0, 0, 1};
  const std::size_t first = c.size();
  const Bytes s = encode(Value("same"));
  c.insert(c.end(), s.begin(), s.end());
  const std::size_t handle = c.size();
  const auto back = static_cast<std::uint8_t>(handle - first);
  c.insert(c.end(), {102, back, 0, 0, 0});
  EXPECT_EQ(decode(c), Value(Collection{1, {Value("same"), Value("same")}}));
}

// ---------------------------------------------------------------------------------------------
// Malformed input

TEST(IgniteCodec, EveryTruncationIsAProtocolError) {
  TestResolver resolver;
  resolver.add(row_type());
  std::vector<Value> all = samples();
  all.push_back(row(row_type(), "truncated", 9));
  for (const Value& v : all) {
    const Bytes b = encode(v);
    for (std::size_t n = 0; n < b.size(); ++n) {
      SCOPED_TRACE(to_string(v) + " cut to " + std::to_string(n));
      expect_protocol_error(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)), &resolver);
    }
  }
}

TEST(IgniteCodec, LengthsBeyondTheDataAreRejectedBeforeAllocating) {
  expect_protocol_error({9, 0xFF, 0xFF, 0xFF, 0x7F});         // 2 GiB string in 0 bytes
  expect_protocol_error({9, 0xFF, 0xFF, 0xFF, 0xFF});         // negative length
  expect_protocol_error({15, 0x00, 0x00, 0x00, 0x10, 1, 2});  // long[] of 2^28
  expect_protocol_error({23, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});  // Object[] of 2^31-1
  expect_protocol_error({25, 0x00, 0x00, 0x00, 0x40, 1});     // map of 2^30 entries
  expect_protocol_error({27, 0xFF, 0xFF, 0xFF, 0x7F});        // wrapped data longer than the data
  expect_protocol_error({99});                                 // unknown type code
  expect_protocol_error({3, 1, 0, 0, 0, 3});                   // trailing bytes after a value
}

TEST(IgniteCodec, MalformedObjectsAreRejected) {
  TestResolver resolver;
  resolver.add(row_type());
  const Bytes good = encode(row(row_type(), "x", 1));
  auto mutated = [&](std::size_t at, std::uint8_t value) {
    Bytes b = good;
    b[at] = value;
    return b;
  };
  expect_protocol_error(mutated(1, 2), &resolver);     // unknown layout version
  expect_protocol_error(mutated(12, 0xF0), &resolver); // length beyond the data
  expect_protocol_error(mutated(12, 10), &resolver);   // length shorter than a header
  expect_protocol_error(mutated(20, 0xF0), &resolver); // schema offset outside the object
  expect_protocol_error(mutated(20, 3), &resolver);    // schema offset inside the header
  expect_protocol_error(mutated(16, 0x55), &resolver); // unknown schema id (compact footer)
  // A field offset pointing into the header or past the fields.
  Bytes bad_offset = good;
  bad_offset[bad_offset.size() - 1] = 2;
  expect_protocol_error(bad_offset, &resolver);
}

TEST(IgniteCodec, HandleLoopsAndDeepNestingAreRejected) {
  // A handle pointing at itself, and one pointing past the start.
  expect_protocol_error({24, 1, 0, 0, 0, 1, 102, 0, 0, 0, 0});
  expect_protocol_error({24, 1, 0, 0, 0, 1, 102, 100, 0, 0, 0});
  // A collection containing a handle to itself: would recurse forever.
  expect_protocol_error({24, 1, 0, 0, 0, 1, 102, 6, 0, 0, 0});
  // 1000 nested collections.
  Bytes deep;
  for (int i = 0; i < 1000; ++i) deep.insert(deep.end(), {24, 1, 0, 0, 0, 1});
  deep.push_back(101);
  expect_protocol_error(deep);
}

TEST(IgniteCodec, HandlesCannotAmplifyWork) {
  // One 60 kB string, then an Object[] of 20000 handles to it: 1.2 GB if each were copied.
  Bytes b = {23, 0xFF, 0xFF, 0xFF, 0xFF};
  const std::uint32_t n = 20001;
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  const std::size_t target = b.size();
  const Bytes s = encode(Value(std::string(60000, 'h')));
  b.insert(b.end(), s.begin(), s.end());
  for (std::uint32_t i = 1; i < n; ++i) {
    const auto back = static_cast<std::uint32_t>(b.size() - target);
    b.push_back(102);
    for (int k = 0; k < 4; ++k) b.push_back(static_cast<std::uint8_t>(back >> (8 * k)));
  }
  expect_protocol_error(b);
}

TEST(IgniteCodec, RandomBytesAndMutationsNeverCrash) {
  std::mt19937 rng(12345);
  TestResolver resolver;
  resolver.add(row_type());
  std::vector<Bytes> seeds;
  for (const Value& v : samples()) seeds.push_back(encode(v));
  seeds.push_back(encode(row(row_type(), "mutate me", 1)));
  for (int round = 0; round < 20000; ++round) {
    Bytes b = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !b.empty(); ++e) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    try {
      decode(b, &resolver);
    } catch (const ProtocolError&) {
    }
    streamlab::testing::decode_all_responses(b);
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

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
  const Bytes refused = {0, 1, 0, 7, 0, 0, 0, 9, 22, 0, 0, 0, 'N', 'o', 'd', 'e', ' ', 'i', 'n', ' ', 'r', 'e', 'c',
                         'o', 'v', 'e', 'r', 'y', ' ', 'm', 'o', 'd', 'e', '.', 11, 0, 0, 0};
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
                                 3, 1, 0, 0, 0, 3, 3, 0, 0, 0}));
  Request replace(op::kCacheReplaceIfEquals, 9);
  write_replace_if_equals(replace.body(), 0x01020304, std::nullopt, key, expected, value);
  // op 1010; key, the value compared, the new value
  EXPECT_EQ(replace.finish(), (Bytes{30, 0, 0, 0, 0xF2, 0x03, 9, 0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 1, 0,  //
                                     3, 1, 0, 0, 0, 3, 2, 0, 0, 0, 3, 3, 0, 0, 0}));
  // In a transaction: flag 0x02 and the transaction id after the cache id.
  Writer tx;
  write_replace_if_equals(tx, 5, 77, key, expected, value);
  EXPECT_EQ(Bytes(tx.buffer().begin(), tx.buffer().begin() + 10), (Bytes{5, 0, 0, 0, 2, 77, 0, 0, 0, 3}));
  // Complex objects are written whole, as put writes them (registered types, same bytes).
  const auto type = std::make_shared<BinaryType>("streamlab.OffsetRow", std::vector<std::pair<std::string, TypeCode>>{
                                                                            {"NEXT_OFFSET", TypeCode::kLong}});
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

// ---------------------------------------------------------------------------------------------
// The sink address

TEST(IgniteUri, ParsesHostPortAndParameters) {
  const IgniteUri u = parse_uri("ignite://127.0.0.1:10800?table=distribuidos&user=ignite&password=p%40ss%26word");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 10800);
  EXPECT_EQ(u.table, "distribuidos");
  EXPECT_EQ(u.user, "ignite");
  EXPECT_EQ(u.password, "p@ss&word");
  EXPECT_EQ(u.redacted(), "ignite://127.0.0.1:10800?table=distribuidos&user=ignite&password=***");
  EXPECT_EQ(u.client_options().port, 10800);

  const IgniteUri d = parse_uri("ignite://ignite-host/");
  EXPECT_EQ(d.host, "ignite-host");
  EXPECT_EQ(d.port, 10800);
  EXPECT_FALSE(d.table.has_value());
  const IgniteUri v6 = parse_uri("IGNITE://[::1]:10801");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 10801);
}

TEST(IgniteUri, RejectsMalformedAddressesClearly) {
  const char* bad[] = {"",
                       "postgres://x",
                       "ignite://",
                       "ignite://:10800",
                       "ignite://host:",
                       "ignite://host:99999",
                       "ignite://host:0",
                       "ignite://host:12ab",
                       "ignite://host/db",
                       "ignite://user:pw@host",
                       "ignite://[::1",
                       "ignite://host?tabel=x",
                       "ignite://host?table=x&table=y",
                       "ignite://host?table=",
                       "ignite://host?table=bad-name",
                       "ignite://host?table=1abc",
                       "ignite://host?table=x;DROP",
                       "ignite://host?password=x",
                       "ignite://host?user=u&password=%zz"};
  for (const char* u : bad) {
    SCOPED_TRACE(u);
    try {
      parse_uri(u);
      ADD_FAILURE() << "accepted";
    } catch (const streamlab::core::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("invalid Ignite address"), std::string::npos) << e.what();
    }
  }
}
