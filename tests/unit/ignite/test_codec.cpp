// ignite::codec, the Ignite binary format without a server: value round trips, the exact layout
// of complex objects, and that malformed or truncated bytes are a ProtocolError (never a crash:
// these tests also run under ASan/UBSan).

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/ignite_decoders.hpp"
#include "ignite/codec.hpp"
#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"
#include "ignite/value.hpp"
#include "unit/ignite/binary_samples.hpp"

using namespace streamlab::ignite;

namespace {

using streamlab::testing::Bytes;
using streamlab::testing::row_type;

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
  return std::make_shared<BinaryType>(
      "streamlab.SmokeKey", std::vector<std::pair<std::string, TypeCode>>{
                                {"TOPIC", TypeCode::kString}, {"PART", TypeCode::kInt}, {"OFFS", TypeCode::kLong}});
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
  EXPECT_EQ(hash, data_hash(std::span(b).subspan(kObjectHeaderSize,
                                                 static_cast<std::size_t>(schema_offset) - kObjectHeaderSize)));
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
  const auto inner =
      std::make_shared<BinaryType>("t.Inner", std::vector<std::pair<std::string, TypeCode>>{{"N", TypeCode::kInt}});
  const auto outer = std::make_shared<BinaryType>(
      "t.Outer",
      std::vector<std::pair<std::string, TypeCode>>{{"IN", TypeCode::kComplexObject}, {"S", TypeCode::kString}});
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
               std::invalid_argument);                                            // int declared
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
  expect_protocol_error({9, 0xFF, 0xFF, 0xFF, 0x7F});                           // 2 GiB string in 0 bytes
  expect_protocol_error({9, 0xFF, 0xFF, 0xFF, 0xFF});                           // negative length
  expect_protocol_error({15, 0x00, 0x00, 0x00, 0x10, 1, 2});                    // long[] of 2^28
  expect_protocol_error({23, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});  // Object[] of 2^31-1
  expect_protocol_error({25, 0x00, 0x00, 0x00, 0x40, 1});                       // map of 2^30 entries
  expect_protocol_error({27, 0xFF, 0xFF, 0xFF, 0x7F});                          // wrapped data longer than the data
  expect_protocol_error({99});                                                  // unknown type code
  expect_protocol_error({3, 1, 0, 0, 0, 3});                                    // trailing bytes after a value
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
  expect_protocol_error(mutated(1, 2), &resolver);      // unknown layout version
  expect_protocol_error(mutated(12, 0xF0), &resolver);  // length beyond the data
  expect_protocol_error(mutated(12, 10), &resolver);    // length shorter than a header
  expect_protocol_error(mutated(20, 0xF0), &resolver);  // schema offset outside the object
  expect_protocol_error(mutated(20, 3), &resolver);     // schema offset inside the header
  expect_protocol_error(mutated(16, 0x55), &resolver);  // unknown schema id (compact footer)
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
